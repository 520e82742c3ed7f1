/**
 * The resources of a searched network as functions of its top-k operators: FLOPs (multiply-accumulates
 * per example), trainable parameters and latency (from a table of measured per-layer times), each with
 * its straight-through gradient with respect to every ratio {@code a} (METHOD.md section 2).
 *
 * <ul>
 *   <li>{@link io.dl4jdms.resource.ResourceModel}: the analysis of a {@code MultiLayerNetwork} or
 *       {@code ComputationGraph} and the figures under the current masks;
 *       {@link io.dl4jdms.resource.VertexRule} and {@link io.dl4jdms.resource.VertexContext}: how each kind of
 *       layer or vertex enters it, the extension point for new ones;
 *       {@link io.dl4jdms.resource.Channels}: the channels of an activation as the analysis sees them.</li>
 *   <li>{@link io.dl4jdms.resource.LayerRegistry}: one {@link io.dl4jdms.resource.LayerRule} per layer or
 *       vertex class ({@link io.dl4jdms.resource.ChannelRole}, cost, export, conversion), used by the
 *       resource model, the plain counter, the slim exporter and the supernet converter.</li>
 *   <li>{@link io.dl4jdms.resource.PlainNetworkCounter}: the count of a network from its configuration
 *       alone, at full width, with the registry's cost rules.</li>
 *   <li>Latency comes from a {@link io.dl4jdms.latency.ChannelLatencyTable}, measured by
 *       {@link io.dl4jdms.latency.LatencyProfiler} ({@link io.dl4jdms.resource.TimedLayer}: what it times).</li>
 *   <li>{@link io.dl4jdms.resource.TargetSchedule}: the resource target over a search, used by
 *       {@code io.dl4jdms.listeners.ResourceLossListener}.</li>
 * </ul>
 */
package io.dl4jdms.resource;
