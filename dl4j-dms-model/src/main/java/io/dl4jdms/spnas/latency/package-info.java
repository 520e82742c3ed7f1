/**
 * Latency for Single-Path NAS: the {@link io.dl4jdms.spnas.latency.LatencyProfiler} times every
 * candidate of every searchable block on the backend in use and writes a
 * {@link io.dl4jdms.spnas.latency.LatencyTable}; the {@link io.dl4jdms.spnas.latency.LatencyModel}
 * turns it into the differentiable runtime {@code R = fixed + sum_l R_l(d)} of a network of
 * {@link io.dl4jdms.layers.SuperkernelDepthwise} layers; the
 * {@link io.dl4jdms.spnas.latency.LatencyLossListener} adds {@code lambda * d log R / dt} to the
 * thresholds' gradients during a search. {@link io.dl4jdms.spnas.latency.BlockLayers} builds the stock
 * DL4J layers a chosen candidate stands for: what is timed is what is exported.
 */
package io.dl4jdms.spnas.latency;
