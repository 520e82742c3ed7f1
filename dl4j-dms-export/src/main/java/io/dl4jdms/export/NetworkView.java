package io.dl4jdms.export;

import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.resource.ChannelRole;
import io.dl4jdms.resource.LayerRegistry;
import io.dl4jdms.resource.LayerRule;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link MultiLayerNetwork} (as a chain) or a {@link ComputationGraph} as one list of {@link ExportNode}s in
 * topological order, each with its {@link ChannelRole} from the {@link LayerRegistry} (the one place that
 * says what a layer or vertex class does to channels).
 */
final class NetworkView {

    final boolean graph;
    /** Every node, network inputs first, in topological order. */
    final List<ExportNode> nodes;
    final Map<String, ExportNode> byKey;
    /** The keys of the network outputs, in order. */
    final List<String> outputs;

    private NetworkView(boolean graph, List<ExportNode> nodes, List<String> outputs) {
        this.graph = graph;
        this.nodes = Collections.unmodifiableList(nodes);
        Map<String, ExportNode> map = new LinkedHashMap<>();
        for (ExportNode node : nodes) {
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

    static NetworkView of(MultiLayerNetwork net, LayerRegistry registry) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        List<ExportNode> nodes = new ArrayList<>();
        nodes.add(input(CHAIN_INPUT, "input"));
        int n = conf.getConfs().size();
        for (int i = 0; i < n; i++) {
            Layer layer = conf.getConf(i).getLayer();
            String name = layer.getLayerName() == null ? "layer" + i : layer.getLayerName();
            LayerRule rule = rule(registry, layer, name);
            nodes.add(new ExportNode(chainKey(i), name, rule, rule.role(layer), false,
                    List.of(i == 0 ? CHAIN_INPUT : chainKey(i - 1)), null, conf.getInputPreProcess(i), layer,
                    conf.getConf(i), null, net.getLayer(i)));
        }
        return new NetworkView(false, nodes, List.of(chainKey(n - 1)));
    }

    static NetworkView of(ComputationGraph net, LayerRegistry registry) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        List<ExportNode> nodes = new ArrayList<>();
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = net.getVertices();
        for (int index : net.topologicalSortOrder()) {
            String name = vertices[index].getVertexName();
            if (conf.getNetworkInputs().contains(name)) {
                nodes.add(input(name, name));
            } else {
                nodes.add(graphNode(net, registry, name, conf.getVertices().get(name), conf.getVertexInputs().get(name)));
            }
        }
        return new NetworkView(true, nodes, new ArrayList<>(conf.getNetworkOutputs()));
    }

    private static ExportNode input(String key, String name) {
        return new ExportNode(key, name, null, ChannelRole.INPUT, false, List.of(), null, null, null, null, null, null);
    }

    private static ExportNode graphNode(ComputationGraph net, LayerRegistry registry, String name, GraphVertex vertex,
                                  List<String> inputs) {
        if (vertex instanceof LayerVertex) {
            LayerVertex layerVertex = (LayerVertex) vertex;
            Layer layer = layerVertex.getLayerConf().getLayer();
            LayerRule rule = rule(registry, layer, name);
            return new ExportNode(name, name, rule, rule.role(layer), false, inputs, null, layerVertex.getPreProcessor(),
                    layer, layerVertex.getLayerConf(), vertex, net.getLayer(name));
        }
        LayerRule rule = rule(registry, vertex, name);
        ChannelRole role = rule.role(vertex);
        switch (role) {
            case GATED_RESIDUAL: {
                // Inputs (x, f(x), depth mask): the block stays if its stage's hard mask keeps it.
                String stage = inputs.get(2);
                boolean removed = !keptBlock(net, name, stage, ((GatedResidual) vertex).getBlock());
                return new ExportNode(name, name, rule, role, removed, inputs.subList(0, 2), stage, null, null, null, vertex,
                        null);
            }
            case WIDTH_MASKED:
                return new ExportNode(name, name, rule, role, false, inputs.subList(0, 1), inputs.get(1), null, null, null,
                        vertex, null);
            default:
                InputPreProcessor pre = vertex instanceof PreprocessorVertex
                        ? ((PreprocessorVertex) vertex).getPreProcessor() : null;
                return new ExportNode(name, name, rule, role, false, inputs, null, pre, null, null, vertex, null);
        }
    }

    private static LayerRule rule(LayerRegistry registry, Object configuration, String name) {
        try {
            return registry.rule(configuration, name);
        } catch (IllegalArgumentException e) {
            throw new SlimExportException(e.getMessage(), e);
        }
    }

    private static boolean keptBlock(ComputationGraph net, String vertex, String stage, int block) {
        org.deeplearning4j.nn.api.Layer layer = net.getLayer(stage);
        if (!(layer instanceof TopkOperator) || !((TopkOperator) layer).isDepthOperator()) {
            throw new SlimExportException("GatedResidual '" + vertex + "' reads '" + stage
                    + "' as its depth mask, which is not a DepthMask layer");
        }
        return ((TopkOperator) layer).mask().kept()[block];
    }
}
