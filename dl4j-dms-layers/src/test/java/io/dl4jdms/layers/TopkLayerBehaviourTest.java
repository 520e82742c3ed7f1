package io.dl4jdms.layers;

import io.dl4jdms.topk.TopK;
import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one searchable layer computes and how DL4J treats its parameters: the forward pass against a
 * hand computation, equivalence with the plain DL4J layer while the mask is all ones, the built-in batch
 * normalisation, and the updater/regularisation rules for {@code a}, {@code importance} and the
 * normalisation's parameters.
 */
@ExtendWith(TopkTestSupport.DoublePrecision.class)
class TopkLayerBehaviourTest {

    /** The layer under test: a dense layer, or a 3x3 stride-2 convolution in either data format. */
    enum Case {
        DENSE, CONV_NCHW, CONV_NHWC;

        boolean conv() {
            return this != DENSE;
        }

        CNN2DFormat format() {
            return this == CONV_NHWC ? CNN2DFormat.NHWC : CNN2DFormat.NCHW;
        }
    }

    private static final int BATCH = 4;
    private static final int N_IN = 2;
    private static final int N_OUT = 5;
    private static final int SIZE = 5;
    private static final double TOL = 1e-10;

    // ---------------------------------------------------------------- networks

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(42).weightInit(WeightInit.XAVIER)
                .updater(new Adam(0.05));
    }

    private static TopkConv.Builder convBuilder(Case c) {
        return new TopkConv.Builder(3, 3).stride(2, 2).padding(1, 1).convolutionMode(ConvolutionMode.Truncate)
                .nOut(N_OUT).dataFormat(c.format());
    }

    /** The searchable layer, built from the given options. */
    private static org.deeplearning4j.nn.conf.layers.Layer topkLayer(Case c, Activation activation, boolean bn,
                                                                     double decay, double epsilon) {
        if (c.conv()) {
            TopkConv.Builder b = convBuilder(c).batchNorm(bn).batchNormDecay(decay).batchNormEpsilon(epsilon);
            return (activation == null ? b : b.activation(activation)).build();
        }
        TopkDense.Builder b = new TopkDense.Builder().nOut(N_OUT).batchNorm(bn).batchNormDecay(decay)
                .batchNormEpsilon(epsilon);
        return (activation == null ? b : b.activation(activation)).build();
    }

    private static InputType inputType(Case c) {
        return c.conv() ? InputType.convolutional(SIZE, SIZE, N_IN, c.format()) : InputType.feedForward(N_IN);
    }

    private static INDArray input(Case c, long seed) {
        if (!c.conv()) {
            return TopkTestSupport.randomInput(DataType.DOUBLE, seed, BATCH, N_IN);
        }
        return c.format() == CNN2DFormat.NCHW ? TopkTestSupport.randomInput(DataType.DOUBLE, seed, BATCH, N_IN, SIZE, SIZE)
                : TopkTestSupport.randomInput(DataType.DOUBLE, seed, BATCH, SIZE, SIZE, N_IN);
    }

    /** Layer 0 is the given layer; for a convolution global pooling follows; then a 3-class output layer. */
    private static MultiLayerNetwork network(NeuralNetConfiguration.Builder builder, Case c,
                                             org.deeplearning4j.nn.conf.layers.Layer layer) {
        NeuralNetConfiguration.ListBuilder list = builder.list().layer(layer);
        if (c.conv()) {
            list.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        }
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                .build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(inputType(c)).build());
        net.init();
        return net;
    }

    private static MultiLayerNetwork topkNetwork(Case c, Activation activation, boolean bn) {
        return network(base(), c, topkLayer(c, activation, bn, 0.8, 1e-3));
    }

    /** Random nonzero biases, so the hand computation checks them too. */
    private static void randomBias(MultiLayerNetwork net, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray b = net.getLayer(0).getParam("b");
        b.assign(Nd4j.rand(DataType.DOUBLE, b.shape()).subi(0.5));
    }

    private static TopkOperator operator(MultiLayerNetwork net) {
        return (TopkOperator) net.getLayer(0);
    }

    private static INDArray layerOutput(MultiLayerNetwork net, INDArray x, boolean train) {
        return net.feedForwardToLayer(0, x, train).get(1).dup();
    }

    // ---------------------------------------------------------------- hand computation

    /** The linear part of the layer, by loops: [batch, N] for dense, NCHW for a convolution. */
    private static double[][][][] handLinear(Case c, MultiLayerNetwork net, INDArray x) {
        INDArray w = net.getLayer(0).getParam("W");
        INDArray b = net.getLayer(0).getParam("b");
        if (!c.conv()) {
            assertArrayEquals(new long[] {N_IN, N_OUT}, w.shape());
            double[][][][] z = new double[BATCH][N_OUT][1][1];
            for (int n = 0; n < BATCH; n++) {
                for (int o = 0; o < N_OUT; o++) {
                    double s = b.getDouble(o);
                    for (int i = 0; i < N_IN; i++) {
                        s += x.getDouble(n, i) * w.getDouble(i, o);
                    }
                    z[n][o][0][0] = s;
                }
            }
            return z;
        }
        assertArrayEquals(new long[] {N_OUT, N_IN, 3, 3}, w.shape());
        INDArray nchw = c.format() == CNN2DFormat.NHWC ? x.permute(0, 3, 1, 2).dup() : x;
        int out = (SIZE + 2 - 3) / 2 + 1;
        double[][][][] z = new double[BATCH][N_OUT][out][out];
        for (int n = 0; n < BATCH; n++) {
            for (int o = 0; o < N_OUT; o++) {
                for (int y = 0; y < out; y++) {
                    for (int xx = 0; xx < out; xx++) {
                        double s = b.getDouble(o);
                        for (int i = 0; i < N_IN; i++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    int iy = y * 2 + ky - 1;
                                    int ix = xx * 2 + kx - 1;
                                    if (iy >= 0 && iy < SIZE && ix >= 0 && ix < SIZE) {
                                        s += w.getDouble(o, i, ky, kx) * nchw.getDouble(n, i, iy, ix);
                                    }
                                }
                            }
                        }
                        z[n][o][y][xx] = s;
                    }
                }
            }
        }
        return z;
    }

    /** Per-channel batch mean and biased variance of z. */
    private static double[][] batchStatistics(double[][][][] z) {
        double[] mean = new double[N_OUT];
        double[] var = new double[N_OUT];
        int count = z.length * z[0][0].length * z[0][0][0].length;
        for (int o = 0; o < N_OUT; o++) {
            double s = 0;
            for (double[][][] zn : z) {
                for (double[] row : zn[o]) {
                    for (double v : row) {
                        s += v;
                    }
                }
            }
            mean[o] = s / count;
            double q = 0;
            for (double[][][] zn : z) {
                for (double[] row : zn[o]) {
                    for (double v : row) {
                        q += (v - mean[o]) * (v - mean[o]);
                    }
                }
            }
            var[o] = q / count;
        }
        return new double[][] {mean, var};
    }

    /**
     * {@code mask * f(gamma * (z - mean) / sqrt(var + eps) + beta)} (normalisation only if statistics are
     * given), in the layer's own output layout.
     */
    private static INDArray handOutput(Case c, double[][][][] z, double[][] stats, double[] gamma, double[] beta,
                                       double eps, DoubleUnaryOperator f, double[] mask) {
        int h = z[0][0].length;
        INDArray out = c.conv() ? Nd4j.create(DataType.DOUBLE, BATCH, N_OUT, h, h) : Nd4j.create(DataType.DOUBLE, BATCH, N_OUT);
        for (int n = 0; n < BATCH; n++) {
            for (int o = 0; o < N_OUT; o++) {
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < h; xx++) {
                        double v = z[n][o][y][xx];
                        if (stats != null) {
                            v = gamma[o] * (v - stats[0][o]) / Math.sqrt(stats[1][o] + eps) + beta[o];
                        }
                        v = mask[o] * f.applyAsDouble(v);
                        if (c.conv()) {
                            out.putScalar(new long[] {n, o, y, xx}, v);
                        } else {
                            out.putScalar(new long[] {n, o}, v);
                        }
                    }
                }
            }
        }
        return c.format() == CNN2DFormat.NHWC && c.conv() ? out.permute(0, 2, 3, 1).dup() : out;
    }

    private static double sigmoid(double v) {
        return 1.0 / (1.0 + Math.exp(-v));
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= tol, what + ": max difference " + diff + "\nexpected " + expected + "\nactual " + actual);
    }

    // ---------------------------------------------------------------- forward pass

    @ParameterizedTest
    @EnumSource(Case.class)
    void outputIsMaskTimesActivationOfTheLinearPart(Case c) {
        MultiLayerNetwork net = topkNetwork(c, Activation.SIGMOID, false);
        randomBias(net, 3);
        TopkOperator op = operator(net);
        double[] importance = TopkTestSupport.distinctImportances(N_OUT, new Random(5));
        op.setImportance(importance);
        op.setRatio(0.4);

        TopkMask mask = TopK.mask(importance, 0.4, N_OUT);
        double[] soft = mask.soft();
        assertTrue(soft[argMin(importance)] < 0.5 && soft[argMax(importance)] > 0.5, "the mask must be soft and nontrivial");
        assertArrayEquals(soft, op.mask().soft(), 0.0);

        INDArray x = input(c, 9);
        double[][][][] z = handLinear(c, net, x);
        INDArray expected = handOutput(c, z, null, null, null, 0, TopkLayerBehaviourTest::sigmoid, soft);
        assertClose(expected, layerOutput(net, x, false), TOL, "inference");
        assertClose(expected, layerOutput(net, x, true), TOL, "training");

        op.setHardMask(true);
        assertTrue(op.isHardMask());
        INDArray hard = handOutput(c, z, null, null, null, 0, TopkLayerBehaviourTest::sigmoid, mask.hard());
        assertClose(hard, layerOutput(net, x, false), TOL, "hard mask");
        assertEquals(TopK.keptSize(0.4, N_OUT), mask.keptSize());
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void withEqualImportancesTheLayerIsThePlainDl4jLayer(Case c) {
        MultiLayerNetwork topk = topkNetwork(c, Activation.TANH, false);
        randomBias(topk, 4);
        // Equal importances: the mask is exactly all ones, whatever the ratio.
        operator(topk).setImportance(new double[] {0.3, 0.3, 0.3, 0.3, 0.3});
        operator(topk).setRatio(0.6);

        org.deeplearning4j.nn.conf.layers.Layer plainLayer = c.conv()
                ? new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).convolutionMode(ConvolutionMode.Truncate)
                        .nOut(N_OUT).dataFormat(c.format()).activation(Activation.TANH).build()
                : new DenseLayer.Builder().nOut(N_OUT).activation(Activation.TANH).build();
        MultiLayerNetwork plain = network(base(), c, plainLayer);
        for (int i = 0; i < plain.getnLayers(); i++) {
            for (String key : plain.getLayer(i).paramTable().keySet()) {
                plain.getLayer(i).setParam(key, topk.getLayer(i).getParam(key));
            }
        }

        INDArray x = input(c, 10);
        assertClose(plain.output(x), topk.output(x), 1e-12, "network output");
        assertClose(layerOutput(plain, x, true), layerOutput(topk, x, true), 1e-12, "layer output");

        INDArray labels = TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, 3);
        plain.setInput(x);
        plain.setLabels(labels);
        plain.computeGradientAndScore();
        topk.setInput(x);
        topk.setLabels(labels);
        topk.computeGradientAndScore();
        assertEquals(plain.score(), topk.score(), 1e-12);
        for (String key : plain.paramTable().keySet()) {
            assertClose(plain.gradient().getGradientFor(key), topk.gradient().getGradientFor(key), 1e-12, key);
        }
        assertEquals(0.0, topk.gradient().getGradientFor("0_a").getDouble(0), 0.0, "all-ones mask: dL/da = 0");
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void aRatioOutOfRangeIsUsedClampedAndStillHasAGradient(Case c) {
        MultiLayerNetwork net = topkNetwork(c, Activation.TANH, false);
        TopkOperator op = operator(net);
        double[] importance = TopkTestSupport.distinctImportances(N_OUT, new Random(21));
        op.setImportance(importance);
        INDArray x = input(c, 22);
        INDArray labels = TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, 3);
        double max = TopK.maxRatio(N_OUT);
        for (double[] stored : new double[][] {{-0.4, 0.0}, {1.3, max}}) {
            op.setRatio(stored[1]);
            INDArray inRange = layerOutput(net, x, false);
            op.setRatio(stored[0]);
            assertEquals(stored[0], op.ratio(), 0.0, "stored as set");
            assertEquals(stored[1], op.mask().ratio(), 0.0, "used clamped");
            assertClose(inRange, layerOutput(net, x, false), 0.0, "a=" + stored[0]);
            net.setInput(x);
            net.setLabels(labels);
            net.computeGradientAndScore();
            double g = net.gradient().getGradientFor("0_a").getDouble(0);
            assertTrue(Double.isFinite(g) && g != 0.0, "straight-through clamp: a=" + stored[0] + " gradient " + g);
        }
        assertEquals(1, op.mask().keptSize(), "the largest ratio keeps one element");
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void theLayerPutsItsRatioBackIntoRangeAfterEveryUpdateWithoutAnyListener(Case c) {
        MultiLayerNetwork net = topkNetwork(c, Activation.TANH, false);
        assertTrue(net.getListeners().isEmpty());
        TopkOperator op = operator(net);
        INDArray labels = TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, 3);
        op.setRatio(-0.4);
        net.fit(input(c, 24), labels);
        assertEquals(0.0, op.ratio(), 0.0, "clamped up to 0");
        op.setRatio(1.3);
        net.fit(input(c, 25), labels);
        assertEquals(TopK.maxRatio(N_OUT), op.ratio(), 0.0, "clamped down to 1 - 1/(2N)");
    }

    // ---------------------------------------------------------------- batch normalisation

    @ParameterizedTest
    @EnumSource(Case.class)
    void builtInBatchNormUsesRunningStatisticsInInferenceAndBatchStatisticsInTraining(Case c) {
        MultiLayerNetwork net = topkNetwork(c, Activation.TANH, true);
        randomBias(net, 6);
        Layer layer = net.getLayer(0);
        double[] gamma = {1.5, 0.5, -0.7, 2.0, 1.0};
        double[] beta = {0.1, -0.2, 0.3, 0.0, 0.5};
        double[] mean = {0.2, -0.1, 0.4, 0.05, -0.3};
        double[] var = {0.5, 2.0, 1.5, 0.25, 3.0};
        layer.setParam("gamma", Nd4j.createFromArray(gamma).reshape(1, N_OUT));
        layer.setParam("beta", Nd4j.createFromArray(beta).reshape(1, N_OUT));
        layer.setParam("mean", Nd4j.createFromArray(mean).reshape(1, N_OUT));
        layer.setParam("var", Nd4j.createFromArray(var).reshape(1, N_OUT));
        double[] importance = TopkTestSupport.distinctImportances(N_OUT, new Random(8));
        operator(net).setImportance(importance);
        operator(net).setRatio(0.3);
        double[] soft = TopK.mask(importance, 0.3, N_OUT).soft();

        INDArray x = input(c, 12);
        double[][][][] z = handLinear(c, net, x);
        INDArray inference = handOutput(c, z, new double[][] {mean, var}, gamma, beta, 1e-3, Math::tanh, soft);
        assertClose(inference, layerOutput(net, x, false), TOL, "inference uses the running statistics");
        assertClose(inference, net.feedForwardToLayer(0, x, false).get(1), TOL, "inference again");

        double[][] batch = batchStatistics(z);
        INDArray training = handOutput(c, z, batch, gamma, beta, 1e-3, Math::tanh, soft);
        assertClose(training, layerOutput(net, x, true), TOL, "training uses the batch statistics");
        assertTrue(inference.sub(training).amaxNumber().doubleValue() > 1e-3, "the two modes must differ here");
        // A forward pass does not move the running statistics.
        assertArrayEquals(mean, layer.getParam("mean").toDoubleVector(), 0.0);
        assertArrayEquals(var, layer.getParam("var").toDoubleVector(), 0.0);
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void oneTrainingStepMovesTheRunningStatisticsByTheirDecay(Case c) {
        MultiLayerNetwork net = topkNetwork(c, Activation.TANH, true);
        randomBias(net, 7);
        Layer layer = net.getLayer(0);
        double[] mean = {0.2, -0.1, 0.4, 0.05, -0.3};
        double[] var = {0.5, 2.0, 1.5, 0.25, 3.0};
        layer.setParam("mean", Nd4j.createFromArray(mean).reshape(1, N_OUT));
        layer.setParam("var", Nd4j.createFromArray(var).reshape(1, N_OUT));
        INDArray x = input(c, 13);
        double[][] batch = batchStatistics(handLinear(c, net, x));

        net.fit(x, TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, 3));

        double decay = 0.8;
        double[] newMean = layer.getParam("mean").toDoubleVector();
        double[] newVar = layer.getParam("var").toDoubleVector();
        for (int o = 0; o < N_OUT; o++) {
            assertEquals(decay * mean[o] + (1 - decay) * batch[0][o], newMean[o], 1e-10, "mean " + o);
            assertEquals(decay * var[o] + (1 - decay) * batch[1][o], newVar[o], 1e-10, "var " + o);
        }
    }

    // ---------------------------------------------------------------- parameters and updaters

    @ParameterizedTest
    @EnumSource(Case.class)
    void initialStateOfTheOperator(Case c) {
        MultiLayerNetwork net = network(base(), c, c.conv()
                ? convBuilder(c).name("op").initialRatio(0.25).batchNorm(true).build()
                : new TopkDense.Builder().name("op").nOut(N_OUT).initialRatio(0.25).batchNorm(true).build());
        TopkOperator op = operator(net);
        assertEquals("op", op.operatorName());
        assertEquals(N_OUT, op.operatorSize());
        assertEquals(N_OUT, op.slope(), 0.0);
        assertEquals(0.25, op.ratio(), 0.0);
        assertArrayEquals(new double[N_OUT], op.importance(), 0.0);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, op.mask().soft(), 0.0);
        assertFalse(op.isHardMask());
        assertNull(op.takeMaskGradient());
        Layer layer = net.getLayer(0);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, layer.getParam("gamma").toDoubleVector(), 0.0);
        assertArrayEquals(new double[N_OUT], layer.getParam("beta").toDoubleVector(), 0.0);
        assertArrayEquals(new double[N_OUT], layer.getParam("mean").toDoubleVector(), 0.0);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, layer.getParam("var").toDoubleVector(), 0.0);
        // The base layer's parameters first, in DL4J's own order (a convolution puts its bias first).
        List<String> baseKeys = c.conv() ? List.of("b", "W") : List.of("W", "b");
        List<String> expected = new ArrayList<>(baseKeys);
        expected.addAll(List.of("gamma", "beta", "mean", "var", "a", "importance"));
        assertEquals(expected, List.copyOf(layer.paramTable().keySet()));
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void backpropWritesAZeroImportanceGradientAndTheMaskGradient(Case c) {
        MultiLayerNetwork net = topkNetwork(c, Activation.TANH, true);
        TopkOperator op = operator(net);
        op.setImportance(TopkTestSupport.distinctImportances(N_OUT, new Random(2)));
        op.setRatio(0.3);
        // Garbage in the whole gradient view first: backprop must overwrite the importance gradient.
        net.initGradientsView();
        net.getGradientsViewArray().assign(7.0);
        net.setInput(input(c, 14));
        net.setLabels(TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, 3));
        net.computeGradientAndScore();

        INDArray importanceGradient = net.gradient().getGradientFor("0_importance");
        assertNotNull(importanceGradient);
        assertArrayEquals(new double[N_OUT], importanceGradient.toDoubleVector(), 0.0);

        double[] maskGradient = op.takeMaskGradient();
        assertNotNull(maskGradient);
        assertEquals(N_OUT, maskGradient.length);
        assertNull(op.takeMaskGradient(), "the mask gradient is handed over once");
        double ratioGradient = net.gradient().getGradientFor("0_a").getDouble(0);
        assertNotEquals(0.0, ratioGradient);
        assertEquals(op.mask().ratioGradient(maskGradient), ratioGradient, 1e-12);
        assertEquals(ratioGradient, op.ratioGradientView().getDouble(0), 0.0);
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void trainingNeverMovesImportanceButTrainsTheRatio(Case c) {
        MultiLayerNetwork net = network(base().l2(0.1), c, topkLayer(c, Activation.TANH, true, 0.9, 1e-5));
        TopkOperator op = operator(net);
        double[] importance = TopkTestSupport.distinctImportances(N_OUT, new Random(3));
        op.setImportance(importance);
        op.setRatio(0.3);
        INDArray w = net.getLayer(0).getParam("W").dup();
        for (int i = 0; i < 3; i++) {
            net.fit(input(c, 20 + i), TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, 3));
        }
        assertArrayEquals(importance, op.importance(), 0.0);
        assertNotEquals(0.3, op.ratio(), "a has a gradient and the Adam ratio updater");
        assertNotEquals(w, net.getLayer(0).getParam("W"));
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void weightDecayNeverMovesTheRatioWhileItHasNoGradient(Case c) {
        MultiLayerNetwork net = network(base().weightDecay(0.5), c, topkLayer(c, Activation.TANH, true, 0.9, 1e-5));
        TopkOperator op = operator(net);
        op.setRatio(0.3); // all importances equal (0): mask all ones, dL/da = 0
        for (int i = 0; i < 3; i++) {
            net.fit(input(c, 30 + i), TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, 3));
        }
        assertEquals(0.3, op.ratio(), 0.0);
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void updaterDividesOnlyTrainedParametersByTheMinibatch(Case c) {
        Layer layer = topkNetwork(c, Activation.TANH, true).getLayer(0);
        assertFalse(layer.updaterDivideByMinibatch("importance"));
        assertFalse(layer.updaterDivideByMinibatch("mean"));
        assertFalse(layer.updaterDivideByMinibatch("var"));
        assertTrue(layer.updaterDivideByMinibatch("a"));
        assertTrue(layer.updaterDivideByMinibatch("W"));
        assertTrue(layer.updaterDivideByMinibatch("b"));
        assertTrue(layer.updaterDivideByMinibatch("gamma"));
        assertTrue(layer.updaterDivideByMinibatch("beta"));
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void updatersByParameter(Case c) {
        Adam ratioUpdater = new Adam(0.003);
        org.deeplearning4j.nn.conf.layers.Layer conf = c.conv()
                ? convBuilder(c).batchNorm(true).ratioUpdater(ratioUpdater).build()
                : new TopkDense.Builder().nOut(N_OUT).batchNorm(true).ratioUpdater(ratioUpdater).build();
        MultiLayerNetwork net = network(base().updater(new Sgd(0.1)), c, conf);
        BaseLayer layerConf = (BaseLayer) net.getLayer(0).conf().getLayer();
        assertEquals(ratioUpdater, layerConf.getUpdaterByParam("a"));
        for (String key : new String[] {"importance", "mean", "var"}) {
            assertInstanceOf(NoOp.class, layerConf.getUpdaterByParam(key), key);
        }
        for (String key : new String[] {"W", "b", "gamma", "beta"}) {
            assertEquals(new Sgd(0.1), layerConf.getUpdaterByParam(key), key);
        }

        // DL4J's updater really uses them.
        Map<String, IUpdater> used = new HashMap<>();
        for (UpdaterBlock block : ((MultiLayerUpdater) net.getUpdater()).getUpdaterBlocks()) {
            for (UpdaterBlock.ParamState state : block.getLayersAndVariablesInBlock()) {
                if (state.getLayer() == net.getLayer(0)) {
                    used.put(state.getParamName(), block.getGradientUpdater().getConfig());
                }
            }
        }
        assertEquals(ratioUpdater, used.get("a"));
        assertInstanceOf(NoOp.class, used.get("importance"));
        assertInstanceOf(NoOp.class, used.get("mean"));
        assertInstanceOf(NoOp.class, used.get("var"));
        assertEquals(new Sgd(0.1), used.get("W"));
        assertEquals(new Sgd(0.1), used.get("gamma"));
    }

    @Test
    void theDefaultRatioUpdaterIsAdamAndTheNetworkUpdaterDoesNotReplaceIt() {
        for (org.deeplearning4j.nn.conf.layers.Layer conf : new org.deeplearning4j.nn.conf.layers.Layer[] {
                convBuilder(Case.CONV_NCHW).build(), new TopkDense.Builder().nOut(N_OUT).build()}) {
            MultiLayerNetwork net = network(base().updater(new Sgd(0.1)), conf instanceof TopkConv ? Case.CONV_NCHW : Case.DENSE, conf);
            BaseLayer layerConf = (BaseLayer) net.getLayer(0).conf().getLayer();
            IUpdater ratio = layerConf.getUpdaterByParam("a");
            assertInstanceOf(Adam.class, ratio);
            assertEquals(TopkOptions.DEFAULT_RATIO_LEARNING_RATE, ((Adam) ratio).getLearningRate(), 0.0);
            assertEquals(new Sgd(0.1), layerConf.getUpdaterByParam("W"));
        }
    }

    enum Reg { L2, WEIGHT_DECAY }

    @ParameterizedTest
    @MethodSource("regularizationCases")
    void searchParametersAreNeverRegularised(Case c, Reg reg) {
        NeuralNetConfiguration.Builder builder = reg == Reg.L2 ? base().l2(0.01) : base().weightDecay(0.01);
        MultiLayerNetwork net = network(builder, c, topkLayer(c, Activation.TANH, true, 0.9, 1e-5));
        BaseLayer layerConf = (BaseLayer) net.getLayer(0).conf().getLayer();
        for (String key : new String[] {"a", "importance", "gamma", "beta", "mean", "var"}) {
            List<Regularization> r = layerConf.getRegularizationByParam(key);
            assertTrue(r == null || r.isEmpty(), key + " is regularised: " + r);
        }
        List<Regularization> w = layerConf.getRegularizationByParam("W");
        assertNotNull(w);
        assertFalse(w.isEmpty());
        Class<? extends Regularization> expected = reg == Reg.L2 ? L2Regularization.class : WeightDecay.class;
        for (Regularization r : w) {
            assertTrue(expected.isInstance(r), w.toString());
        }
        // Exactly what DL4J gives its own layer (M2.1 lists a network-wide WeightDecay twice there too).
        org.deeplearning4j.nn.conf.layers.Layer plainLayer = c.conv()
                ? new ConvolutionLayer.Builder(3, 3).nOut(N_OUT).dataFormat(c.format()).build()
                : new DenseLayer.Builder().nOut(N_OUT).build();
        NeuralNetConfiguration.Builder plainBuilder = reg == Reg.L2 ? base().l2(0.01) : base().weightDecay(0.01);
        BaseLayer plainConf = (BaseLayer) network(plainBuilder, c, plainLayer).getLayer(0).conf().getLayer();
        assertEquals(plainConf.getRegularizationByParam("W"), w);
        assertEquals(plainConf.getRegularizationByParam("b"), layerConf.getRegularizationByParam("b"));
    }

    static Stream<Arguments> regularizationCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Case c : Case.values()) {
            for (Reg r : Reg.values()) {
                cases.add(Arguments.of(c, r));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void theNetworkDefaultActivationAppliesWhenTheLayerSetsNone(Case c) {
        MultiLayerNetwork net = network(base().activation(Activation.TANH), c, topkLayer(c, null, false, 0.9, 1e-5));
        SearchableLayer conf = (SearchableLayer) net.getLayer(0).conf().getLayer();
        assertInstanceOf(ActivationTanH.class, conf.getOutputActivation());
        // DL4J's own code path sees the identity: the real activation is applied once, before the mask.
        assertInstanceOf(ActivationIdentity.class, ((BaseLayer) conf).getActivationFn());
        randomBias(net, 15);
        double[] importance = TopkTestSupport.distinctImportances(N_OUT, new Random(16));
        operator(net).setImportance(importance);
        operator(net).setRatio(0.3);
        INDArray x = input(c, 17);
        INDArray expected = handOutput(c, handLinear(c, net, x), null, null, null, 0, Math::tanh,
                TopK.mask(importance, 0.3, N_OUT).soft());
        assertClose(expected, layerOutput(net, x, false), TOL, "tanh from the network default");

        // A layer's own activation wins over the network default.
        MultiLayerNetwork own = network(base().activation(Activation.TANH), c, topkLayer(c, Activation.SIGMOID, false, 0.9, 1e-5));
        IActivation ownActivation = ((SearchableLayer) own.getLayer(0).conf().getLayer()).getOutputActivation();
        assertInstanceOf(ActivationSigmoid.class, ownActivation);
    }

    private static int argMin(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
