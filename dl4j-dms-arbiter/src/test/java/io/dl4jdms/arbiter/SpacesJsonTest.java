package io.dl4jdms.arbiter;

import io.dl4jdms.arbiter.spaces.ArrayChoiceSpace;
import io.dl4jdms.arbiter.spaces.EnumChoiceSpace;
import io.dl4jdms.arbiter.spaces.SuperkernelDepthwiseLayerSpace;
import io.dl4jdms.arbiter.spaces.SupernetSpace;
import io.dl4jdms.arbiter.spaces.TopkConvLayerSpace;
import io.dl4jdms.arbiter.spaces.TopkDenseLayerSpace;
import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.supernet.ResNetSupernet;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.BooleanSpace;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.optimize.serde.jackson.JsonMapper;
import org.deeplearning4j.arbiter.util.LeafUtils;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every space survives a JSON round trip (the read-back space is equal and gives the same value at the same point),
 * and every searched option reaches the layer or supernet it builds.
 */
class SpacesJsonTest {

    static TopkConvLayerSpace convSpace() {
        return new TopkConvLayerSpace.Builder().kernelSize(3, 3).stride(1, 1)
                .nOut(new IntegerParameterSpace(8, 32)).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).hasBias(false)
                .initialRatio(new ContinuousParameterSpace(0.0, 0.4))
                .ratioUpdater(new DiscreteParameterSpace<>(new Adam(0.01), new Sgd(0.1)))
                .ratioLearningRate(new ContinuousParameterSpace(1e-3, 1e-1))
                .batchNorm(new BooleanSpace()).batchNormDecay(new ContinuousParameterSpace(0.8, 0.99))
                .batchNormEpsilon(1e-4).dataFormat(CNN2DFormat.NCHW).build();
    }

    static TopkDenseLayerSpace denseSpace() {
        return new TopkDenseLayerSpace.Builder().nIn(20).nOut(new IntegerParameterSpace(16, 64))
                .activation(Activation.TANH).initialRatio(new ContinuousParameterSpace(0.0, 0.3))
                .ratioUpdater(new Nesterovs(0.05, 0.9)).ratioLearningRate(new ContinuousParameterSpace(0.01, 0.2))
                .batchNorm(true).batchNormDecay(0.95).batchNormEpsilon(new ContinuousParameterSpace(1e-6, 1e-4)).build();
    }

    static SuperkernelDepthwiseLayerSpace depthwiseSpace() {
        return new SuperkernelDepthwiseLayerSpace.Builder()
                .kernelSizes(ArrayChoiceSpace.ofInts(new int[] {3, 5}, new int[] {3, 5, 7}))
                .expansionRatios(ArrayChoiceSpace.ofDoubles(new double[] {3, 6}, new double[] {6}))
                .residualBlock(new BooleanSpace()).relaxed(false).convolutionMode(ConvolutionMode.Same)
                .thresholdUpdater(new Adam(0.01)).thresholdLearningRate(new ContinuousParameterSpace(1e-3, 0.05))
                .batchNorm(true).batchNormDecay(new ContinuousParameterSpace(0.8, 0.99)).batchNormEpsilon(1e-5)
                .activation(Activation.RELU6).hasBias(false).dataFormat(CNN2DFormat.NCHW).build();
    }

    static SupernetSpace resnetSpace() {
        return new SupernetSpace.Builder().input(28, 28, 1).classes(10).seed(7)
                .blockType(EnumChoiceSpace.of(ResNetSupernet.BlockType.BASIC, ResNetSupernet.BlockType.BOTTLENECK))
                .stemWidth(new IntegerParameterSpace(8, 16))
                .stageWidths(ArrayChoiceSpace.ofInts(new int[] {8, 16, 32}, new int[] {12, 24, 48}))
                .blocksPerStage(ArrayChoiceSpace.ofInts(new int[] {1, 1, 1}, new int[] {2, 2, 2}))
                .strides(1, 2, 2).widthMultiplier(new ContinuousParameterSpace(1.0, 2.0))
                .depthMultiplier(new DiscreteParameterSpace<>(1.0, 1.5)).initialRatio(new ContinuousParameterSpace(0, 0.2))
                .build();
    }

    /** Sets the leaves' indices as a candidate generator does; returns the number of values. */
    static int index(ParameterSpace<?> space) {
        List<ParameterSpace> leaves = LeafUtils.getUniqueObjects(space.collectLeaves());
        int n = 0;
        for (ParameterSpace leaf : leaves) {
            int k = leaf.numParameters();
            int[] idx = new int[k];
            for (int i = 0; i < k; i++) {
                idx[i] = n++;
            }
            if (k > 0) {
                leaf.setIndices(idx);
            }
        }
        return n;
    }

    static double[] point(int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble();
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    static <T> ParameterSpace<T> roundTrip(ParameterSpace<T> space) throws Exception {
        String json = JsonMapper.getMapper().writeValueAsString(space);
        ParameterSpace<T> read = JsonMapper.getMapper().readValue(json, ParameterSpace.class);
        // Arbiter's FixedValue of an array compares arrays by reference, so equal spaces are told by their JSON.
        assertEquals(space.getClass(), read.getClass());
        assertEquals(json, JsonMapper.getMapper().writeValueAsString(read), "JSON round trip of " + space);
        assertEquals(space.toString(), read.toString());
        return read;
    }

    @Test
    void topkConvSpace() throws Exception {
        TopkConvLayerSpace space = convSpace();
        assertEquals(6, space.numParameters(), "nOut, initial ratio, ratio updater, its learning rate, BN, BN decay");
        ParameterSpace<TopkConv> read = roundTrip(space);
        int n = index(space);
        index(read);
        for (long seed = 0; seed < 5; seed++) {
            double[] p = point(n, seed);
            TopkConv a = space.getValue(p);
            assertEquals(a, read.getValue(p));
            assertTrue(a.getNOut() >= 8 && a.getNOut() <= 32,
                    "nOut " + a.getNOut());
            assertTrue(a.getTopkOptions().getInitialRatio() >= 0 && a.getTopkOptions().getInitialRatio() <= 0.4);
            double lr = a.getTopkOptions().getRatioUpdater().getLearningRate(0, 0);
            assertTrue(lr >= 1e-3 && lr <= 1e-1, "ratio learning rate " + lr);
            assertEquals(1e-4, a.getTopkOptions().getBatchNormEpsilon());
        }
        assertNotEquals(space.getValue(point(n, 1)), space.getValue(point(n, 2)));
    }

    @Test
    void topkDenseSpace() throws Exception {
        TopkDenseLayerSpace space = denseSpace();
        ParameterSpace<TopkDense> read = roundTrip(space);
        int n = index(space);
        index(read);
        assertEquals(4, n);
        for (long seed = 0; seed < 5; seed++) {
            double[] p = point(n, seed);
            TopkDense a = space.getValue(p);
            assertEquals(a, read.getValue(p));
            assertTrue(a.getTopkOptions().getRatioUpdater() instanceof Nesterovs);
            assertTrue(a.getTopkOptions().isBatchNorm());
            assertEquals(0.95, a.getTopkOptions().getBatchNormDecay());
        }
    }

    @Test
    void superkernelDepthwiseSpace() throws Exception {
        SuperkernelDepthwiseLayerSpace space = depthwiseSpace();
        ParameterSpace<SuperkernelDepthwise> read = roundTrip(space);
        int n = index(space);
        index(read);
        assertEquals(5, n);
        boolean sawSeven = false;
        boolean sawSingleRatio = false;
        for (long seed = 0; seed < 20; seed++) {
            double[] p = point(n, seed);
            SuperkernelDepthwise a = space.getValue(p);
            assertEquals(a, read.getValue(p));
            sawSeven |= a.getKernelSizes().length == 3;
            sawSingleRatio |= a.getExpansionRatios().length == 1;
            assertEquals(a.getKernelSizes()[a.getKernelSizes().length - 1], a.getKernelSize()[0]);
        }
        assertTrue(sawSeven && sawSingleRatio, "both kernel-size and both ratio choices are sampled");
        assertThrows(UnsupportedOperationException.class, () -> new SuperkernelDepthwiseLayerSpace.Builder().kernelSize(3, 3));
    }

    @Test
    void supernetSpace() throws Exception {
        SupernetSpace space = resnetSpace();
        ParameterSpace<?> read = roundTrip(space);
        int n = index(space);
        index(read);
        assertEquals(7, n);
        for (long seed = 0; seed < 4; seed++) {
            double[] p = point(n, seed);
            ComputationGraphConfiguration a = space.getValue(p).getConfiguration();
            assertEquals(a.toJson(), ((SupernetSpace) read).getValue(p).getConfiguration().toJson());
        }
        double[] low = new double[n];
        double[] high = new double[n];
        java.util.Arrays.fill(high, 1.0);
        assertTrue(space.configuration(low).getVertices().size() < space.configuration(high).getVertices().size(),
                "more blocks and bottlenecks at the top of the space");
    }

    @Test
    void layerSpacesInsideArbitersMultiLayerSpace() throws Exception {
        org.deeplearning4j.arbiter.MultiLayerSpace space = new org.deeplearning4j.arbiter.MultiLayerSpace.Builder()
                .addLayer(denseSpace())
                .addLayer(new org.deeplearning4j.arbiter.layers.OutputLayerSpace.Builder().nOut(3)
                        .activation(Activation.SOFTMAX)
                        .lossFunction(org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(20)).build();
        org.deeplearning4j.arbiter.MultiLayerSpace read = org.deeplearning4j.arbiter.MultiLayerSpace.fromJson(space.toJson());
        assertEquals(space.toJson(), read.toJson());
        int n = index(space);
        index(read);
        double[] p = point(n, 3);
        org.deeplearning4j.nn.conf.MultiLayerConfiguration conf = space.getValue(p).getMultiLayerConfiguration();
        // Every candidate gets a fresh seed from MultiLayerSpace; the layers are the same.
        org.deeplearning4j.nn.conf.MultiLayerConfiguration again = read.getValue(p).getMultiLayerConfiguration();
        assertEquals(conf.getConf(0).getLayer(), again.getConf(0).getLayer());
        assertEquals(conf.getConf(1).getLayer(), again.getConf(1).getLayer());
        assertTrue(conf.getConf(0).getLayer() instanceof TopkDense);
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(conf);
        net.init();
        assertEquals(3, net.output(org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 20))
                .size(1));
    }

    @Test
    void enumChoiceSpace() throws Exception {
        ParameterSpace<ResNetSupernet.BlockType> read = roundTrip(
                EnumChoiceSpace.of(ResNetSupernet.BlockType.BASIC, ResNetSupernet.BlockType.BOTTLENECK));
        read.setIndices(0);
        assertEquals(ResNetSupernet.BlockType.BASIC, read.getValue(new double[] {0.1}));
        assertEquals(ResNetSupernet.BlockType.BOTTLENECK, read.getValue(new double[] {0.9}));
    }

    @Test
    void arrayChoiceSpace() throws Exception {
        ArrayChoiceSpace<int[]> ints = ArrayChoiceSpace.ofInts(new int[] {1, 2}, new int[] {3});
        ParameterSpace<int[]> read = roundTrip(ints);
        read.setIndices(0);
        assertArrayEquals(new int[] {1, 2}, read.getValue(new double[] {0.2}));
        assertArrayEquals(new int[] {3}, read.getValue(new double[] {1.0}));
        ParameterSpace<double[]> doubles = roundTrip(ArrayChoiceSpace.ofDoubles(new double[] {0.5}));
        doubles.setIndices(0);
        assertArrayEquals(new double[] {0.5}, doubles.getValue(new double[] {0.7}));
    }
}
