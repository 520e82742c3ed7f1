package io.dl4jdms.export;

import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.Collections;
import java.util.List;

/**
 * One vertex of the searched network as the exporter sees it: a network input, a layer (a
 * {@code MultiLayerNetwork} layer or a graph layer vertex) or another graph vertex, with the role
 * ({@link Role}) that decides how removed channels pass through it.
 */
final class Node {

    /** How a vertex treats channels; see {@link ExportPlan} for the rules of each. */
    enum Role {
        /** A network input: all of its channels stay. */
        INPUT,
        /** Weights over input and output channels: convolution, dense, output layer, and ours. */
        WEIGHTED,
        /** Works per channel and maps 0 to 0 (ReLU, pooling, dropout, padding, ...). */
        PER_CHANNEL,
        /** Works per channel but turns 0 into a constant (batch normalisation, sigmoid, shift). */
        PER_CHANNEL_AFFINE,
        /** Concatenation along the channel axis. */
        MERGE,
        /** Element-wise add, subtract, average, product or max of equally shaped inputs. */
        ELEMENT_WISE,
        /** A width or depth mask layer of the search: only read by the vertices that apply it. */
        MASK,
        /** {@code x * m} for a shared width mask: disappears, its input is cut to the kept channels. */
        WIDTH_MASKED,
        /** {@code x + m_i * f(x)} of a kept block: becomes {@code x + f(x)}. */
        KEPT_BLOCK,
        /** {@code x + m_i * f(x)} of a removed block: disappears together with its branch. */
        REMOVED_BLOCK,
        /** Anything else: exported unchanged, which requires all its input channels. */
        OTHER
    }

    final String key;
    final String name;
    final Role role;
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

    Node(String key, String name, Role role, List<String> inputs, String maskInput, InputPreProcessor preProcessor,
         Layer layer, NeuralNetConfiguration layerConf, GraphVertex vertex, org.deeplearning4j.nn.api.Layer impl) {
        this.key = key;
        this.name = name;
        this.role = role;
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
        if (role == Role.INPUT) {
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
