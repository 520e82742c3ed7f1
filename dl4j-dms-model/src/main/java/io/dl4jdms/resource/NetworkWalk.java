package io.dl4jdms.resource;

import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The analysis behind {@link ResourceModel}: walks a network in topological order, asks each layer's or
 * vertex's {@link VertexRule} for its output channels and costs, and after the walk multiplies the costs
 * inside every gated residual branch by the block's depth gate.
 */
final class NetworkWalk implements VertexContext.Recorder {

    /** A gated block: the vertices between {@code x} and the end of {@code branch}. */
    private static final class Gate {
        final TopkOperator depth;
        final int block;
        final String x;
        final String branch;

        Gate(TopkOperator depth, int block, String x, String branch) {
            this.depth = depth;
            this.block = block;
            this.x = x;
            this.branch = branch;
        }
    }

    private final LayerRegistry registry;
    final Map<ResourceKind, List<CostTerm>> terms = new EnumMap<>(ResourceKind.class);
    final List<TimedLayer> timed = new ArrayList<>();
    private final List<Gate> gates = new ArrayList<>();
    private boolean configurationOnly;

    NetworkWalk(LayerRegistry registry) {
        this.registry = registry;
        terms.put(ResourceKind.FLOPS, new ArrayList<>());
        terms.put(ResourceKind.PARAMS, new ArrayList<>());
    }

    @Override
    public void cost(String vertex, ResourceKind kind, double coefficient, Channels[] factors) {
        terms.get(kind).add(new CostTerm.Product(vertex, coefficient, factors));
    }

    @Override
    public void timed(TimedLayer layer) {
        timed.add(layer);
    }

    @Override
    public void gateBranch(String vertex, TopkOperator depth, int block, String x, String branch) {
        gates.add(new Gate(depth, block, x, branch));
    }

    /** Walks a layer stack. */
    void walk(MultiLayerNetwork network, InputType inputType) {
        walk(network.getLayerWiseConfigurations(), network::getLayer, inputType);
    }


    /** Walks a layer stack's configuration; {@code layers} gives the instances (null: the configuration alone). */
    void walk(MultiLayerConfiguration conf, IntFunction<org.deeplearning4j.nn.api.Layer> instances, InputType inputType) {
        configurationOnly = instances == null;
        IntFunction<org.deeplearning4j.nn.api.Layer> layers = instances == null ? i -> null : instances;
        InputType type = inputType;
        Channels channels = Channels.of(StandardRules.channelsOf(null, type));
        String previous = "input";
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            String name = layer.getLayerName() == null ? "layer" + i : layer.getLayerName();
            InputPreProcessor pre = conf.getInputPreProcess(i);
            VertexContext site;
            if (pre != null) {
                site = site(name, layer, null, layers.apply(i), List.of(previous), List.of(channels), List.of(type),
                        pre.getOutputType(type), n -> null);
                channels = StandardRules.preprocess(site, pre, type, channels);
                type = pre.getOutputType(type);
            }
            InputType out = layer.getOutputType(i, type);
            site = site(name, layer, null, layers.apply(i), List.of(previous), List.of(channels), List.of(type), out,
                    n -> null);
            channels = rule(layer, site).count(site);
            type = out;
            previous = name;
        }
    }

    /** Walks a graph whose inputs have the given types. */
    void walk(ComputationGraph graph, InputType[] inputTypes) {
        List<String> order = new ArrayList<>();
        for (int index : graph.topologicalSortOrder()) {
            order.add(graph.getVertices()[index].getVertexName());
        }
        walk(graph.getConfiguration(), order, graph::getLayer, inputTypes);
    }

    /**
     * Walks a graph's configuration in the given topological order; {@code layers} gives the instances by
     * name (null for the configuration alone).
     */
    void walk(ComputationGraphConfiguration conf, List<String> order,
              Function<String, org.deeplearning4j.nn.api.Layer> instances, InputType[] inputTypes) {
        configurationOnly = instances == null;
        Function<String, org.deeplearning4j.nn.api.Layer> layers = instances == null ? n -> null : instances;
        if (inputTypes.length != conf.getNetworkInputs().size()) {
            throw new IllegalArgumentException("resource model: the graph has " + conf.getNetworkInputs().size()
                    + " inputs, got " + inputTypes.length + " input types");
        }
        Map<String, InputType> types = new HashMap<>(conf.getLayerActivationTypes(inputTypes));
        Map<String, Channels> channels = new HashMap<>();
        for (int i = 0; i < inputTypes.length; i++) {
            String input = conf.getNetworkInputs().get(i);
            types.put(input, inputTypes[i]);
            channels.put(input, Channels.of(StandardRules.channelsOf(null, inputTypes[i])));
        }
        for (String name : order) {
            if (channels.containsKey(name)) {
                continue;
            }
            GraphVertex vertex = conf.getVertices().get(name);
            List<String> inputNames = conf.getVertexInputs().get(name);
            List<Channels> inputs = new ArrayList<>();
            List<InputType> inputTypeList = new ArrayList<>();
            for (String in : inputNames) {
                inputs.add(channels.get(in));
                inputTypeList.add(types.get(in));
            }
            Layer layer = null;
            org.deeplearning4j.nn.api.Layer instance = null;
            if (vertex instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) vertex;
                layer = lv.getLayerConf().getLayer();
                instance = layers.apply(name);
                InputPreProcessor pre = lv.getPreProcessor();
                if (pre != null) {
                    VertexContext before = site(name, layer, vertex, instance, inputNames, inputs, inputTypeList,
                            types.get(name), layers);
                    inputs.set(0, StandardRules.preprocess(before, pre, inputTypeList.get(0), inputs.get(0)));
                    inputTypeList.set(0, pre.getOutputType(inputTypeList.get(0)));
                }
            }
            VertexContext site = site(name, layer, vertex, instance, inputNames, inputs, inputTypeList, types.get(name),
                    layers);
            Channels out = rule(layer != null ? layer : vertex, site).count(site);
            if (out == null) {
                throw site.error("its VertexRule returned null channels (use Channels.none())");
            }
            channels.put(name, out);
        }
        applyGates(conf);
    }

    /** The vertices of a graph configuration, inputs first, each after all of its inputs (in insertion order otherwise). */
    static List<String> topologicalOrder(ComputationGraphConfiguration conf) {
        List<String> order = new ArrayList<>(conf.getNetworkInputs());
        Set<String> done = new HashSet<>(order);
        List<String> todo = new ArrayList<>(conf.getVertices().keySet());
        while (!todo.isEmpty()) {
            int before = todo.size();
            for (java.util.Iterator<String> it = todo.iterator(); it.hasNext(); ) {
                String v = it.next();
                if (done.containsAll(conf.getVertexInputs().getOrDefault(v, List.of()))) {
                    order.add(v);
                    done.add(v);
                    it.remove();
                }
            }
            if (todo.size() == before) {
                throw new IllegalArgumentException("resource model: the graph has a cycle or a missing input among " + todo);
            }
        }
        return order;
    }

    private VertexContext site(String name, Layer layer, GraphVertex vertex, org.deeplearning4j.nn.api.Layer instance,
                            List<String> inputNames, List<Channels> inputs, List<InputType> inputTypes,
                            InputType outputType, Function<String, org.deeplearning4j.nn.api.Layer> layers) {
        return new VertexContext(name, layer, vertex, instance, inputNames, new ArrayList<>(inputs),
                new ArrayList<>(inputTypes), outputType, layers, this, configurationOnly);
    }

    /** The cost rule of a configuration, from the registry. */
    private VertexRule rule(Object configuration, VertexContext site) {
        VertexRule rule;
        try {
            rule = registry.rule(configuration, site.name()).cost();
        } catch (IllegalArgumentException e) {
            throw site.error("has no rule: " + e.getMessage());
        }
        if (rule == null) {
            throw site.error("is not supported; register a VertexRule for "
                    + configuration.getClass().getName() + " with ResourceModel.builder(...).rule(...)");
        }
        return rule;
    }

    /** Multiplies the costs of every vertex inside a gated branch by its block's gate. */
    private void applyGates(ComputationGraphConfiguration conf) {
        if (gates.isEmpty()) {
            return;
        }
        Map<String, List<String>> inputs = conf.getVertexInputs();
        Map<String, List<String>> outputs = new HashMap<>();
        inputs.forEach((v, ins) -> ins.forEach(in -> outputs.computeIfAbsent(in, k -> new ArrayList<>()).add(v)));
        Map<String, List<Factor>> byVertex = new HashMap<>();
        for (Gate gate : gates) {
            Set<String> downstreamOfX = reach(gate.x, outputs);
            Set<String> branch = reach(gate.branch, inputs);
            branch.add(gate.branch);
            branch.retainAll(downstreamOfX);
            for (String v : branch) {
                byVertex.computeIfAbsent(v, k -> new ArrayList<>()).add(Factor.gate(gate.depth, gate.block));
            }
        }
        for (List<CostTerm> list : terms.values()) {
            for (CostTerm t : list) {
                byVertex.getOrDefault(t.vertex, List.of()).forEach(t::addGate);
            }
        }
        for (TimedLayer t : timed) {
            byVertex.getOrDefault(t.name(), List.of()).forEach(t::addGate);
        }
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
