package io.dl4jdms.spnas.latency;

import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.latency.CandidateBlock;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One searchable layer as the profiler times it and the exporter rebuilds it: a
 * {@link SuperkernelDepthwise} at its input size, alone ({@code inChannels = outChannels = 0}) or inside
 * its inverted-residual block (a 1x1 expansion from {@code inChannels}, the depthwise layer, a linear 1x1
 * projection to {@code outChannels}; see {@link BlockLayers}). Timing the whole block lets the expansion
 * ratio's cost in the two 1x1 convolutions count too.
 *
 * @param depthwise  the superkernel's configuration ({@code nIn} = the expanded channels, named)
 * @param height     the height of the block's input
 * @param width      the width of the block's input
 * @param inChannels the block's input channels, 0 for the depthwise layer alone
 * @param outChannels the block's output channels, 0 for the depthwise layer alone
 */
public record SearchableBlock(SuperkernelDepthwise depthwise, int height, int width, int inChannels,
                              int outChannels) implements CandidateBlock {

    public SearchableBlock {
        if (depthwise.getLayerName() == null) {
            throw new IllegalArgumentException("searchable block: the SuperkernelDepthwise layer needs a name");
        }
        if (depthwise.getNIn() <= 0) {
            throw new IllegalArgumentException("searchable block '" + depthwise.getLayerName()
                    + "': nIn of the SuperkernelDepthwise layer is not set");
        }
        if (depthwise.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("searchable block '" + depthwise.getLayerName()
                    + "': only NCHW is profiled, got " + depthwise.getCnn2dDataFormat());
        }
        if (height < 1 || width < 1 || inChannels < 0 || outChannels < 0 || (inChannels == 0) != (outChannels == 0)) {
            throw new IllegalArgumentException("searchable block '" + depthwise.getLayerName() + "': bad shape "
                    + height + "x" + width + ", in " + inChannels + ", out " + outChannels
                    + " (both channel counts are 0 for the depthwise layer alone)");
        }
        if (depthwise.isResidualBlock() && inChannels != outChannels) {
            throw new IllegalArgumentException("searchable block '" + depthwise.getLayerName()
                    + "': the layer is in a residual block, but the block maps " + inChannels + " channels to "
                    + outChannels);
        }
        if (depthwise.getOutputActivation() == null) {
            throw new IllegalArgumentException("searchable block '" + depthwise.getLayerName()
                    + "': the activation is not set (take the layer from a built network configuration)");
        }
    }

    /** The depthwise layer alone, at the given input. */
    public static SearchableBlock depthwiseOnly(SuperkernelDepthwise depthwise, InputType input) {
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) input;
        return new SearchableBlock(depthwise, (int) in.getHeight(), (int) in.getWidth(), 0, 0);
    }

    /** Every superkernel of a graph, each alone at its input size. */
    public static List<SearchableBlock> depthwiseLayers(ComputationGraphConfiguration conf, InputType... inputs) {
        Map<String, InputType> types = conf.getLayerActivationTypes(inputs);
        List<SearchableBlock> out = new ArrayList<>();
        for (String name : conf.getVertices().keySet()) {
            var vertex = conf.getVertices().get(name);
            if (vertex instanceof org.deeplearning4j.nn.conf.graph.LayerVertex) {
                Layer layer = ((org.deeplearning4j.nn.conf.graph.LayerVertex) vertex).getLayerConf().getLayer();
                if (layer instanceof SuperkernelDepthwise) {
                    String from = conf.getVertexInputs().get(name).get(0);
                    InputType input = types.containsKey(from) ? types.get(from) : inputs[conf.getNetworkInputs().indexOf(from)];
                    out.add(depthwiseOnly((SuperkernelDepthwise) layer, input));
                }
            }
        }
        return out;
    }

    /** Every superkernel of a multi-layer network, each alone at its input size. */
    public static List<SearchableBlock> depthwiseLayers(MultiLayerConfiguration conf, InputType input) {
        List<InputType> types = conf.getLayerActivationTypes(input);
        List<SearchableBlock> out = new ArrayList<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            if (layer instanceof SuperkernelDepthwise) {
                out.add(depthwiseOnly((SuperkernelDepthwise) layer, i == 0 ? input : types.get(i - 1)));
            }
        }
        return out;
    }

    /** The name of the superkernel layer: the block's key in the latency table. */
    public String name() {
        return depthwise.getLayerName();
    }

    /** Whether the 1x1 expansion and projection are part of the block. */
    public boolean isInvertedResidual() {
        return inChannels > 0;
    }

    /** Whether the block adds its input to its output (then the skip op is a choice). */
    public boolean hasResidual() {
        return isInvertedResidual() && depthwise.isResidualBlock() && inChannels == outChannels;
    }

    @Override
    public SuperkernelSpace space() {
        return depthwise.searchSpace();
    }

    @Override
    public int stride() {
        return depthwise.getStride()[0];
    }

    @Override
    public int candidateInputChannels(SuperkernelChoice choice) {
        return isInvertedResidual() ? inChannels : choice.channels();
    }

    /** The stock network of one candidate ({@link BlockLayers#add}), its input the block's input. */
    @Override
    public ComputationGraph candidateNetwork(SuperkernelChoice choice, DataType dataType) {
        if (choice.skip()) {
            throw new IllegalArgumentException("searchable block '" + name() + "': a skipped block has no network");
        }
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(dataType)
                .graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(height, width, candidateInputChannels(choice)));
        String out = BlockLayers.add(g, this, choice, "in");
        ComputationGraph net = new ComputationGraph(g.setOutputs(out).build());
        net.init();
        return net;
    }
}
