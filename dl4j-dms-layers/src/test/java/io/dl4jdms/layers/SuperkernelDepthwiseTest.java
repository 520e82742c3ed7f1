package io.dl4jdms.layers;

import io.dl4jdms.spnas.SuperkernelChoice;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration, serialisation, validation and hard-mode behaviour of {@link SuperkernelDepthwise}. */
class SuperkernelDepthwiseTest {

    /** Every option away from its default. */
    private static SuperkernelDepthwise everyOption() {
        return new SuperkernelDepthwise.Builder().name("dw").kernelSizes(3, 5, 7).expansionRatios(3, 4.5, 6)
                .residualBlock(true).relaxed(true).thresholdUpdater(new Sgd(0.1)).batchNorm(true).batchNormDecay(0.8)
                .batchNormEpsilon(1e-4).dataFormat(CNN2DFormat.NHWC).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU6).hasBias(false).dilation(1, 1).l2(1e-4).build();
    }

    private static MultiLayerConfiguration network(SuperkernelDepthwise superkernel, InputType input, long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-2)).dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(12).activation(Activation.RELU).build())
                .layer(superkernel)
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(input).build();
    }

    private static DataSet data(CNN2DFormat format, int examples) {
        Nd4j.getRandom().setSeed(4);
        INDArray features = format == CNN2DFormat.NCHW ? Nd4j.rand(DataType.FLOAT, examples, 2, 8, 8)
                : Nd4j.rand(DataType.FLOAT, examples, 8, 8, 2);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, examples, 3);
        for (int i = 0; i < examples; i++) {
            labels.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(features, labels);
    }

    @Test
    void everyOptionSurvivesJsonInAMultiLayerNetwork() {
        MultiLayerConfiguration conf = network(everyOption(), InputType.convolutional(8, 8, 2, CNN2DFormat.NHWC), 1);
        MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, restored);
        assertEquals(conf.toJson(), restored.toJson());
        SuperkernelDepthwise layer = (SuperkernelDepthwise) restored.getConf(1).getLayer();
        assertArrayEquals(new int[] {3, 5, 7}, layer.getKernelSizes());
        assertArrayEquals(new int[] {7, 7}, layer.getKernelSize());
        assertArrayEquals(new double[] {3, 4.5, 6}, layer.getExpansionRatios());
        assertTrue(layer.isResidualBlock() && layer.isRelaxed() && layer.isBatchNorm());
        assertEquals(new Sgd(0.1), layer.getThresholdUpdater());
        assertEquals(0.8, layer.getBatchNormDecay());
        assertEquals(1e-4, layer.getBatchNormEpsilon());
        assertEquals(CNN2DFormat.NHWC, layer.getCnn2dDataFormat());
        assertEquals(Activation.RELU6.getActivationFunction(), layer.getOutputActivation());
        assertEquals(12, layer.getNIn());
        assertEquals(12, layer.getNOut());
        assertEquals(1, layer.getDepthMultiplier());
        assertFalse(layer.hasBias());
        // Thresholds: own updater, no weight decay; the weights keep theirs.
        assertEquals(new Sgd(0.1), layer.getUpdaterByParam(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY));
        assertTrue(isEmpty(layer.getRegularizationByParam(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY)));
        assertFalse(isEmpty(layer.getRegularizationByParam(SuperkernelParamInitializer.WEIGHT_KEY)));
    }

    private static boolean isEmpty(java.util.List<?> list) {
        return list == null || list.isEmpty();
    }

    @Test
    void everyOptionSurvivesJsonInAComputationGraph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 12, CNN2DFormat.NHWC))
                .addLayer("dw", everyOption(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "dw")
                .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, restored);
        assertEquals(conf.toJson(), restored.toJson());
    }

    @Test
    void parameterLayoutAndInitialisation() {
        MultiLayerNetwork net = new MultiLayerNetwork(network(everyOption(),
                InputType.convolutional(8, 8, 2, CNN2DFormat.NHWC), 1));
        net.init();
        var layer = net.getLayer(1);
        assertEquals(java.util.List.of("W", "gamma", "beta", "mean", "var", "kernelThresholds", "expansionThresholds"),
                new java.util.ArrayList<>(layer.paramTable().keySet()));
        assertArrayEquals(new long[] {7, 7, 12, 1}, layer.getParam("W").shape());
        assertEquals(2, layer.getParam("kernelThresholds").length());
        // ratios 3, 4.5, 6 with the skip gate: three gates.
        assertEquals(3, layer.getParam("expansionThresholds").length());
        assertEquals(0.0, layer.getParam("kernelThresholds").sumNumber().doubleValue());
        assertEquals(12.0, layer.getParam("gamma").sumNumber().doubleValue());
        // At the start every indicator is on: the largest candidate.
        assertEquals(new SuperkernelChoice(2, 7, 2, 6.0, 12, false), ((SuperkernelOperator) layer).choice());
        assertFalse(layer.updaterDivideByMinibatch("mean"));
        assertTrue(layer.updaterDivideByMinibatch("kernelThresholds"));
    }

    @Test
    void modelSerializerRoundTripIsExactAndTrainingContinuesIdentically(@TempDir File dir) throws IOException {
        SuperkernelDepthwise superkernel = new SuperkernelDepthwise.Builder().kernelSizes(3, 5).expansionRatios(3, 6)
                .residualBlock(true).convolutionMode(ConvolutionMode.Same).batchNorm(true).activation(Activation.RELU6)
                .thresholdUpdater(new Adam(0.05)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(network(superkernel, InputType.convolutional(8, 8, 2), 3));
        net.init();
        DataSet data = data(CNN2DFormat.NCHW, 6);
        for (int i = 0; i < 3; i++) {
            net.fit(data);
        }
        assertNotEquals(0.0, net.getLayer(1).getParam("kernelThresholds").getDouble(0), "the threshold must have trained");
        File file = new File(dir, "net.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(net.output(data.getFeatures()), restored.output(data.getFeatures()));
        for (int i = 0; i < 3; i++) {
            net.fit(data);
            restored.fit(data);
        }
        assertEquals(net.params(), restored.params());
    }

    @Test
    void graphModelSerializerRoundTripIsExact(@TempDir File dir) throws IOException {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 2))
                .addLayer("expand", new ConvolutionLayer.Builder(1, 1).nOut(12).build(), "in")
                .addLayer("dw", new SuperkernelDepthwise.Builder().kernelSizes(3, 5, 7).expansionRatios(2, 4, 6)
                        .convolutionMode(ConvolutionMode.Same).batchNorm(true).activation(Activation.RELU6).build(),
                        "expand")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "dw")
                .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        DataSet data = data(CNN2DFormat.NCHW, 6);
        net.fit(data);
        File file = new File(dir, "graph.zip");
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        net.fit(data);
        restored.fit(data);
        assertEquals(net.params(), restored.params());
    }

    /**
     * With hard indicators the superkernel computes what a stock DepthwiseConvolution2D of the chosen size on the
     * kept channels, a BatchNormalization and the activation compute, the other channels being zero.
     */
    @Test
    void hardIndicatorsComputeTheChosenStockLayers() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        SuperkernelDepthwise superkernel = new SuperkernelDepthwise.Builder().kernelSizes(3, 5, 7)
                .expansionRatios(3, 6).residualBlock(true).stride(1, 1).convolutionMode(ConvolutionMode.Same)
                .batchNorm(true).activation(Activation.RELU6).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2))
                .dataType(DataType.DOUBLE).list().layer(superkernel)
                .setInputType(InputType.convolutional(9, 9, 8)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        var layer = net.getLayer(0);
        // Running statistics away from 0 / 1, so the check sees them.
        Nd4j.getRandom().setSeed(3);
        layer.getParam("mean").assign(Nd4j.rand(DataType.DOUBLE, 1, 8).subi(0.5));
        layer.getParam("var").assign(Nd4j.rand(DataType.DOUBLE, 1, 8).addi(0.5));
        layer.getParam("gamma").assign(Nd4j.rand(DataType.DOUBLE, 1, 8).addi(0.5));
        layer.getParam("beta").assign(Nd4j.rand(DataType.DOUBLE, 1, 8).subi(0.5));
        layer.getParam("b").assign(Nd4j.rand(DataType.DOUBLE, 1, 8));
        // 5x5 on, 7x7 off; skip gate on, second half off: 5x5 with expansion 3 (4 of 8 channels).
        SuperkernelTestSupport.placeThresholds(layer, new double[] {0.5, -0.5}, new double[] {0.5, -0.5});
        SuperkernelChoice choice = ((SuperkernelOperator) layer).choice();
        assertEquals(new SuperkernelChoice(1, 5, 0, 3.0, 4, false), choice);

        INDArray input = Nd4j.rand(DataType.DOUBLE, 2, 8, 9, 9);
        INDArray out = net.output(input);
        assertEquals(0.0, out.get(NDArrayIndex.all(), NDArrayIndex.interval(4, 8)).norm1Number().doubleValue());

        MultiLayerNetwork stock = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list()
                .layer(new DepthwiseConvolution2D.Builder(5, 5).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().useLogStd(false).eps(1e-5).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU6).build())
                .setInputType(InputType.convolutional(9, 9, 4)).build());
        stock.init();
        INDArray w = layer.getParam("W");
        stock.getLayer(0).setParam("W", w.get(NDArrayIndex.interval(1, 6), NDArrayIndex.interval(1, 6),
                NDArrayIndex.interval(0, 4), NDArrayIndex.all()).dup());
        stock.getLayer(0).setParam("b", layer.getParam("b").get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)).dup());
        for (String key : new String[] {"gamma", "beta", "mean", "var"}) {
            stock.getLayer(1).setParam(key, layer.getParam(key).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)).dup());
        }
        INDArray expected = stock.output(input.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)).dup());
        INDArray kept = out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4));
        assertTrue(expected.equalsWithEps(kept, 1e-10), "max difference " + expected.sub(kept).amaxNumber());

        // Skip gate off: the layer outputs zeros.
        SuperkernelTestSupport.placeThresholds(layer, new double[] {0.5, -0.5}, new double[] {-0.5, -0.5});
        assertTrue(((SuperkernelOperator) layer).choice().skip());
        assertEquals(0.0, net.output(input).norm1Number().doubleValue());
    }

    @Test
    void validationNamesTheLayerAndTheValue() {
        assertMessage(() -> new SuperkernelDepthwise.Builder().name("dw1").kernelSizes(3, 4).build(),
                "SuperkernelDepthwise layer 'dw1'", "got 4 in [3, 4]");
        assertMessage(() -> new SuperkernelDepthwise.Builder().name("dw2").kernelSizes(5, 3).build(),
                "'dw2'", "strictly increasing, got [5, 3]");
        assertMessage(() -> new SuperkernelDepthwise.Builder().name("dw3").expansionRatios(6, 3).build(),
                "'dw3'", "expansion ratios must be strictly increasing, got [6.0, 3.0]");
        assertMessage(() -> new SuperkernelDepthwise.Builder().name("dw4").expansionRatios(0, 3).build(),
                "'dw4'", "positive and finite, got 0.0");
        assertMessage(() -> new SuperkernelDepthwise.Builder().name("dw5").residualBlock(true).stride(2, 2).build(),
                "'dw5'", "needs stride 1", "got stride [2, 2]");
        assertMessage(() -> new SuperkernelDepthwise.Builder().name("dw6").thresholdUpdater(null).build(),
                "'dw6'", "thresholdUpdater must not be null");
        assertMessage(() -> new SuperkernelDepthwise.Builder().name("dw7").batchNormDecay(1.0).build(),
                "'dw7'", "batchNormDecay must be in (0, 1), got 1.0");
        assertMessage(() -> new SuperkernelDepthwise.Builder().name("dw8").nIn(3).expansionRatios(3, 4, 6).build(),
                "'dw8' with nIn 3", "expansion ratio 4.0 gives 2 of the 3 channels, no more than ratio 3.0");
        // nIn from the input type: the error comes when the configuration is built.
        assertMessage(() -> new NeuralNetConfiguration.Builder().list()
                        .layer(new SuperkernelDepthwise.Builder().name("dw9").expansionRatios(1, 2, 3, 4, 5, 6).build())
                        .setInputType(InputType.convolutional(8, 8, 4)).build(),
                "'dw9' with nIn 4", "expansion ratio");
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new SuperkernelDepthwise.Builder().setKernelSize(3, 3));
        assertTrue(e.getMessage().contains("kernelSizes(...)"), e.getMessage());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable build, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }
}
