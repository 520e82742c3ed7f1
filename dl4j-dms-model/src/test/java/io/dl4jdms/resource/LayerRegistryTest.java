package io.dl4jdms.resource;

import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.layers.TopkConv;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one lookup rule of the {@link LayerRegistry}. */
class LayerRegistryTest {

    private static final InputType INPUT = InputType.convolutional(6, 6, 3);

    @Test
    void rolesOfStockAndSearchableLayers() {
        LayerRegistry r = LayerRegistry.standard();
        assertEquals(ChannelRole.WEIGHTED, r.rule(new ConvolutionLayer.Builder(3, 3).nOut(2).build(), "c").role(null));
        assertEquals(LayerRule.Conversion.CONVOLUTION, r.rule(new ConvolutionLayer.Builder(3, 3).nOut(2).build(), "c").conversion());
        assertEquals(LayerRule.Slim.TOPK_CONVOLUTION, r.rule(new TopkConv.Builder(3, 3).nOut(2).build(), "t").slim());
        assertEquals(LayerRule.Conversion.NONE, r.rule(new TopkConv.Builder(3, 3).nOut(2).build(), "t").conversion());
        ActivationLayer relu = new ActivationLayer(Activation.RELU);
        ActivationLayer sigmoid = new ActivationLayer(Activation.SIGMOID);
        assertEquals(ChannelRole.PER_CHANNEL, r.rule(relu, "a").role(relu));
        assertEquals(ChannelRole.PER_CHANNEL_AFFINE, r.rule(sigmoid, "a").role(sigmoid));
        assertEquals(ChannelRole.PER_CHANNEL_AFFINE, r.rule(new BatchNormalization(), "bn").role(null));
        DepthwiseConvolution2D biased = new DepthwiseConvolution2D.Builder(3, 3).build();
        assertEquals(ChannelRole.PER_CHANNEL_AFFINE, r.rule(biased, "dw").role(biased));
        // A stock subclass with its own costs has its own rule, not its superclass's.
        assertEquals(ChannelRole.OTHER, r.rule(new Deconvolution2D.Builder(2, 2).nOut(2).build(), "de").role(null));
        // A user rule takes precedence and serves subclasses.
        LayerRule mine = LayerRule.builder(ChannelRole.OTHER).build();
        assertSame(mine, r.with(ConvolutionLayer.class, mine).rule(new TopkConv.Builder(3, 3).nOut(2).build(), "t"));
    }

    /** A layer class of dl4j-dms's own packages that no rule describes. */
    static final class Unruled extends ActivationLayer {
    }

    @Test
    void aProjectClassMustHaveItsOwnRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerRegistry.standard().rule(new Unruled(), "v1"));
        assertTrue(e.getMessage().contains(Unruled.class.getName()) && e.getMessage().contains("'v1'"), e.getMessage());
    }

    private static MultiLayerNetwork superkernelNetwork(boolean batchNorm) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(12).activation(Activation.RELU).build())
                .layer(new SuperkernelDepthwise.Builder().kernelSizes(3, 5).expansionRatios(3, 6).batchNorm(batchNorm)
                        .convolutionMode(ConvolutionMode.Same).hasBias(false).activation(Activation.RELU6).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(INPUT).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void superkernelDepthwiseIsCountedWithItsBatchNormalisation() {
        MultiLayerNetwork with = superkernelNetwork(true);
        MultiLayerNetwork without = superkernelNetwork(false);
        double params = ResourceModel.of(with, INPUT).full(ResourceKind.PARAMS);
        double flops = ResourceModel.of(with, INPUT).full(ResourceKind.FLOPS);
        // Gamma and beta of each of the 12 channels; one multiply-add per channel and position.
        assertEquals(ResourceModel.of(without, INPUT).full(ResourceKind.PARAMS) + 2 * 12, params, 1e-9);
        assertEquals(ResourceModel.of(without, INPUT).full(ResourceKind.FLOPS) + 12 * 36, flops, 1e-9);
        // The plain counter uses the same rule.
        assertEquals(params, PlainNetworkCounter.count(with.getLayerWiseConfigurations(), INPUT, ResourceKind.PARAMS), 1e-9);
        // The trainable parameters the layer really has: kernels of the largest size, gamma, beta, thresholds.
        assertTrue(params <= with.numParams(), params + " counted, " + with.numParams() + " in the network");
    }
}
