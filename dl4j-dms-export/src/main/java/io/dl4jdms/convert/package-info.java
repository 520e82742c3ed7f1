/**
 * From a stock network to a supernet: {@link io.dl4jdms.convert.DmsSupernet} converts a
 * {@code MultiLayerNetwork} or {@code ComputationGraph} (your own, or one of deeplearning4j-zoo's) so that
 * DMS can search it.
 *
 * <p>Inside: {@code NetworkGraph} reads the network into vertices with the role of their class's rule in
 * the {@link io.dl4jdms.resource.LayerRegistry}; {@code ChannelDependencies} finds the coupled channels,
 * where their masks go and the skippable residual blocks; {@code GraphConversion} and
 * {@code ChainConversion} rewrite the configuration and copy the parameters.
 */
package io.dl4jdms.convert;
