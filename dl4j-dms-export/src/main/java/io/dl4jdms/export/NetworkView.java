package io.dl4jdms.export;

import io.dl4jdms.export.Node.Role;
import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.MaskLayer;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.WidthMaskVertex;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution2D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link MultiLayerNetwork} (as a chain) or a {@link ComputationGraph} as one list of {@link Node}s in
 * topological order, each with its {@link Role}. This is where the exporter learns what a layer or
 * vertex class does to channels; a new kind of searchable layer or search vertex gets its role here.
 */
final class NetworkView {

    final boolean graph;
    /** Every node, network inputs first, in topological order. */
    final List<Node> nodes;
    final Map<String, Node> byKey;
    /** The keys of the network outputs, in order. */
    final List<String> outputs;

    private NetworkView(boolean graph, List<Node> nodes, List<String> outputs) {
        this.graph = graph;
        this.nodes = Collections.unmodifiableList(nodes);
        Map<String, Node> map = new LinkedHashMap<>();
        for (Node node : nodes) {
            map.put(node.key, node);
        }
        this.byKey = Collections.unmodifiableMap(map);
        this.outputs = Collections.unmodifiableList(outputs);
    }

    /** The key of the network input of a {@code MultiLayerNetwork}, which cannot clash with a layer's. */
    static final String CHAIN_INPUT = "#input";

    /** The key of layer {@code i} of a {@code MultiLayerNetwork}. */
    static String chainKey(int i) {
        return "#" + i;
    }

    static NetworkView of(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node(CHAIN_INPUT, "input", Role.INPUT, List.of(), null, null, null, null, null, null));
        int n = conf.getConfs().size();
        for (int i = 0; i < n; i++) {
            Layer layer = conf.getConf(i).getLayer();
            String name = layer.getLayerName() == null ? "layer" + i : layer.getLayerName();
            nodes.add(new Node(chainKey(i), name, layerRole(layer), List.of(i == 0 ? CHAIN_INPUT : chainKey(i - 1)),
                    null, conf.getInputPreProcess(i), layer, conf.getConf(i), null, net.getLayer(i)));
        }
        return new NetworkView(false, nodes, List.of(chainKey(n - 1)));
    }

    static NetworkView of(ComputationGraph net) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        List<Node> nodes = new ArrayList<>();
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = net.getVertices();
        for (int index : net.topologicalSortOrder()) {
            String name = vertices[index].getVertexName();
            if (conf.getNetworkInputs().contains(name)) {
                nodes.add(new Node(name, name, Role.INPUT, List.of(), null, null, null, null, null, null));
            } else {
                nodes.add(graphNode(net, name, conf.getVertices().get(name), conf.getVertexInputs().get(name)));
            }
        }
        return new NetworkView(true, nodes, new ArrayList<>(conf.getNetworkOutputs()));
    }

    private static Node graphNode(ComputationGraph net, String name, GraphVertex vertex, List<String> inputs) {
        if (vertex instanceof LayerVertex) {
            LayerVertex layerVertex = (LayerVertex) vertex;
            Layer layer = layerVertex.getLayerConf().getLayer();
            return new Node(name, name, layerRole(layer), inputs, null, layerVertex.getPreProcessor(), layer,
                    layerVertex.getLayerConf(), vertex, net.getLayer(name));
        }
        if (vertex instanceof GatedResidual) {
            // Inputs (x, f(x), depth mask): the block stays if its stage's hard mask keeps it.
            String stage = inputs.get(2);
            Role role = keptBlock(net, name, stage, ((GatedResidual) vertex).getBlock())
                    ? Role.KEPT_BLOCK : Role.REMOVED_BLOCK;
            return new Node(name, name, role, inputs.subList(0, 2), stage, null, null, null, vertex, null);
        }
        if (vertex instanceof WidthMaskVertex) {
            return new Node(name, name, Role.WIDTH_MASKED, inputs.subList(0, 1), inputs.get(1), null, null, null,
                    vertex, null);
        }
        InputPreProcessor pre = vertex instanceof PreprocessorVertex ? ((PreprocessorVertex) vertex).getPreProcessor()
                : null;
        return new Node(name, name, vertexRole(vertex), inputs, null, pre, null, null, vertex, null);
    }

    private static boolean keptBlock(ComputationGraph net, String vertex, String stage, int block) {
        org.deeplearning4j.nn.api.Layer layer = net.getLayer(stage);
        if (!(layer instanceof TopkOperator) || !((TopkOperator) layer).isDepthOperator()) {
            throw new SlimExportException("GatedResidual '" + vertex + "' reads '" + stage
                    + "' as its depth mask, which is not a DepthMask layer");
        }
        return ((TopkOperator) layer).mask().kept()[block];
    }

    /** The role of a layer configuration. */
    static Role layerRole(Layer layer) {
        if (layer instanceof MaskLayer) {
            return Role.MASK;
        }
        if (layer instanceof TopkConv || layer instanceof TopkDense) {
            return Role.WEIGHTED;
        }
        Class<?> type = layer.getClass();
        if (type == ConvolutionLayer.class || type == Convolution2D.class || type == DenseLayer.class
                || type == OutputLayer.class) {
            return Role.WEIGHTED;
        }
        if (layer instanceof BatchNormalization) {
            return Role.PER_CHANNEL_AFFINE;
        }
        if (type == DepthwiseConvolution2D.class && ((DepthwiseConvolution2D) layer).getDepthMultiplier() == 1) {
            // One filter per channel: output channel c reads only input channel c (plus its bias).
            return ((DepthwiseConvolution2D) layer).hasBias() ? Role.PER_CHANNEL_AFFINE : Role.PER_CHANNEL;
        }
        if (layer instanceof ActivationLayer) {
            IActivation activation = ((ActivationLayer) layer).getActivationFn();
            if (activation instanceof ActivationSoftmax) {
                return Role.OTHER;
            }
            return mapsZeroToZero(activation) ? Role.PER_CHANNEL : Role.PER_CHANNEL_AFFINE;
        }
        if (layer instanceof DropoutLayer || layer instanceof SubsamplingLayer || layer instanceof Upsampling2D
                || layer instanceof ZeroPaddingLayer || layer instanceof Cropping2D
                || layer instanceof GlobalPoolingLayer) {
            return Role.PER_CHANNEL;
        }
        return Role.OTHER;
    }

    private static Role vertexRole(GraphVertex vertex) {
        if (vertex instanceof MergeVertex) {
            return Role.MERGE;
        }
        if (vertex instanceof ElementWiseVertex) {
            return Role.ELEMENT_WISE;
        }
        if (vertex instanceof ScaleVertex || vertex instanceof PreprocessorVertex) {
            return Role.PER_CHANNEL;
        }
        if (vertex instanceof ShiftVertex) {
            return Role.PER_CHANNEL_AFFINE;
        }
        return Role.OTHER;
    }

    /** Whether an element-wise activation keeps a zero input at zero (ReLU, tanh, ...; not sigmoid). */
    static boolean mapsZeroToZero(IActivation activation) {
        return activation.getActivation(Nd4j.zeros(DataType.DOUBLE, 1, 4), false).amaxNumber().doubleValue() == 0.0;
    }
}
