/**
 * From a searched supernet to what you deploy: {@link io.dl4jdms.export.SlimExporter} builds the slim
 * plain-DL4J network (removed channels, features and blocks physically gone, kept weights copied), and
 * {@link io.dl4jdms.export.SearchedStructure} records the searched sizes as JSON.
 *
 * <p>Inside: {@code NetworkView} reads a {@code MultiLayerNetwork} or {@code ComputationGraph} into
 * nodes with a role each (the one place that knows what a layer or vertex class does to channels: a new
 * searchable layer or search vertex is supported by giving it a role there and, if it has weights, a
 * conversion in {@code SlimLayers}); {@code ExportPlan} decides which channels every activation keeps
 * and checks the export is exact; {@code SlimLayers} builds the stock layers and cuts their parameters.
 */
package io.dl4jdms.export;
