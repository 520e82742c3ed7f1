package io.dl4jdms.resource;

import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.MaskLayer;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.WidthMaskVertex;
import org.deeplearning4j.nn.api.Model;
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
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The FLOPs and parameter count of a network built from dl4j-dms layers and stock DL4J layers, as
 * functions of its top-k operators. It follows the channels through the network: each layer's input
 * channel count is set by the operator (or operators, after a concat) that produced them, each
 * block's cost is multiplied by its depth gate, and shared width groups count once per stream.
 *
 * <p>Forward, counts are hard (the kept sizes, 0/1 gates); the derivative with respect to each
 * {@code a} flows through the soft counts {@code sum(m)} (straight-through), as in DMS. Costs per
 * layer (FLOPs are multiply-accumulates of one example):
 * <ul>
 *   <li>convolution {@code k1 k2 c_in c_out H_out W_out} (+ {@code c_out H W} for a bias and for a
 *       built-in normalisation); parameters {@code k1 k2 c_in c_out} (+ {@code c_out}, + {@code 2 c_out});</li>
 *   <li>depthwise convolution {@code k1 k2 c m H W}; separable convolution adds {@code c m c_out H W};</li>
 *   <li>dense and output layers {@code c_in c_out} (+ {@code c_out} bias);</li>
 *   <li>batch normalisation {@code c H W} FLOPs and {@code 2c} parameters;</li>
 *   <li>activations, pooling, dropout, masks and vertices cost nothing.</li>
 * </ul>
 */
public final class ResourceModel {

    /** One product of factors, e.g. {@code 9 * c_in * c_out * H W * gate}. */
    private static final class Term {
        final String layer;
        final double coefficient;
        final List<Factor> factors;

        Term(String layer, double coefficient, List<Factor> factors) {
            this.layer = layer;
            this.coefficient = coefficient;
            this.factors = factors;
        }

        double value(MaskState state) {
            double v = coefficient;
            for (Factor f : factors) {
                v *= f.value(state);
            }
            return v;
        }

        double derivative(MaskState state, TopkOperator operator) {
            double total = 0;
            for (int i = 0; i < factors.size(); i++) {
                double d = factors.get(i).derivative(state, operator);
                if (d == 0) {
                    continue;
                }
                double rest = coefficient;
                for (int j = 0; j < factors.size(); j++) {
                    if (j != i) {
                        rest *= factors.get(j).value(state);
                    }
                }
                total += d * rest;
            }
            return total;
        }
    }

    private final List<TopkOperator> operators;
    private final Map<ResourceKind, List<Term>> terms;

    private ResourceModel(List<TopkOperator> operators, Map<ResourceKind, List<Term>> terms) {
        this.operators = operators;
        this.terms = terms;
    }

    /** The model of a graph whose inputs have the given types (one per network input). */
    public static ResourceModel of(ComputationGraph graph, InputType... inputTypes) {
        return new GraphAnalysis(graph, inputTypes).build();
    }

    /** The model of a layer stack whose input has the given type. */
    public static ResourceModel of(MultiLayerNetwork network, InputType inputType) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        Builder builder = new Builder(network);
        InputType type = inputType;
        List<Segment> channels = fixedChannels(type);
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                channels = preprocess(pre, type, channels);
                type = pre.getOutputType(type);
            }
            InputType out = layer.getOutputType(i, type);
            channels = builder.layer(name(layer, "layer" + i), layer, network.getLayer(i), type, out, channels, List.of(),
                    null);
            type = out;
        }
        return builder.build();
    }

    /** The figure under the current masks, with its gradient. */
    public ResourceValue evaluate(ResourceKind kind) {
        MaskState state = MaskState.current(operators);
        double value = sum(kind, state);
        Map<String, Double> gradient = new LinkedHashMap<>();
        for (TopkOperator op : operators) {
            double d = 0;
            for (Term t : terms.get(kind)) {
                d += t.derivative(state, op);
            }
            gradient.put(op.operatorName(), d);
        }
        return new ResourceValue(kind, value, full(kind), gradient);
    }

    /** The figure of the full supernet (every element kept). */
    public double full(ResourceKind kind) {
        return sum(kind, MaskState.FULL);
    }

    /** The figure of the smallest buildable network: one element per width operator, one block per stage. */
    public double smallest(ResourceKind kind) {
        return sum(kind, MaskState.SMALLEST);
    }

    /** The operators the model depends on, in network order. */
    public List<TopkOperator> operators() {
        return operators;
    }

    /** Per layer: the figure under the current hard masks (for reports and tests). */
    public Map<String, Double> perLayer(ResourceKind kind) {
        MaskState state = MaskState.current(operators);
        Map<String, Double> out = new LinkedHashMap<>();
        for (Term t : terms.get(kind)) {
            out.merge(t.layer, t.value(state), Double::sum);
        }
        return out;
    }

    /** The figure at the counts of a given state (for tests of the straight-through gradient). */
    double valueAt(ResourceKind kind, MaskState state) {
        return sum(kind, state);
    }

    private double sum(ResourceKind kind, MaskState state) {
        double total = 0;
        for (Term t : terms.get(kind)) {
            total += t.value(state);
        }
        return total;
    }

    private static String name(Layer layer, String fallback) {
        return layer.getLayerName() == null ? fallback : layer.getLayerName();
    }

    private static List<Segment> fixedChannels(InputType type) {
        return List.of(new Segment(null, channelsOf(type), 1));
    }

    private static long channelsOf(InputType type) {
        switch (type.getType()) {
            case CNN:
                return ((InputType.InputTypeConvolutional) type).getChannels();
            case CNNFlat:
                return ((InputType.InputTypeConvolutionalFlat) type).getDepth();
            case FF:
                return ((InputType.InputTypeFeedForward) type).getSize();
            default:
                throw new IllegalArgumentException("resource model: unsupported activation type " + type);
        }
    }

    private static long spatial(InputType type) {
        if (type.getType() == InputType.Type.CNN) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) type;
            return c.getHeight() * c.getWidth();
        }
        if (type.getType() == InputType.Type.CNNFlat) {
            InputType.InputTypeConvolutionalFlat c = (InputType.InputTypeConvolutionalFlat) type;
            return c.getHeight() * c.getWidth();
        }
        return 1;
    }

    private static List<Segment> preprocess(InputPreProcessor pre, InputType in, List<Segment> channels) {
        if (pre instanceof CnnToFeedForwardPreProcessor) {
            long positions = spatial(in);
            List<Segment> out = new ArrayList<>();
            for (Segment s : channels) {
                out.add(s.times(positions));
            }
            return out;
        }
        return channels;
    }

    /** Collects terms while the analysis walks the network. */
    private static final class Builder {
        private final Model network;
        private final List<TopkOperator> operators;
        private final Map<ResourceKind, List<Term>> terms = new HashMap<>();

        Builder(Model network) {
            this.network = network;
            this.operators = OperatorState.operators(network);
            for (ResourceKind k : ResourceKind.values()) {
                terms.put(k, new ArrayList<>());
            }
        }

        ResourceModel build() {
            return new ResourceModel(operators, terms);
        }

        private void add(ResourceKind kind, String layer, double coefficient, List<Factor> gates, Factor... factors) {
            List<Factor> all = new ArrayList<>(Arrays.asList(factors));
            all.addAll(gates);
            terms.get(kind).add(new Term(layer, coefficient, all));
        }

        /** Adds a layer's costs; returns the channels of its output. */
        List<Segment> layer(String name, Layer conf, org.deeplearning4j.nn.api.Layer instance, InputType in,
                            InputType out, List<Segment> inChannels, List<Factor> gates, TopkOperator owner) {
            Factor cin = Factor.channels(inChannels);
            if (conf instanceof MaskLayer) {
                return List.of();
            }
            if (conf instanceof DepthwiseConvolution2D) {
                DepthwiseConvolution2D d = (DepthwiseConvolution2D) conf;
                long k = (long) d.getKernelSize()[0] * d.getKernelSize()[1];
                long hw = spatial(out);
                add(ResourceKind.FLOPS, name, k * d.getDepthMultiplier() * hw, gates, cin);
                add(ResourceKind.PARAMS, name, k * d.getDepthMultiplier(), gates, cin);
                if (d.hasBias()) {
                    add(ResourceKind.FLOPS, name, d.getDepthMultiplier() * hw, gates, cin);
                    add(ResourceKind.PARAMS, name, d.getDepthMultiplier(), gates, cin);
                }
                List<Segment> result = new ArrayList<>();
                for (Segment s : inChannels) {
                    result.add(s.times(d.getDepthMultiplier()));
                }
                return result;
            }
            if (conf instanceof ConvolutionLayer) {
                ConvolutionLayer c = (ConvolutionLayer) conf;
                long k = (long) c.getKernelSize()[0] * c.getKernelSize()[1];
                long hw = spatial(out);
                List<Segment> result = outputChannels(instance, c.getNOut(), owner);
                Factor cout = Factor.channels(result);
                if (conf instanceof SeparableConvolution2D) {
                    SeparableConvolution2D s = (SeparableConvolution2D) conf;
                    add(ResourceKind.FLOPS, name, k * s.getDepthMultiplier() * hw, gates, cin);
                    add(ResourceKind.PARAMS, name, k * s.getDepthMultiplier(), gates, cin);
                    add(ResourceKind.FLOPS, name, s.getDepthMultiplier() * hw, gates, cin, cout);
                    add(ResourceKind.PARAMS, name, s.getDepthMultiplier(), gates, cin, cout);
                } else {
                    add(ResourceKind.FLOPS, name, k * hw, gates, cin, cout);
                    add(ResourceKind.PARAMS, name, k, gates, cin, cout);
                }
                int perChannel = (c.hasBias() ? 1 : 0) + (isNormalized(conf) ? 1 : 0);
                if (perChannel > 0) {
                    add(ResourceKind.FLOPS, name, perChannel * hw, gates, cout);
                    add(ResourceKind.PARAMS, name, (c.hasBias() ? 1 : 0) + (isNormalized(conf) ? 2 : 0), gates, cout);
                }
                return result;
            }
            if (conf instanceof DenseLayer || conf instanceof BaseOutputLayer || conf instanceof TopkDense) {
                long nOut = ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) conf).getNOut();
                List<Segment> result = outputChannels(instance, nOut, owner);
                Factor cout = Factor.channels(result);
                boolean bias = conf instanceof TopkDense || (conf instanceof DenseLayer && ((DenseLayer) conf).hasBias())
                        || (conf instanceof BaseOutputLayer && ((BaseOutputLayer) conf).hasBias());
                add(ResourceKind.FLOPS, name, 1, gates, cin, cout);
                add(ResourceKind.PARAMS, name, 1, gates, cin, cout);
                int perFeature = (bias ? 1 : 0) + (isNormalized(conf) ? 1 : 0);
                if (perFeature > 0) {
                    add(ResourceKind.FLOPS, name, perFeature, gates, cout);
                    add(ResourceKind.PARAMS, name, (bias ? 1 : 0) + (isNormalized(conf) ? 2 : 0), gates, cout);
                }
                return result;
            }
            if (conf instanceof BatchNormalization) {
                add(ResourceKind.FLOPS, name, spatial(out), gates, cin);
                add(ResourceKind.PARAMS, name, 2, gates, cin);
                return inChannels;
            }
            if (conf instanceof ActivationLayer || conf instanceof DropoutLayer || conf instanceof SubsamplingLayer
                    || conf instanceof GlobalPoolingLayer) {
                return inChannels;
            }
            throw new IllegalArgumentException("resource model: layer '" + name + "' of type "
                    + conf.getClass().getSimpleName() + " is not supported");
        }

        private static boolean isNormalized(Layer conf) {
            return conf instanceof io.dl4jdms.layers.SearchableLayer
                    && !(conf instanceof MaskLayer)
                    && ((io.dl4jdms.layers.SearchableLayer) conf).getTopkOptions().isBatchNorm();
        }

        /**
         * A layer's output channels: its own operator, else the shared width group its output is
         * masked by further on, else fixed.
         */
        private static List<Segment> outputChannels(org.deeplearning4j.nn.api.Layer instance, long nOut,
                                                    TopkOperator owner) {
            if (owner != null && !(instance instanceof TopkOperator)) {
                return List.of(new Segment(owner, nOut, 1));
            }
            if (instance instanceof TopkOperator) {
                return List.of(new Segment((TopkOperator) instance, nOut, 1));
            }
            return List.of(new Segment(null, nOut, 1));
        }
    }

    /** Walks a graph in topological order, tracking channel segments and depth gates. */
    private static final class GraphAnalysis {
        private final ComputationGraph graph;
        private final ComputationGraphConfiguration conf;
        private final InputType[] inputTypes;

        GraphAnalysis(ComputationGraph graph, InputType[] inputTypes) {
            this.graph = graph;
            this.conf = graph.getConfiguration();
            this.inputTypes = inputTypes;
            if (inputTypes.length != conf.getNetworkInputs().size()) {
                throw new IllegalArgumentException("resource model: the graph has " + conf.getNetworkInputs().size()
                        + " inputs, got " + inputTypes.length + " input types");
            }
        }

        ResourceModel build() {
            Builder builder = new Builder(graph);
            Map<String, InputType> types = new HashMap<>(conf.getLayerActivationTypes(inputTypes));
            Map<String, List<Segment>> channels = new HashMap<>();
            for (int i = 0; i < inputTypes.length; i++) {
                types.put(conf.getNetworkInputs().get(i), inputTypes[i]);
                channels.put(conf.getNetworkInputs().get(i), fixedChannels(inputTypes[i]));
            }
            Map<String, List<Factor>> gates = depthGates();
            Map<String, TopkOperator> owners = sharedWidthOwners();
            for (int index : graph.topologicalSortOrder()) {
                String name = graph.getVertices()[index].getVertexName();
                if (channels.containsKey(name)) {
                    continue;
                }
                GraphVertex vertex = conf.getVertices().get(name);
                List<String> inputs = conf.getVertexInputs().get(name);
                List<Segment> first = channels.get(inputs.get(0));
                List<Factor> vertexGates = gates.getOrDefault(name, List.of());
                if (vertex instanceof LayerVertex) {
                    LayerVertex lv = (LayerVertex) vertex;
                    InputType in = types.get(inputs.get(0));
                    List<Segment> inChannels = first;
                    if (lv.getPreProcessor() != null) {
                        inChannels = preprocess(lv.getPreProcessor(), in, inChannels);
                        in = lv.getPreProcessor().getOutputType(in);
                    }
                    channels.put(name, builder.layer(name, lv.getLayerConf().getLayer(), graph.getLayer(name), in,
                            types.get(name), inChannels, vertexGates, owners.get(name)));
                } else if (vertex instanceof WidthMaskVertex) {
                    TopkOperator group = (TopkOperator) graph.getLayer(inputs.get(1));
                    channels.put(name, List.of(new Segment(group, group.operatorSize(), 1)));
                } else if (vertex instanceof MergeVertex) {
                    List<Segment> merged = new ArrayList<>();
                    for (String input : inputs) {
                        merged.addAll(channels.get(input));
                    }
                    channels.put(name, merged);
                } else if (vertex instanceof PreprocessorVertex) {
                    channels.put(name, preprocess(((PreprocessorVertex) vertex).getPreProcessor(),
                            types.get(inputs.get(0)), first));
                } else if (vertex instanceof GatedResidual || vertex instanceof ElementWiseVertex
                        || vertex instanceof ScaleVertex || vertex instanceof ShiftVertex) {
                    channels.put(name, first);
                } else {
                    throw new IllegalArgumentException("resource model: vertex '" + name + "' of type "
                            + vertex.getClass().getSimpleName() + " is not supported");
                }
            }
            return builder.build();
        }

        /**
         * The layers whose output channels a shared width group decides: walking back from each
         * {@link WidthMaskVertex} through per-channel layers (normalisation, activation, dropout) to the
         * layer that makes the channels.
         */
        private Map<String, TopkOperator> sharedWidthOwners() {
            Map<String, TopkOperator> owners = new HashMap<>();
            conf.getVertices().forEach((name, vertex) -> {
                if (!(vertex instanceof WidthMaskVertex)) {
                    return;
                }
                List<String> in = conf.getVertexInputs().get(name);
                TopkOperator group = (TopkOperator) graph.getLayer(in.get(1));
                String current = in.get(0);
                while (current != null && conf.getVertices().get(current) instanceof LayerVertex) {
                    Layer layer = ((LayerVertex) conf.getVertices().get(current)).getLayerConf().getLayer();
                    owners.put(current, group);
                    boolean perChannel = layer instanceof BatchNormalization || layer instanceof ActivationLayer
                            || layer instanceof DropoutLayer;
                    current = perChannel ? conf.getVertexInputs().get(current).get(0) : null;
                }
            });
            return owners;
        }

        /** For every vertex inside the branch of a gated block: the gates that multiply its cost. */
        private Map<String, List<Factor>> depthGates() {
            Map<String, List<String>> inputs = conf.getVertexInputs();
            Map<String, List<String>> outputs = new HashMap<>();
            inputs.forEach((v, ins) -> ins.forEach(in -> outputs.computeIfAbsent(in, k -> new ArrayList<>()).add(v)));
            Map<String, List<Factor>> gates = new HashMap<>();
            conf.getVertices().forEach((name, vertex) -> {
                if (!(vertex instanceof GatedResidual)) {
                    return;
                }
                List<String> in = inputs.get(name);
                TopkOperator depth = (TopkOperator) graph.getLayer(in.get(2));
                Set<String> downstreamOfX = reach(in.get(0), outputs);
                Set<String> upstreamOfBranch = reach(in.get(1), inputs);
                upstreamOfBranch.add(in.get(1));
                for (String v : upstreamOfBranch) {
                    if (downstreamOfX.contains(v) && !(graph.getLayer(v) instanceof TopkOperator
                            && conf.getVertices().get(v) instanceof LayerVertex
                            && ((LayerVertex) conf.getVertices().get(v)).getLayerConf().getLayer() instanceof MaskLayer)) {
                        gates.computeIfAbsent(v, k -> new ArrayList<>())
                                .add(Factor.gate(depth, ((GatedResidual) vertex).getBlock()));
                    }
                }
            });
            return gates;
        }

        private static Set<String> reach(String start, Map<String, List<String>> edges) {
            Set<String> seen = new HashSet<>();
            Deque<String> todo = new ArrayDeque<>(edges.getOrDefault(start, List.of()));
            while (!todo.isEmpty()) {
                String v = todo.pop();
                if (seen.add(v)) {
                    todo.addAll(edges.getOrDefault(v, List.of()));
                }
            }
            return seen;
        }
    }
}
