package io.dl4jdms.resource;

import io.dl4jdms.latency.ChannelLatencyTable;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The FLOPs, parameter count and latency of a network built from dl4j-dms layers and stock DL4J
 * layers, as functions of its top-k operators (METHOD.md section 2).
 *
 * <p>An analysis of the network decides, once, for every layer and vertex which operator sets its
 * output channels and which its input channels (following the channels through concats, flattens and
 * shared width groups) and which depth gates multiply its cost (the blocks whose residual branch it lies
 * in). Each {@link VertexRule} states this for one kind of layer or vertex; custom layers and vertices
 * plug in through {@link Builder#rule}.
 *
 * <p>Forward, the figures use hard counts (each operator's kept size, 0/1 block gates): what the slim
 * network will have. The derivative with respect to each ratio {@code a} flows through the soft counts
 * {@code sum(m_i)} and the soft gates {@code m_block} (straight-through), as in DMS: it is the derivative
 * of the figure with every hard count replaced by {@code soft(a) + (hard(a0) - soft(a0))} at the current
 * {@code a0}.
 *
 * <p>Units: {@link ResourceKind#FLOPS} are multiply-accumulates of one example's forward pass (see
 * {@link StandardRules} for the per-layer formulas); {@link ResourceKind#PARAMS} trainable parameters;
 * {@link ResourceKind#LATENCY} milliseconds per forward pass of the batch size the {@link ChannelLatencyTable}
 * was measured with (only with a table, see {@link #withLatency}).
 *
 * <pre>{@code
 * ResourceModel model = ResourceModel.of(net, InputType.convolutional(28, 28, 1));
 * ResourceValue flops = model.evaluate(ResourceKind.FLOPS);   // value, full, fraction, d/da per operator
 * ChannelLatencyTable table = LatencyProfiler.builder().batchSize(32).build().profile(model);
 * ResourceModel timedModel = model.withLatency(table);
 * }</pre>
 */
public final class ResourceModel {

    private final List<TopkOperator> operators;
    private final Map<ResourceKind, List<CostTerm>> terms;
    private final List<TimedLayer> timed;
    private final ChannelLatencyTable latencyTable;

    private ResourceModel(List<TopkOperator> operators, Map<ResourceKind, List<CostTerm>> terms, List<TimedLayer> timed,
                          ChannelLatencyTable latencyTable) {
        this.operators = Collections.unmodifiableList(new ArrayList<>(operators));
        this.terms = terms;
        this.timed = Collections.unmodifiableList(new ArrayList<>(timed));
        this.latencyTable = latencyTable;
    }

    /** The model of a layer stack whose input has the given type (FLOPs and parameters). */
    public static ResourceModel of(MultiLayerNetwork network, InputType inputType) {
        return builder(network).inputTypes(inputType).build();
    }

    /** The model of a graph whose inputs have the given types, one per network input (FLOPs and parameters). */
    public static ResourceModel of(ComputationGraph graph, InputType... inputTypes) {
        return builder(graph).inputTypes(inputTypes).build();
    }

    /** Starts the model of a {@link MultiLayerNetwork} or {@link ComputationGraph}, with options. */
    public static Builder builder(Model network) {
        return new Builder(network);
    }

    /**
     * This model with latency: each timed layer's time interpolated in the table at its channel counts.
     *
     * @throws IllegalArgumentException naming the layer, if the table has no entry for a timed layer or
     *                                  its entry does not cover the layer's channel range (a table of
     *                                  another network)
     */
    public ResourceModel withLatency(ChannelLatencyTable table) {
        if (table == null) {
            throw new IllegalArgumentException("resource model: latency table must not be null");
        }
        table.requireMeasuredHere();
        List<CostTerm> latency = new ArrayList<>();
        for (TimedLayer layer : timed) {
            ChannelLatencyTable.Entry entry = table.entry(layer.name());
            entry.requireCovers(layer);
            CostTerm term = new CostTerm.Latency(layer, entry);
            layer.gates().forEach(term::addGate);
            latency.add(term);
        }
        Map<ResourceKind, List<CostTerm>> all = new EnumMap<>(terms);
        all.put(ResourceKind.LATENCY, Collections.unmodifiableList(latency));
        return new ResourceModel(operators, all, timed, table);
    }

    /** Whether {@link ResourceKind#LATENCY} can be evaluated (a table was given). */
    public boolean hasLatency() {
        return latencyTable != null;
    }

    /** The latency table, or null. */
    public ChannelLatencyTable latencyTable() {
        return latencyTable;
    }

    /** The layers whose forward time the latency figure counts (what {@link io.dl4jdms.latency.LatencyProfiler} measures). */
    public List<TimedLayer> timedLayers() {
        return timed;
    }

    /** The figure under the current masks, with its derivative with respect to every operator's {@code a}. */
    public ResourceValue evaluate(ResourceKind kind) {
        List<CostTerm> list = terms(kind);
        MaskState state = MaskState.current(operators);
        Map<String, Double> gradient = new LinkedHashMap<>();
        for (TopkOperator op : operators) {
            double d = 0;
            for (CostTerm t : list) {
                d += t.derivative(state, op);
            }
            gradient.put(op.operatorName(), d);
        }
        return new ResourceValue(kind, sum(list, state), sum(list, MaskState.soft(operators)), full(kind), gradient);
    }

    /** The figure of the full supernet (every element kept). */
    public double full(ResourceKind kind) {
        return sum(terms(kind), MaskState.FULL);
    }

    /**
     * The figure of the smallest buildable network: one element per width operator and the first block of
     * each stage (a depth operator always keeps one block).
     */
    public double smallest(ResourceKind kind) {
        return sum(terms(kind), MaskState.SMALLEST);
    }

    /** The operators the model depends on, in network order. */
    public List<TopkOperator> operators() {
        return operators;
    }

    /** Per layer or vertex: the figure under the current hard masks (for reports and tests). */
    public Map<String, Double> perLayer(ResourceKind kind) {
        MaskState state = MaskState.current(operators);
        Map<String, Double> out = new LinkedHashMap<>();
        for (CostTerm t : terms(kind)) {
            out.merge(t.vertex, t.value(state), Double::sum);
        }
        return out;
    }

    /** The figure at the counts of a given state (for tests of the straight-through gradient). */
    double valueAt(ResourceKind kind, MaskState state) {
        return sum(terms(kind), state);
    }

    private List<CostTerm> terms(ResourceKind kind) {
        if (kind == null) {
            throw new IllegalArgumentException("resource model: resource kind must not be null");
        }
        List<CostTerm> list = terms.get(kind);
        if (list == null) {
            throw new IllegalStateException("resource model: no latency table; measure one with LatencyProfiler"
                    + " (or load one with ChannelLatencyTable.read) and use model.withLatency(table)");
        }
        return list;
    }

    private static double sum(List<CostTerm> list, MaskState state) {
        double total = 0;
        for (CostTerm t : list) {
            total += t.value(state);
        }
        return total;
    }

    /** Options of a resource model: the input types, rules for custom layers and vertices, a latency table. */
    public static final class Builder {
        private final Model network;
        private InputType[] inputTypes;
        private LayerRegistry registry = LayerRegistry.standard();
        private ChannelLatencyTable latencyTable;

        private Builder(Model network) {
            if (!(network instanceof MultiLayerNetwork) && !(network instanceof ComputationGraph)) {
                throw new IllegalArgumentException("resource model: expected a MultiLayerNetwork or a ComputationGraph,"
                        + " got " + (network == null ? "null" : network.getClass().getName()));
            }
            this.network = network;
        }

        /** The types of the network's inputs (one for a layer stack, one per input for a graph). */
        public Builder inputTypes(InputType... inputTypes) {
            this.inputTypes = inputTypes.clone();
            return this;
        }

        /**
         * How layers or vertices whose configuration is {@code type} (or a subclass) enter the model; takes
         * precedence over the built-in rules.
         */
        public Builder rule(Class<?> type, VertexRule rule) {
            if (type == null || rule == null) {
                throw new IllegalArgumentException("resource model: rule and its class must not be null");
            }
            registry = registry.with(type, LayerRule.builder(ChannelRole.OTHER).cost(rule).build());
            return this;
        }

        /** The registry of layer rules (default {@link LayerRegistry#standard()}); rules added with {@link #rule} extend it. */
        public Builder registry(LayerRegistry registry) {
            if (registry == null) {
                throw new IllegalArgumentException("resource model: registry must not be null");
            }
            this.registry = registry;
            return this;
        }

        /** A latency table, so that {@link ResourceKind#LATENCY} can be evaluated. */
        public Builder latencyTable(ChannelLatencyTable table) {
            this.latencyTable = table;
            return this;
        }

        public ResourceModel build() {
            if (inputTypes == null || inputTypes.length == 0) {
                throw new IllegalArgumentException("resource model: set the network's input types");
            }
            NetworkWalk walk = new NetworkWalk(registry);
            if (network instanceof MultiLayerNetwork) {
                if (inputTypes.length != 1) {
                    throw new IllegalArgumentException("resource model: a MultiLayerNetwork has one input, got "
                            + inputTypes.length + " input types");
                }
                walk.walk((MultiLayerNetwork) network, inputTypes[0]);
            } else {
                walk.walk((ComputationGraph) network, inputTypes);
            }
            Map<ResourceKind, List<CostTerm>> terms = new EnumMap<>(ResourceKind.class);
            walk.terms.forEach((k, v) -> terms.put(k, Collections.unmodifiableList(v)));
            ResourceModel model = new ResourceModel(OperatorState.operators(network), terms, walk.timed, null);
            return latencyTable == null ? model : model.withLatency(latencyTable);
        }
    }
}
