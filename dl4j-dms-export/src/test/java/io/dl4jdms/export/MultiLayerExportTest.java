package io.dl4jdms.export;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static io.dl4jdms.export.ExportTestSupport.assertModelSerializerRoundTrip;
import static io.dl4jdms.export.ExportTestSupport.assertPlainDl4j;
import static io.dl4jdms.export.ExportTestSupport.assertSizes;
import static io.dl4jdms.export.ExportTestSupport.assertTrains;
import static io.dl4jdms.export.ExportTestSupport.features;
import static io.dl4jdms.export.ExportTestSupport.layerConf;
import static io.dl4jdms.export.ExportTestSupport.labels;
import static io.dl4jdms.export.ExportTestSupport.searched;
import static io.dl4jdms.export.ExportTestSupport.tolerance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultiLayerExportTest {

    private static NeuralNetConfiguration.ListBuilder list(DataType type) {
        return new NeuralNetConfiguration.Builder().dataType(type).seed(7).updater(new Adam(1e-2))
                .weightInit(WeightInit.XAVIER).list();
    }

    /**
     * conv1 (3x3, 10) → conv2 (3x3 stride 2, 8) → leaky ReLU → max pool + flatten, or global average
     * pooling → dense (12) → dropout → linear output (3, so differences are not squashed), on 8x8x3 images.
     */
    static MultiLayerNetwork supernet(DataType type, CNN2DFormat format, boolean batchNorm, boolean flatten) {
        NeuralNetConfiguration.ListBuilder list = list(type)
                .layer(new TopkConv.Builder(3, 3).name("conv1").nOut(10).convolutionMode(ConvolutionMode.Same)
                        .dataFormat(format).activation(Activation.RELU).batchNorm(batchNorm).hasBias(!batchNorm).build())
                .layer(new TopkConv.Builder(3, 3).name("conv2").stride(2, 2).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .dataFormat(format).activation(Activation.TANH).batchNorm(batchNorm).build())
                .layer(new ActivationLayer.Builder().name("leaky").activation(Activation.LEAKYRELU).build())
                .layer(flatten
                        ? new SubsamplingLayer.Builder(PoolingType.MAX).name("pool").kernelSize(2, 2).stride(2, 2)
                                .dataFormat(format).build()
                        : new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build())
                .layer(new TopkDense.Builder().name("dense").nOut(12).activation(Activation.RELU).batchNorm(batchNorm).build())
                .layer(new DropoutLayer.Builder(0.8).name("dropout").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(3)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(8, 8, 3, format));
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    static long[] imageShape(CNN2DFormat format, int examples) {
        return format == CNN2DFormat.NCHW ? new long[] {examples, 3, 8, 8} : new long[] {examples, 8, 8, 3};
    }

    @ParameterizedTest(name = "{0} {1} batchNorm={2} flatten={3}")
    @CsvSource({
            "FLOAT, NCHW, true, true", "FLOAT, NCHW, false, true", "FLOAT, NHWC, true, true", "FLOAT, NHWC, false, true",
            "FLOAT, NCHW, true, false", "FLOAT, NHWC, false, false",
            "DOUBLE, NCHW, true, true", "DOUBLE, NHWC, true, false"})
    void slimNetworkComputesWhatTheHardMaskedSupernetComputes(DataType type, CNN2DFormat format, boolean batchNorm,
                                                              boolean flatten, @TempDir File dir) throws IOException {
        MultiLayerNetwork supernet = supernet(type, format, batchNorm, flatten);
        searched(supernet, 0.4, 11);
        MultiLayerNetwork slim = SlimExporter.export(supernet);

        // Kept sizes: round(0.6 * N): conv1 6 of 10, conv2 5 of 8, dense 7 of 12.
        long spatial = flatten ? 2 * 2 : 1;
        List<String> names = new ArrayList<>();
        for (org.deeplearning4j.nn.api.Layer layer : slim.getLayers()) {
            names.add(layer.conf().getLayer().getLayerName());
        }
        List<String> expectedNames = batchNorm
                ? List.of("conv1", "conv1_bn", "conv1_act", "conv2", "conv2_bn", "conv2_act", "leaky", "pool", "dense",
                        "dense_bn", "dense_act", "dropout", "out")
                : List.of("conv1", "conv2", "leaky", "pool", "dense", "dropout", "out");
        assertEquals(expectedNames, names);
        assertSizes(slim, "conv1", ConvolutionLayer.class, 3, 6);
        assertSizes(slim, "conv2", ConvolutionLayer.class, 6, 5);
        assertSizes(slim, "dense", DenseLayer.class, 5 * spatial, 7);
        assertSizes(slim, "out", OutputLayer.class, 7, 3);
        if (batchNorm) {
            assertSizes(slim, "conv1_bn", BatchNormalization.class, 6, 6);
            assertEquals(format, ((BatchNormalization) layerConf(slim, "conv2_bn")).getCnn2DFormat());
            assertEquals(Activation.RELU.getActivationFunction(), ((ActivationLayer) layerConf(slim, "conv1_act")).getActivationFn());
            assertEquals(Activation.TANH.getActivationFunction(), ((ActivationLayer) layerConf(slim, "conv2_act")).getActivationFn());
        }
        if (flatten) {
            CnnToFeedForwardPreProcessor pre = (CnnToFeedForwardPreProcessor) slim.getLayerWiseConfigurations()
                    .getInputPreProcess(names.indexOf("dense"));
            assertEquals(5, pre.getNumChannels());
            assertEquals(format, pre.getFormat());
        }
        long bn = batchNorm ? 4 : 0;
        long expectedParams = (27 * 6 + (batchNorm ? 0 : 6) + bn * 6) + (54 * 5 + 5 + bn * 5)
                + (5 * spatial * 7 + 7 + bn * 7) + (7 * 3 + 3);
        assertEquals(expectedParams, slim.numParams());

        INDArray x = features(type, 3, imageShape(format, 16));
        double diff = SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, x);
        System.out.printf("MLN %s %s batchNorm=%s flatten=%s: max |slim - hard-masked supernet| = %.3e%n",
                type, format, batchNorm, flatten, diff);
        assertTrue(diff <= tolerance(type), "max |diff| " + diff);
        assertPlainDl4j(slim);
        assertModelSerializerRoundTrip(slim, dir, x);
        assertTrains(slim, x, labels(type, 16, 3));
    }

    @Test
    void theHardMaskMakesADifferenceAndItsModeIsRestored() {
        MultiLayerNetwork supernet = supernet(DataType.FLOAT, CNN2DFormat.NCHW, true, true);
        searched(supernet, 0.4, 5);
        MultiLayerNetwork slim = SlimExporter.export(supernet);
        INDArray x = features(DataType.FLOAT, 4, imageShape(CNN2DFormat.NCHW, 8));
        SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, x);
        for (TopkOperator operator : OperatorState.operators(supernet)) {
            assertFalse(operator.isHardMask(), operator.operatorName() + " was left in hard-mask mode");
        }
        // With the soft masks the supernet is not the slim network: the comparison must use hard masks.
        double soft = supernet.output(x, false).sub(slim.output(x, false)).amaxNumber().doubleValue();
        assertTrue(soft > 1e-3, "soft-mask difference " + soft);
    }

    @Test
    void batchNormalizationReadingMaskedChannelsIsRefusedNamingBothLayers() {
        MultiLayerNetwork supernet = headed(new BatchNormalization.Builder().name("bn").build());
        searched(supernet, 0.4, 1);
        SlimExportException e = assertThrows(SlimExportException.class, () -> SlimExporter.export(supernet));
        assertTrue(e.getMessage().contains("BatchNormalization 'bn'") && e.getMessage().contains("'conv1'")
                && e.getMessage().contains("batchNorm(true)"), e.getMessage());
    }

    @Test
    void sigmoidActivationLayerReadingMaskedChannelsIsRefused() {
        MultiLayerNetwork supernet = headed(new ActivationLayer.Builder().name("sig").activation(Activation.SIGMOID).build());
        searched(supernet, 0.4, 1);
        SlimExportException e = assertThrows(SlimExportException.class, () -> SlimExporter.export(supernet));
        assertTrue(e.getMessage().contains("ActivationLayer 'sig'") && e.getMessage().contains("'conv1'"), e.getMessage());
    }

    @Test
    void batchNormalizationAfterAnUnprunedLayerExports() {
        MultiLayerNetwork supernet = headed(new BatchNormalization.Builder().name("bn").build());
        searched(supernet, 0.0, 1);
        MultiLayerNetwork slim = SlimExporter.export(supernet);
        assertSizes(slim, "bn", BatchNormalization.class, 6, 6);
        INDArray x = features(DataType.FLOAT, 2, 4, 3, 8, 8);
        assertTrue(SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, x) <= ExportTestSupport.FLOAT_TOLERANCE);
    }

    @Test
    void unknownLayerReadingRemovedChannelsIsRefused() {
        MultiLayerNetwork supernet = headed(new LocalResponseNormalization.Builder().name("lrn").build());
        searched(supernet, 0.4, 1);
        SlimExportException e = assertThrows(SlimExportException.class, () -> SlimExporter.export(supernet));
        assertTrue(e.getMessage().contains("LocalResponseNormalization 'lrn'") && e.getMessage().contains("'conv1'")
                && e.getMessage().contains("does not know"), e.getMessage());
    }

    /** conv1 (TopkConv, 6 channels) → the given layer → global pooling → output. */
    private static MultiLayerNetwork headed(Layer afterConv) {
        MultiLayerConfiguration conf = list(DataType.FLOAT)
                .layer(new TopkConv.Builder(3, 3).name("conv1").nOut(6).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(afterConv)
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
