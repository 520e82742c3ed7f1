/**
 * The resources of a searched network as functions of its top-k operators: FLOPs (multiply-accumulates
 * per example), trainable parameters and latency (from a table of measured per-layer times), each with
 * its straight-through gradient with respect to every ratio {@code a} (METHOD.md section 2).
 *
 * <ul>
 *   <li>{@link io.dl4jdms.resource.ResourceModel}: the analysis of a {@code MultiLayerNetwork} or
 *       {@code ComputationGraph} and the figures under the current masks;
 *       {@link io.dl4jdms.resource.VertexRule} and {@link io.dl4jdms.resource.VertexSite}: how each kind of
 *       layer or vertex enters it, the extension point for new ones;
 *       {@link io.dl4jdms.resource.Channels}: the channels of an activation as the analysis sees them.</li>
 *   <li>{@link io.dl4jdms.resource.PlainNetworkCounter}: an independent count over plain DL4J networks.</li>
 *   <li>Latency comes from a {@link io.dl4jdms.latency.ChannelLatencyTable}, measured by
 *       {@link io.dl4jdms.latency.LatencyProfiler} ({@link io.dl4jdms.resource.TimedLayer}: what it times).</li>
 *   <li>{@link io.dl4jdms.resource.TargetSchedule}: the resource target over a search, used by
 *       {@code io.dl4jdms.listeners.ResourceLossListener}.</li>
 * </ul>
 */
package io.dl4jdms.resource;
