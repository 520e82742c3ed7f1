package io.dl4jdms.resource;

import io.dl4jdms.latency.ChannelLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.WidthMask;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/**
 * Small networks with hand-computable figures: searchable ones and their plain DL4J twins, and a
 * latency table made up from a formula, so latency tests need no timing.
 */
final class ResourceTestNetworks {

    /** Input of the layer stacks: 6 x 6 x 2. */
    static final InputType STACK_INPUT = InputType.convolutional(6, 6, 2);
    /** Input of {@link #residualGraph()}: 5 x 5 x 2. */
    static final InputType RESIDUAL_INPUT = InputType.convolutional(5, 5, 2);
    /** Input of {@link #concatGraph(boolean)}: 6 x 6 x 2. */
    static final InputType CONCAT_INPUT = InputType.convolutional(6, 6, 2);

    private ResourceTestNetworks() {
    }

    /** Double precision: the finite differences step the ratios by 1e-6. */
    static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE);
    }

    private static OutputLayer output(int nOut) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(nOut).activation(Activation.SOFTMAX).build();
    }

    private static ConvolutionLayer.Builder conv(int k, int nOut) {
        return new ConvolutionLayer.Builder(k, k).nOut(nOut).convolutionMode(ConvolutionMode.Same);
    }

    /** conv3x3(2->4, same) + bias, BN, relu, maxpool 2x2, flatten, dense(36->5), output(5->3). */
    static MultiLayerConfiguration plainStack() {
        return base().list()
                .layer(conv(3, 4).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(5).build())
                .layer(output(3))
                .setInputType(STACK_INPUT).build();
    }

    /** {@link #plainStack()} with searchable layers: TopkConv with built-in BN (named conv), TopkDense (dense). */
    static MultiLayerNetwork searchableStack() {
        MultiLayerNetwork net = new MultiLayerNetwork(base().list()
                .layer(new TopkConv.Builder(3, 3).name("conv").nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).batchNorm(true).build())
                .layer(new SubsamplingLayer.Builder(2, 2).name("pool").stride(2, 2).build())
                .layer(new TopkDense.Builder().name("dense").nOut(5).activation(Activation.RELU).build())
                .layer(output(3))
                .setInputType(STACK_INPUT).build());
        net.init();
        return net;
    }

    /**
     * A stem and a stage of two gated blocks writing into one shared width group "width" (4 channels);
     * each block: TopkConv 3x3 (3, built-in BN), conv 3x3 (4, no bias), BN, width mask; stage "stage".
     */
    static ComputationGraph residualGraph() {
        SearchGraphBuilder g = new SearchGraphBuilder(base());
        g.addInputs("in");
        g.setInputTypes(RESIDUAL_INPUT);
        g.addWidthGroup("width", new WidthMask.Builder(4).build(), "in");
        g.addLayer("stem", conv(3, 4).activation(Activation.RELU).build(), "in");
        g.addWidthMask("stem_m", "width", "stem");
        g.addDepthStage("stage", new DepthMask.Builder(2).build(), "stem_m");
        String x = "stem_m";
        for (int b = 0; b < 2; b++) {
            g.addLayer("b" + b + "_c1", new TopkConv.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.RELU).batchNorm(true).hasBias(false).build(), x);
            g.addLayer("b" + b + "_c2", conv(3, 4).hasBias(false).activation(Activation.IDENTITY).build(), "b" + b + "_c1");
            g.addLayer("b" + b + "_bn", new BatchNormalization.Builder().build(), "b" + b + "_c2");
            g.addWidthMask("b" + b + "_m", "width", "b" + b + "_bn");
            g.addGatedResidual("b" + b, "stage", b, x, "b" + b + "_m");
            x = "b" + b;
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer("out", output(3), "pool");
        g.setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** {@link #residualGraph()} as stock layers: no masks, plain adds, TopkConv as conv + BN + ReLU. */
    static ComputationGraphConfiguration plainResidualGraph() {
        ComputationGraphConfiguration.GraphBuilder g = base().graphBuilder().addInputs("in")
                .setInputTypes(RESIDUAL_INPUT)
                .addLayer("stem", conv(3, 4).activation(Activation.RELU).build(), "in");
        String x = "stem";
        for (int b = 0; b < 2; b++) {
            String p = "b" + b;
            g.addLayer(p + "_c1", conv(3, 3).hasBias(false).activation(Activation.IDENTITY).build(), x)
                    .addLayer(p + "_c1_bn", new BatchNormalization.Builder().build(), p + "_c1")
                    .addLayer(p + "_c1_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "_c1_bn")
                    .addLayer(p + "_c2", conv(3, 4).hasBias(false).activation(Activation.IDENTITY).build(), p + "_c1_relu")
                    .addLayer(p + "_bn", new BatchNormalization.Builder().build(), p + "_c2")
                    .addVertex(p, new ElementWiseVertex(ElementWiseVertex.Op.Add), x, p + "_bn");
            x = p;
        }
        return g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x)
                .addLayer("out", output(3), "pool").setOutputs("out").build();
    }

    /**
     * Two branches concatenated, then a depthwise and a separable convolution: "a" conv 3x3 (2->4, bias),
     * "b" conv 1x1 (2->3, no bias), merge (7), "dw" depthwise 3x3 x2 (14, bias), "sep" separable 3x3 x1
     * (14->5, bias), global average pooling, output (5->3). With {@code searchable}, "a" and "b" are
     * TopkConvs.
     */
    static ComputationGraphConfiguration concatGraph(boolean searchable) {
        Layer a = searchable
                ? new TopkConv.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build()
                : conv(3, 4).activation(Activation.RELU).build();
        Layer b = searchable
                ? new TopkConv.Builder(1, 1).nOut(3).hasBias(false).activation(Activation.RELU).build()
                : new ConvolutionLayer.Builder(1, 1).nOut(3).hasBias(false).activation(Activation.RELU).build();
        return base().graphBuilder().addInputs("in").setInputTypes(CONCAT_INPUT)
                .addLayer("a", a, "in")
                .addLayer("b", b, "in")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "merge")
                .addLayer("sep", new SeparableConvolution2D.Builder(3, 3).nOut(5).depthMultiplier(1)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "dw")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sep")
                .addLayer("out", output(3), "pool")
                .setOutputs("out").build();
    }

    static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    /**
     * A latency table for the model's timed layers made up from a smooth formula
     * ({@link #madeUpMs}) on three channel counts per searched axis.
     */
    static ChannelLatencyTable madeUpTable(ResourceModel model) {
        List<ChannelLatencyTable.Entry> entries = new ArrayList<>();
        for (TimedLayer t : model.timedLayers()) {
            long[] in = LatencyProfiler.grid(t.smallestIn(), t.fullIn(), 3);
            String type = t.layer().getClass().getSimpleName();
            if (t.perChannel()) {
                double[] ms = new double[in.length];
                for (int i = 0; i < in.length; i++) {
                    ms[i] = madeUpMs(in[i], in[i]);
                }
                entries.add(ChannelLatencyTable.Entry.perChannel(t.name(), type, in, ms));
            } else {
                long[] out = LatencyProfiler.grid(t.smallestOut(), t.fullOut(), 3);
                double[][] ms = new double[in.length][out.length];
                for (int i = 0; i < in.length; i++) {
                    for (int j = 0; j < out.length; j++) {
                        ms[i][j] = madeUpMs(in[i], out[j]);
                    }
                }
                entries.add(ChannelLatencyTable.Entry.grid(t.name(), type, in, out, ms));
            }
        }
        return ChannelLatencyTable.of(8, entries);
    }

    /** A convex, increasing made-up time: 0.05 + 0.01 in + 0.02 out + 0.003 in out + 0.001 in^2. */
    static double madeUpMs(double in, double out) {
        return 0.05 + 0.01 * in + 0.02 * out + 0.003 * in * out + 0.001 * in * in;
    }
}
