package io.dl4jdms.convert;

import io.dl4jdms.resource.ChannelRole;
import io.dl4jdms.resource.LayerRegistry;
import io.dl4jdms.resource.LayerRule;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stock network as the converter sees it: vertices in topological order, each with its inputs,
 * consumers and its {@link LayerRule} from the registry. A {@code MultiLayerNetwork} is a chain whose
 * vertices are its layers (named by layer name, or {@code layer<i>}) after the input {@value #CHAIN_INPUT}.
 */
final class NetworkGraph {

    static final String CHAIN_INPUT = "input";

    /** One layer or vertex. */
    static final class Vertex {
        final String name;
        /** The layer's configuration, or null for a vertex that is not a layer. */
        final Layer layer;
        /** The vertex configuration (null in a chain, or for a network input). */
        final GraphVertex vertex;
        final List<String> inputs;
        final InputPreProcessor preProcessor;
        final LayerRule rule;
        final ChannelRole role;
        final List<String> consumers = new ArrayList<>();
        /** The layer index in a chain, -1 in a graph. */
        final int index;

        Vertex(String name, Layer layer, GraphVertex vertex, List<String> inputs, InputPreProcessor preProcessor,
               LayerRule rule, ChannelRole role, int index) {
            this.name = name;
            this.layer = layer;
            this.vertex = vertex;
            this.inputs = inputs;
            this.preProcessor = preProcessor;
            this.rule = rule;
            this.role = role;
            this.index = index;
        }

        /** "ConvolutionLayer 'res2a_branch2a'", for messages. */
        String describe() {
            if (role == ChannelRole.INPUT) {
                return "network input '" + name + "'";
            }
            Object conf = layer != null ? layer : vertex;
            return conf.getClass().getSimpleName() + " '" + name + "'";
        }
    }

    final boolean graph;
    final List<Vertex> order;
    final Map<String, Vertex> byName;
    final List<String> outputs;

    private NetworkGraph(boolean graph, List<Vertex> order, List<String> outputs) {
        this.graph = graph;
        this.order = Collections.unmodifiableList(order);
        Map<String, Vertex> map = new LinkedHashMap<>();
        order.forEach(v -> map.put(v.name, v));
        this.byName = Collections.unmodifiableMap(map);
        for (Vertex v : order) {
            v.inputs.forEach(in -> map.get(in).consumers.add(v.name));
        }
        this.outputs = outputs;
    }

    static NetworkGraph of(MultiLayerConfiguration conf, LayerRegistry registry) {
        List<Vertex> order = new ArrayList<>();
        order.add(new Vertex(CHAIN_INPUT, null, null, List.of(), null, null, ChannelRole.INPUT, -1));
        String previous = CHAIN_INPUT;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            String name = layer.getLayerName() == null ? "layer" + i : layer.getLayerName();
            LayerRule rule = rule(registry, layer, name);
            order.add(new Vertex(name, layer, null, List.of(previous), conf.getInputPreProcess(i), rule,
                    rule.role(layer), i));
            previous = name;
        }
        return new NetworkGraph(false, order, List.of(previous));
    }

    static NetworkGraph of(ComputationGraph net, LayerRegistry registry) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        List<Vertex> order = new ArrayList<>();
        for (int index : net.topologicalSortOrder()) {
            String name = net.getVertices()[index].getVertexName();
            if (conf.getNetworkInputs().contains(name)) {
                order.add(new Vertex(name, null, null, List.of(), null, null, ChannelRole.INPUT, -1));
                continue;
            }
            GraphVertex vertex = conf.getVertices().get(name);
            List<String> inputs = List.copyOf(conf.getVertexInputs().get(name));
            if (vertex instanceof LayerVertex) {
                Layer layer = ((LayerVertex) vertex).getLayerConf().getLayer();
                LayerRule rule = rule(registry, layer, name);
                order.add(new Vertex(name, layer, vertex, inputs, ((LayerVertex) vertex).getPreProcessor(), rule,
                        rule.role(layer), -1));
            } else {
                LayerRule rule = rule(registry, vertex, name);
                order.add(new Vertex(name, null, vertex, inputs, null, rule, rule.role(vertex), -1));
            }
        }
        return new NetworkGraph(true, order, List.copyOf(conf.getNetworkOutputs()));
    }

    private static LayerRule rule(LayerRegistry registry, Object configuration, String name) {
        try {
            return registry.rule(configuration, name);
        } catch (IllegalArgumentException e) {
            throw new ConversionException(e.getMessage(), e);
        }
    }

    Vertex get(String name) {
        return byName.get(name);
    }

    /** {@code vertex} and every vertex it reads from, directly or not. */
    java.util.Set<String> ancestors(String vertex) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(vertex));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v)) {
                todo.addAll(byName.get(v).inputs);
            }
        }
        return seen;
    }
}
