/**
 * Latency for Single-Path NAS: {@link io.dl4jdms.latency.LatencyProfiler} times every candidate of every
 * {@link io.dl4jdms.spnas.latency.SearchableBlock} on the backend in use into a
 * {@link io.dl4jdms.latency.CandidateLatencyTable}; the {@link io.dl4jdms.spnas.latency.LatencyModel}
 * turns it into the differentiable runtime {@code R = fixed + sum_l R_l(d)} of a network of
 * {@link io.dl4jdms.layers.SuperkernelDepthwise} layers; the
 * {@link io.dl4jdms.spnas.latency.LatencyLossListener} adds {@code lambda * d log R / dt} to the
 * thresholds' gradients during a search. {@link io.dl4jdms.spnas.latency.BlockLayers} builds the stock
 * DL4J layers a chosen candidate stands for: what is timed is what is exported.
 */
package io.dl4jdms.spnas.latency;
