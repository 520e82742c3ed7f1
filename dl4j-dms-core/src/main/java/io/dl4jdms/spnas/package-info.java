/**
 * The mathematics of Single-Path NAS (Stamoulis et al. 2019, arXiv 1904.02877), kept apart from any
 * network code: plain {@code double[]} in, plain values out.
 *
 * <p>One depthwise superkernel of the largest candidate size holds every candidate kernel: the
 * {@link io.dl4jdms.spnas.KernelShells shells} around the smallest kernel are switched on by
 * {@link io.dl4jdms.spnas.Indicator indicators} {@code 1(||w_shell|| - t >= 0)} on the shell's norm,
 * nested (a 7x7 shell counts only if the 5x5 shell does). The same nested indicators gate the
 * {@link io.dl4jdms.spnas.ChannelGroups channel groups} of the expansion ratios, the first one being
 * the skip choice of a residual block. {@link io.dl4jdms.spnas.SuperkernelSpace} ties the two
 * together and reads off the {@link io.dl4jdms.spnas.SuperkernelChoice choice};
 * {@link io.dl4jdms.spnas.LayerRuntimeModel} is the differentiable runtime of one layer built on a
 * table of measured latencies.
 */
package io.dl4jdms.spnas;
