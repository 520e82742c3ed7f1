package io.dl4jdms.pipeline;

import io.dl4jdms.layers.TopkConv;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchNormRecalibrationTest {

    private static final int CHANNELS = 3;

    /** input [1, 6, 6] -> conv (3 channels) -> bn (variance) -> relu -> bn2 (log10 std) -> average pool -> softmax. */
    private static ComputationGraph network() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-3))
                .dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutional(6, 6, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(CHANNELS).activation(Activation.IDENTITY).build(),
                        "input")
                .addLayer("bn", new BatchNormalization.Builder().useLogStd(false).build(), "conv")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("bn2", new BatchNormalization.Builder().useLogStd(true).build(), "relu")
                .addLayer("pool", new GlobalPoolingLayer.Builder().build(), "bn2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        // statistics far from the data's, as after pruning
        for (String bn : List.of("bn", "bn2")) {
            net.getLayer(bn).getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).assign(5);
        }
        net.getLayer("bn").getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).assign(7);
        net.getLayer("bn2").getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).assign(1.5);
        return net;
    }

    private static List<DataSet> batches() {
        Nd4j.getRandom().setSeed(11);
        INDArray features = Nd4j.rand(DataType.DOUBLE, 32, 1, 6, 6).muli(3).addi(1);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 32, 2);
        for (int i = 0; i < 32; i++) {
            labels.putScalar(i, i % 2, 1.0);
        }
        return new DataSet(features, labels).batchBy(8);
    }

    private static double[] channelMean(INDArray x) {
        return x.mean(0, 2, 3).toDoubleVector();
    }

    private static double[] channelVariance(INDArray x) {
        return x.var(false, 0, 2, 3).toDoubleVector();
    }

    private static Map<String, INDArray> otherParams(ComputationGraph net) {
        Map<String, INDArray> copy = new HashMap<>();
        net.paramTable().forEach((k, v) -> {
            if (!k.endsWith("_mean") && !k.endsWith("_var") && !k.endsWith("_log10stdev")) {
                copy.put(k, v.dup());
            }
        });
        return copy;
    }

    @Test
    void runningStatisticsBecomeTheExactStatisticsOfTheLayerInputsAndNothingElseMoves() {
        ComputationGraph net = network();
        List<DataSet> batches = batches();
        Map<String, INDArray> before = otherParams(net);
        INDArray updaterState = net.getUpdater().getStateViewArray() == null ? null
                : net.getUpdater().getStateViewArray().dup();

        // the expected statistics, computed independently: bn reads the convolution's output (the same in either mode)
        // over all 32 examples; bn2 reads the ReLU of the training-mode normalisation, minibatch by minibatch
        INDArray all = Nd4j.concat(0, batches.stream().map(DataSet::getFeatures).toArray(INDArray[]::new));
        INDArray conv = net.feedForward(all, false).get("conv");
        double[] expectedMean = channelMean(conv);
        double[] expectedVar = channelVariance(conv);
        INDArray relu = Nd4j.concat(0, batches.stream().map(b -> net.feedForward(b.getFeatures(), true).get("relu"))
                .toArray(INDArray[]::new));
        double[] expectedMean2 = channelMean(relu);
        double[] expectedVar2 = channelVariance(relu);

        int layers = BatchNormRecalibration.recalibrate(net, new ListDataSetIterator<>(batches, 1), 10);

        assertEquals(2, layers);
        assertEquals(List.of("bn", "bn2"), BatchNormRecalibration.layers(net));
        assertArrayEquals(expectedMean, net.getLayer("bn").getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        assertArrayEquals(expectedVar, net.getLayer("bn").getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
        assertArrayEquals(expectedMean2, net.getLayer("bn2").getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        INDArray log10Std = net.getLayer("bn2").getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
        double[] var2 = new double[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            var2[c] = Math.pow(10, 2 * log10Std.getDouble(c));
        }
        for (int c = 0; c < CHANNELS; c++) {
            assertEquals(expectedVar2[c], var2[c], 1e-9 * Math.max(1, expectedVar2[c]), "bn2 variance, channel " + c);
        }
        Map<String, INDArray> after = otherParams(net);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertEquals(v, after.get(k), "parameter " + k + " must not move"));
        if (updaterState != null) {
            assertEquals(updaterState, net.getUpdater().getStateViewArray());
        }

    }

    @Test
    void atMostTheGivenNumberOfMinibatchesIsUsed() {
        ComputationGraph net = network();
        List<DataSet> batches = batches();
        double[] expected = channelMean(net.feedForward(batches.get(0).getFeatures(), false).get("conv"));
        BatchNormRecalibration.recalibrate(net, new ListDataSetIterator<>(batches, 1), 1);
        assertArrayEquals(expected, net.getLayer("bn").getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
    }

    @Test
    void refusesNoBatchesEmptyDataAndLayersWithStatisticsOfTheirOwn() {
        ComputationGraph net = network();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormRecalibration.recalibrate(net, new ListDataSetIterator<>(batches(), 1), 0));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormRecalibration.recalibrate(net, new ListDataSetIterator<>(List.<DataSet>of()), 5));
        assertTrue(e.getMessage().contains("no minibatch"), e.getMessage());

        ComputationGraph supernet = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutional(6, 6, 1))
                .addLayer("topk", new TopkConv.Builder(3, 3).nOut(CHANNELS).activation(Activation.RELU).batchNorm(true)
                        .hasBias(false).build(), "input")
                .addLayer("pool", new GlobalPoolingLayer.Builder().build(), "topk")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        supernet.init();
        e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormRecalibration.recalibrate(supernet, new ListDataSetIterator<>(batches(), 1), 1));
        assertTrue(e.getMessage().contains("running statistics of its own") && e.getMessage().contains("'topk'"),
                e.getMessage());
    }

    private static void assertArrayEquals(double[] expected, INDArray actual) {
        assertEquals(expected.length, actual.length());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.getDouble(i), 1e-9 * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }
}
