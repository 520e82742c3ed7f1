/**
 * From a searched supernet to what you deploy: {@link io.dl4jdms.export.SlimExporter} builds the slim
 * plain-DL4J network (removed channels, features and blocks physically gone, kept weights copied), and
 * {@link io.dl4jdms.export.SearchedStructure} records the searched sizes as JSON.
 *
 * <p>Inside: {@code NetworkView} reads a {@code MultiLayerNetwork} or {@code ComputationGraph} into
 * nodes, each with the {@code ChannelRole} and export form of its class's rule in the
 * {@link io.dl4jdms.resource.LayerRegistry} (the one place that knows what a layer or vertex class does
 * to channels); {@code ExportPlan} decides which channels every activation keeps and checks the export
 * is exact; {@code SlimLayers} builds the stock layers and cuts their parameters.
 */
package io.dl4jdms.export;
