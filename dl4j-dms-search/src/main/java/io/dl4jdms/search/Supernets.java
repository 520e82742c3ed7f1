package io.dl4jdms.search;

import io.dl4jdms.pipeline.SearchData;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The supernet of the {@code dms search} command: a small ResNet-style CNN sized for 28x28 images on
 * a CPU. A stride-2 stem, then stages of basic blocks (3x3 searchable conv with built-in batch
 * normalisation, 3x3 conv, batch normalisation); each stage's stream has one shared width operator,
 * its identity blocks one depth operator; a stage after the first opens with a stride-2 transition
 * block (projection shortcut, not removable). Widths and block counts scale with the multipliers.
 */
public class Supernets {

    /** Base widths: stem and per stage. */
    static final int[] STAGE_WIDTHS = {12, 24, 48};
    /** Base blocks per stage. */
    static final int[] STAGE_BLOCKS = {2, 2, 2};
    static final double LEARNING_RATE = 3e-3;

    /** A baseline network and the width multiplier that gave it. */
    static final class Baseline {
        final ComputationGraph network;
        final double widthMultiplier;

        Baseline(ComputationGraph network, double widthMultiplier) {
            this.network = network;
            this.widthMultiplier = widthMultiplier;
        }
    }

    /** The supernet's configuration for the data's image size and classes. */
    ComputationGraphConfiguration configuration(SearchData data, double widthMultiplier, double depthMultiplier,
                                                long seed) {
        return configuration(data.height(), data.width(), data.channels(), data.classes(), widthMultiplier,
                depthMultiplier, seed);
    }

    /** The supernet's configuration for images of {@code height x imageWidth x channels} and {@code classes} classes. */
    public ComputationGraphConfiguration configuration(int height, int imageWidth, int channels, int classes,
                                                       double widthMultiplier, double depthMultiplier, long seed) {
        SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(LEARNING_RATE)).weightInit(WeightInit.RELU).dataType(DataType.FLOAT));
        g.addInputs("in");
        g.setInputTypes(InputType.convolutional(height, imageWidth, channels));
        int stemWidth = scale(STAGE_WIDTHS[0], widthMultiplier);
        g.addWidthGroup("s0_width", stemWidth, "in");
        convBn(g, "stem", 3, 2, stemWidth, "in", true);
        g.addWidthMask("stem_out", "s0_width", "stem_act");
        String x = "stem_out";
        for (int s = 0; s < STAGE_WIDTHS.length; s++) {
            int width = scale(STAGE_WIDTHS[s], widthMultiplier);
            int blocks = Math.max(1, (int) Math.round(STAGE_BLOCKS[s] * depthMultiplier));
            String group = "s" + s + "_width";
            int first = 0;
            if (s > 0) {
                g.addWidthGroup(group, width, "in");
                String p = "s" + s + "b0";
                branch(g, p, x, width, widthMultiplier, 2, group);
                convBn(g, p + "_short", 1, 2, width, x, false);
                g.addWidthMask(p + "_short_m", group, p + "_short_bn");
                g.addVertex(p + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), p + "_short_m", p + "_m");
                g.addLayer(p, new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "_add");
                x = p;
                first = 1;
            }
            if (blocks > first) {
                String stage = "s" + s + "_depth";
                g.addDepthStage(stage, blocks - first, x);
                for (int b = first; b < blocks; b++) {
                    String p = "s" + s + "b" + b;
                    branch(g, p, x, width, widthMultiplier, 1, group);
                    g.addGatedResidual(p + "_add", stage, b - first, x, p + "_m");
                    g.addLayer(p, new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "_add");
                    x = p;
                }
            }
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).build(), "pool");
        g.setOutputs("out");
        return g.build();
    }

    /** A basic block's branch: searchable 3x3 conv (BN, ReLU), 3x3 conv, BN, the stream's width mask. */
    private static void branch(SearchGraphBuilder g, String p, String x, int width, double multiplier, int stride,
                               String group) {
        g.addLayer(p + "_conv1", new TopkConv.Builder(3, 3).stride(stride, stride).nOut(width)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).batchNorm(true).hasBias(false)
                .build(), x);
        convBn(g, p + "_conv2", 3, 1, width, p + "_conv1", false);
        g.addWidthMask(p + "_m", group, p + "_conv2_bn");
    }

    /** conv (no bias) + batch normalisation (+ ReLU as {@code name_act} if asked). */
    private static void convBn(SearchGraphBuilder g, String name, int kernel, int stride, int width, String input,
                               boolean relu) {
        g.addLayer(name, new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(width)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).hasBias(false).build(), input);
        g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), name);
        if (relu) {
            g.addLayer(name + "_act", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
        }
    }

    static int scale(int width, double multiplier) {
        return Math.max(1, (int) Math.round(width * multiplier));
    }

    /**
     * The base architecture scaled uniformly in width so that its FLOPs come closest to
     * {@code targetFlops} (bisection on the multiplier up to {@code maxMultiplier}), as a plain network.
     */
    Baseline uniformBaseline(SearchData data, double targetFlops, double maxMultiplier, long seed, InputType input) {
        double low = 0.05;
        double high = maxMultiplier;
        for (int i = 0; i < 30; i++) {
            double mid = (low + high) / 2;
            if (flops(data, mid, seed, input) < targetFlops) {
                low = mid;
            } else {
                high = mid;
            }
        }
        double best = Math.abs(flops(data, low, seed, input) - targetFlops)
                <= Math.abs(flops(data, high, seed, input) - targetFlops) ? low : high;
        ComputationGraph supernet = new ComputationGraph(configuration(data, best, 1.0, seed));
        supernet.init();
        return new Baseline(SlimExporter.export(supernet), best);
    }

    private double flops(SearchData data, double multiplier, long seed, InputType input) {
        ComputationGraph net = new ComputationGraph(configuration(data, multiplier, 1.0, seed));
        net.init();
        return ResourceModel.of(net, input).full(ResourceKind.FLOPS);
    }
}
