package io.dl4jdms.convert;

import io.dl4jdms.convert.ChannelDependencies.Block;
import io.dl4jdms.convert.ChannelDependencies.Group;
import io.dl4jdms.convert.DmsSupernet.Depth;
import io.dl4jdms.convert.DmsSupernet.Width;
import io.dl4jdms.convert.NetworkGraph.Vertex;
import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.WidthMask;
import io.dl4jdms.layers.WidthMaskVertex;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The conversion of a {@link ComputationGraph}: rewires its configuration, then copies the parameters. */
final class GraphConversion {

    private final DmsSupernet.Builder options;
    private final ComputationGraph network;
    private final NetworkGraph graph;
    private final ChannelDependencies dependencies;
    private final Map<String, List<String>> fusedStages = new HashMap<>();
    private final List<Width> widths = new ArrayList<>();
    private final List<Depth> depths = new ArrayList<>();
    private ComputationGraphConfiguration.GraphBuilder builder;

    GraphConversion(DmsSupernet.Builder options, ComputationGraph network, NetworkGraph graph,
                    ChannelDependencies dependencies) {
        this.options = options;
        this.network = network;
        this.graph = graph;
        this.dependencies = dependencies;
    }

    DmsSupernet run() {
        ComputationGraphConfiguration conf = network.getConfiguration().clone();
        builder = new ComputationGraphConfiguration.GraphBuilder(conf, Conversions.global(conf.getDataType(),
                conf.getCacheMode(), conf.getTrainingWorkspaceMode(), conf.getInferenceWorkspaceMode(),
                firstLayerConf(conf)));
        String anyInput = conf.getNetworkInputs().get(0);
        for (Group group : dependencies.groups) {
            if (group.fixed != null) {
                widths.add(new Width(null, group.producers, group.channels, group.fixed));
            } else if (group.producers.size() == 1 && fuse(group)) {
                widths.add(new Width(group.producers.get(0), group.producers, scaled(group.channels), null));
            } else {
                widths.add(new Width(mask(group, anyInput), group.producers, scaled(group.channels), null));
            }
        }
        for (List<Block> stage : dependencies.stages) {
            if (stage.size() >= 2) {
                depths.add(new Depth(gate(stage, anyInput), stage.stream().map(Block::add).toList()));
            }
        }
        if (options.widthMultiplier() != 1.0) {
            Map<String, Layer> layers = new java.util.LinkedHashMap<>();
            builder.getVertices().forEach((name, v) -> {
                if (v instanceof LayerVertex) {
                    layers.put(name, ((LayerVertex) v).getLayerConf().getLayer());
                }
            });
            Conversions.resize(layers, options.widthMultiplier(), widths);
            builder.getVertices().values().forEach(v -> {
                if (v instanceof LayerVertex && ((LayerVertex) v).getPreProcessor()
                        instanceof org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor) {
                    ((LayerVertex) v).setPreProcessor(null);
                }
            });
            builder.setInputTypes(options.inputTypes());
        }
        ComputationGraphConfiguration converted;
        try {
            converted = builder.build();
            SearchGraphBuilder.validate(converted);
        } catch (RuntimeException e) {
            throw new ConversionException("the converted graph does not build: " + e.getMessage(), e);
        }
        ComputationGraph supernet = new ComputationGraph(converted);
        supernet.init();
        if (options.copyWeights()) {
            copyParameters(supernet);
        }
        return new DmsSupernet(supernet, widths, depths);
    }

    private long scaled(long channels) {
        return Math.round(channels * options.widthMultiplier());
    }

    private static NeuralNetConfiguration firstLayerConf(ComputationGraphConfiguration conf) {
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex) {
                return ((LayerVertex) v).getLayerConf();
            }
        }
        throw new ConversionException("the graph has no layer");
    }

    /** Replaces a single writer's output stage by one searchable layer, if that is exact. */
    private boolean fuse(Group group) {
        String producer = group.producers.get(0);
        List<Vertex> stage = group.stages.get(producer).stream().map(graph::get).toList();
        Layer fused = DmsSupernet.fuse(stage, options.initialRatio());
        if (fused == null) {
            return false;
        }
        Vertex first = stage.get(0);
        String last = stage.get(stage.size() - 1).name;
        String[] inputs = builder.getVertexInputs().get(producer).toArray(new String[0]);
        for (Vertex v : stage.subList(1, stage.size())) {
            builder.removeVertex(v.name, false);
        }
        builder.removeVertex(producer, false);
        builder.addLayer(producer, fused, first.preProcessor, inputs);
        rename(last, producer);
        fusedStages.put(producer, group.stages.get(producer));
        return true;
    }

    /** A shared width operator and a mask vertex after every writer's output stage; returns the operator's name. */
    private String mask(Group group, String anyInput) {
        String operator = unique(group.producers.get(0) + "_width");
        builder.addLayer(operator, new WidthMask.Builder((int) scaled(group.channels))
                .initialRatio(options.initialRatio()).build(), anyInput);
        for (String producer : group.producers) {
            String point = group.maskPoints.get(producer);
            String vertex = unique(point + "_masked");
            rename(point, vertex);
            Layer layer = graph.get(producer).layer;
            CNN2DFormat format = layer instanceof ConvolutionLayer ? ((ConvolutionLayer) layer).getCnn2dDataFormat()
                    : CNN2DFormat.NCHW;
            builder.addVertex(vertex, new WidthMaskVertex(format, vertex), point, operator);
        }
        return operator;
    }

    /** One depth operator for a stage; every block's add becomes a gated residual. Returns the operator's name. */
    private String gate(List<Block> stage, String anyInput) {
        String operator = unique(stage.get(0).add() + "_depth");
        builder.addLayer(operator, new DepthMask.Builder(stage.size()).initialRatio(options.initialRatio()).build(),
                anyInput);
        for (int i = 0; i < stage.size(); i++) {
            Block block = stage.get(i);
            List<String> original = graph.get(block.add()).inputs;
            List<String> current = builder.getVertexInputs().get(block.add());
            String x = current.get(original.indexOf(block.x()));
            String branch = current.get(original.indexOf(block.branch()));
            builder.removeVertex(block.add(), false);
            builder.addVertex(block.add(), new GatedResidual(i, block.add()), x, branch, operator);
        }
        return operator;
    }

    /** Every reader of {@code from} reads {@code to} instead. */
    private void rename(String from, String to) {
        for (Map.Entry<String, List<String>> e : builder.getVertexInputs().entrySet()) {
            if (e.getValue().contains(from)) {
                List<String> inputs = new ArrayList<>(e.getValue());
                inputs.replaceAll(in -> in.equals(from) ? to : in);
                e.setValue(inputs);
            }
        }
        builder.getNetworkOutputs().replaceAll(out -> out.equals(from) ? to : out);
    }

    private String unique(String wanted) {
        String name = wanted;
        for (int i = 2; builder.getVertices().containsKey(name) || graph.byName.containsKey(name); i++) {
            name = wanted + i;
        }
        return name;
    }

    private void copyParameters(ComputationGraph supernet) {
        for (org.deeplearning4j.nn.api.Layer layer : supernet.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            List<String> stage = fusedStages.get(name);
            if (stage != null) {
                DmsSupernet.copyFused(stage.stream().map(network::getLayer).toList(), layer);
            } else if (network.getConfiguration().getVertices().containsKey(name)) {
                Conversions.copyAll(network.getLayer(name), layer);
            }
        }
    }
}
