package io.dl4jdms.export;

import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.resource.ChannelRole;
import io.dl4jdms.resource.LayerRule;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.Collections;
import java.util.List;

/**
 * One vertex of the searched network as the exporter sees it: a network input, a layer (a
 * {@code MultiLayerNetwork} layer or a graph layer vertex) or another graph vertex, with the role
 * ({@link ChannelRole}, from the {@link io.dl4jdms.resource.LayerRegistry}) that decides how removed
 * channels pass through it.
 */
final class ExportNode {

    final String key;
    final String name;
    final ChannelRole role;
    /** Its class's rule in the registry; null for a network input. */
    final LayerRule rule;
    /** A {@code GatedResidual} whose block the depth mask drops: it disappears with its branch. */
    final boolean removedBlock;
    /** The inputs that carry activations (the mask input of a search vertex is in {@link #maskInput}). */
    final List<String> inputs;
    final String maskInput;
    final InputPreProcessor preProcessor;
    /** The layer's configuration, or null for a non-layer vertex. */
    final Layer layer;
    /** The layer's per-layer network configuration (the template of its slim replacements). */
    final NeuralNetConfiguration layerConf;
    /** The graph vertex configuration; null in a {@code MultiLayerNetwork}. */
    final GraphVertex vertex;
    /** The instantiated layer (its parameters), or null. */
    final org.deeplearning4j.nn.api.Layer impl;

    ExportNode(String key, String name, LayerRule rule, ChannelRole role, boolean removedBlock, List<String> inputs, String maskInput, InputPreProcessor preProcessor,
         Layer layer, NeuralNetConfiguration layerConf, GraphVertex vertex, org.deeplearning4j.nn.api.Layer impl) {
        this.key = key;
        this.name = name;
        this.rule = rule;
        this.role = role;
        this.removedBlock = removedBlock;
        this.inputs = Collections.unmodifiableList(inputs);
        this.maskInput = maskInput;
        this.preProcessor = preProcessor;
        this.layer = layer;
        this.layerConf = layerConf;
        this.vertex = vertex;
        this.impl = impl;
    }

    /** The top-k operator this layer carries, or null. */
    TopkOperator operator() {
        return impl instanceof TopkOperator ? (TopkOperator) impl : null;
    }

    /** "TopkConv 'c1'", for messages. */
    String describe() {
        if (role == ChannelRole.INPUT) {
            return "network input '" + name + "'";
        }
        Object conf = layer != null ? layer : vertex;
        return conf.getClass().getSimpleName() + " '" + name + "'";
    }

    @Override
    public String toString() {
        return describe();
    }
}
