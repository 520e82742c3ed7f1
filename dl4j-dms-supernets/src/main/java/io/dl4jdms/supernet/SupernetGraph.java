package io.dl4jdms.supernet;

import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.WidthMask;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The pieces the supernet builders assemble, on a {@link SearchGraphBuilder}: operators that read the
 * network input (only for its batch size), convolutions followed by batch normalisation, an activation
 * and a shared width mask (in that order, so no normalisation divides a mask back out), searched
 * convolutions, residual adds and the classification head. Every convolution uses
 * {@link ConvolutionMode#Same}, NCHW.
 */
final class SupernetGraph {

    /** The name of the network input. */
    static final String INPUT = "input";

    private final SearchGraphBuilder graph;
    private final double initialRatio;
    private final IUpdater ratioUpdater;

    SupernetGraph(NeuralNetConfiguration.Builder global, int height, int width, int channels, double initialRatio,
                  IUpdater ratioUpdater) {
        this.graph = new SearchGraphBuilder(global.clone());
        this.initialRatio = initialRatio;
        this.ratioUpdater = ratioUpdater;
        graph.addInputs(INPUT);
        graph.setInputTypes(InputType.convolutional(height, width, channels));
    }

    /** Adds the shared width operator {@code name} of a stream of {@code channels} channels. */
    void widthGroup(String name, int channels) {
        WidthMask.Builder mask = new WidthMask.Builder(channels).initialRatio(initialRatio).name(name);
        if (ratioUpdater != null) {
            mask.ratioUpdater(ratioUpdater);
        }
        graph.addWidthGroup(name, mask.build(), INPUT);
    }

    /** Adds the depth operator {@code name} of a stage with {@code blocks} removable blocks. */
    void depthStage(String name, int blocks) {
        DepthMask.Builder mask = new DepthMask.Builder(blocks).initialRatio(initialRatio).name(name);
        if (ratioUpdater != null) {
            mask.ratioUpdater(ratioUpdater);
        }
        graph.addDepthStage(name, mask.build(), INPUT);
    }

    /**
     * Adds {@code name} (a stock convolution without bias), {@code name_bn}, then, unless
     * {@code activation} is null, {@code name_<activation>}, and the mask of {@code group} as {@code output}.
     *
     * @return {@code output}
     */
    String convolution(String name, String input, int kernel, int stride, int nOut, Activation activation,
                       String group, String output) {
        ConvolutionLayer conv = new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(nOut)
                .convolutionMode(ConvolutionMode.Same).hasBias(false).activation(Activation.IDENTITY).name(name)
                .build();
        return normalized(name, conv, input, activation, group, output);
    }

    /**
     * As {@link #convolution} with a 3x3 depthwise convolution (one filter per input channel, so its
     * channels are those of its input and it is masked by the same group).
     */
    String depthwise(String name, String input, int stride, Activation activation, String group, String output) {
        DepthwiseConvolution2D conv = new DepthwiseConvolution2D.Builder(3, 3).stride(stride, stride)
                .depthMultiplier(1).convolutionMode(ConvolutionMode.Same).hasBias(false)
                .activation(Activation.IDENTITY).name(name).build();
        return normalized(name, conv, input, activation, group, output);
    }

    private String normalized(String name, Layer conv, String input, Activation activation, String group,
                              String output) {
        graph.addLayer(name, conv, input);
        String last = name + "_bn";
        graph.addLayer(last, new BatchNormalization.Builder().activation(Activation.IDENTITY).name(last).build(),
                name);
        if (activation != null) {
            String activated = name + "_" + activation.name().toLowerCase(Locale.ROOT);
            activation(activated, last, activation);
            last = activated;
        }
        graph.addWidthMask(output, group, last);
        return output;
    }

    /**
     * Adds {@code name}, a {@link TopkConv} without bias with built-in batch normalisation, whose
     * {@code nOut} output channels are searched by its own operator.
     *
     * @return {@code name}
     */
    String searchedConvolution(String name, String input, int kernel, int stride, int nOut, Activation activation) {
        TopkConv.Builder conv = new TopkConv.Builder(kernel, kernel).stride(stride, stride).nOut(nOut)
                .convolutionMode(ConvolutionMode.Same).hasBias(false).batchNorm(true).activation(activation)
                .initialRatio(initialRatio).name(name);
        if (ratioUpdater != null) {
            conv.ratioUpdater(ratioUpdater);
        }
        graph.addLayer(name, conv.build(), input);
        return name;
    }

    /** Adds the activation layer {@code name}. */
    String activation(String name, String input, Activation activation) {
        graph.addLayer(name, new ActivationLayer.Builder().activation(activation).name(name).build(), input);
        return name;
    }

    /** Adds the removable block {@code x + m[block] * branch} of stage {@code stage}. */
    String gatedResidual(String name, String stage, int block, String x, String branch) {
        graph.addGatedResidual(name, stage, block, x, branch);
        return name;
    }

    /** Adds the plain (not removable) sum of a shortcut and a branch. */
    String add(String name, String shortcut, String branch) {
        graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), shortcut, branch);
        return name;
    }

    /** Adds the head ({@code pool}: global average pooling, {@code out}: softmax) and builds the graph. */
    ComputationGraphConfiguration head(String input, int classes) {
        graph.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build(), input);
        graph.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).name("out").build(), "pool");
        graph.setOutputs("out");
        return inInsertionOrder(graph.build());
    }

    /**
     * Fixes the graph's topological order to the order the vertices were added (inputs first), which the
     * builders keep valid: every vertex is added after its inputs. DL4J lays the parameters out in
     * topological order but lists {@code paramTable()} in vertex-index order; with both the same, the
     * parameter vector reads in network order and DL4J's {@code GradientCheckUtil} (which assumes they
     * agree when it names and excludes parameters) works. DL4J stores this order in the configuration
     * itself on first use; it is not part of {@code equals}.
     */
    private static ComputationGraphConfiguration inInsertionOrder(ComputationGraphConfiguration conf) {
        List<String> order = new ArrayList<>(conf.getNetworkInputs());
        order.addAll(conf.getVertices().keySet());
        Set<String> seen = new HashSet<>(conf.getNetworkInputs());
        for (String vertex : conf.getVertices().keySet()) {
            for (String input : conf.getVertexInputs().get(vertex)) {
                if (!seen.contains(input)) {
                    throw new IllegalStateException("vertex '" + vertex + "' was added before its input '" + input + "'");
                }
            }
            seen.add(vertex);
        }
        int[] indices = new int[order.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = i;
        }
        conf.setTopologicalOrder(indices);
        conf.setTopologicalOrderStr(order);
        return conf;
    }
}
