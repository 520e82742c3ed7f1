package io.dl4jdms.layers.impl;

import io.dl4jdms.layers.TopkParamInitializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The output stage's fused kernels ({@link FusedBatchNorm}) against the paths they replace, on one batch: the op
 * chain in float (libnd4j's {@code batchnorm} / {@code batchnorm_bp}, the fast path before the kernels) and the ND4J
 * expressions in double (the reference path). Output, {@code dL/dz}, the mask gradient and the gradients of
 * {@code gamma}, {@code beta} and the running statistics agree within 1e-4 of the largest value.
 */
class FusedOutputStageTest {

    private static final double TOLERANCE = 1e-4;

    @Test
    void convolutionShapedReluStageMatchesOpChainAndDoubleReference() {
        compare(new long[] {6, 5, 4, 3}, new ActivationReLU());
    }

    @Test
    void denseShapedIdentityStageMatchesOpChainAndDoubleReference() {
        compare(new long[] {9, 7}, new ActivationIdentity());
    }

    @Test
    void otherActivationsAndChannelAxesKeepTheOpChain() {
        INDArray z = Nd4j.rand(DataType.FLOAT, 4, 3, 2, 2);
        assertFalse(OutputStage.fused(z, settings(new ActivationReLU(), 1)), "off by default");
        OutputStage.withFusedKernels(true, () -> {
            assertFalse(OutputStage.fused(z, settings(new ActivationReLU6(), 1)), "ReLU6 has no fused kernel");
            assertFalse(OutputStage.fused(z, settings(new ActivationReLU(), 3)), "NHWC has no fused kernel");
            assertFalse(OutputStage.fused(z.permute(0, 2, 3, 1), settings(new ActivationReLU(), 1)), "a permuted view");
            assertFalse(OutputStage.fused(z.castTo(DataType.DOUBLE), settings(new ActivationReLU(), 1)), "double");
            assertTrue(OutputStage.fused(z, settings(new ActivationReLU(), 1)));
            return null;
        });
    }

    private static void compare(long[] shape, IActivation activation) {
        Nd4j.getRandom().setSeed(3);
        int channels = (int) shape[1];
        INDArray z = Nd4j.randn(DataType.FLOAT, shape).muli(2.0).addi(0.7);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, shape);
        // A mask with a removed channel, a kept one and soft values.
        INDArray mask = Nd4j.rand(DataType.FLOAT, channels);
        mask.putScalar(0, 0.0);
        mask.putScalar(1, 1.0);
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put(TopkParamInitializer.GAMMA_KEY, Nd4j.rand(DataType.FLOAT, channels).addi(0.5));
        params.put(TopkParamInitializer.BETA_KEY, Nd4j.randn(DataType.FLOAT, channels).muli(0.3));
        params.put(TopkParamInitializer.MEAN_KEY, Nd4j.randn(DataType.FLOAT, channels).muli(0.1));
        params.put(TopkParamInitializer.VAR_KEY, Nd4j.rand(DataType.FLOAT, channels).addi(0.5));
        OutputStage.Settings settings = settings(activation, 1);
        assertTrue(OutputStage.withFusedKernels(true, () -> OutputStage.fused(z, settings)), "the kernels take this stage");

        Result fused = OutputStage.withFusedKernels(true, () -> fast(z, epsilon, mask, params, settings));
        assertNull(fused.pass.preActivation(), "the fused kernels ran");
        Result chain = OutputStage.withFusedKernels(false, () -> fast(z, epsilon, mask, params, settings));
        assertNotNull(chain.pass.preActivation(), "the op chain ran");

        Map<String, INDArray> doubleParams = new LinkedHashMap<>();
        params.forEach((k, v) -> doubleParams.put(k, v.castTo(DataType.DOUBLE)));
        INDArray zD = z.castTo(DataType.DOUBLE);
        INDArray maskD = mask.castTo(DataType.DOUBLE);
        INDArray outputD = OutputStage.activate(zD.dup(), true, maskD, settings, doubleParams::get);
        Map<String, INDArray> gradsD = gradientViews(DataType.DOUBLE, channels);
        OutputStage.Backprop backD = OutputStage.backprop(zD.dup(), epsilon.castTo(DataType.DOUBLE), maskD, settings,
                doubleParams::get, gradsD::get);

        for (Result r : new Result[] {chain}) {
            assertClose("output vs op chain", r.pass.output(), fused.pass.output());
            assertClose("dL/dz vs op chain", r.back.epsilonZ(), fused.back.epsilonZ());
            assertClose("mask gradient vs op chain", Nd4j.createFromArray(r.back.maskGradient()),
                    Nd4j.createFromArray(fused.back.maskGradient()));
            for (String key : r.grads.keySet()) {
                assertClose("gradient of " + key + " vs op chain", r.grads.get(key), fused.grads.get(key));
            }
        }
        assertClose("output vs double reference", outputD, fused.pass.output());
        assertClose("dL/dz vs double reference", backD.epsilonZ(), fused.back.epsilonZ());
        assertClose("mask gradient vs double reference", Nd4j.createFromArray(backD.maskGradient()),
                Nd4j.createFromArray(fused.back.maskGradient()));
        for (String key : gradsD.keySet()) {
            assertClose("gradient of " + key + " vs double reference", gradsD.get(key), fused.grads.get(key));
        }
    }

    private record Result(OutputStage.Pass pass, OutputStage.Backprop back, Map<String, INDArray> grads) {
    }

    private static Result fast(INDArray z, INDArray epsilon, INDArray mask, Map<String, INDArray> params,
                               OutputStage.Settings settings) {
        OutputStage.Pass pass = OutputStage.train(z, mask, settings, params::get,
                (type, shape) -> Nd4j.createUninitialized(type, shape));
        INDArray output = pass.output().dup();
        Map<String, INDArray> grads = gradientViews(DataType.FLOAT, (int) z.size(1));
        OutputStage.Backprop back = OutputStage.backprop(pass, epsilon, mask, settings, params::get, grads::get);
        return new Result(new OutputStage.Pass(pass.z(), pass.preActivation(), pass.activated(), pass.mean(),
                pass.variance(), output), back, grads);
    }

    /** The layer's gradient views as DL4J lays them out: row vectors. */
    private static Map<String, INDArray> gradientViews(DataType type, int channels) {
        Map<String, INDArray> views = new LinkedHashMap<>();
        for (String key : new String[] {TopkParamInitializer.GAMMA_KEY, TopkParamInitializer.BETA_KEY,
                TopkParamInitializer.MEAN_KEY, TopkParamInitializer.VAR_KEY}) {
            views.put(key, Nd4j.create(type, 1, channels));
        }
        return views;
    }

    private static OutputStage.Settings settings(IActivation activation, int axis) {
        return new OutputStage.Settings(true, 1e-5, 0.9, activation, axis);
    }

    /** max |actual - expected| <= TOLERANCE * max |expected|. */
    private static void assertClose(String what, INDArray expected, INDArray actual) {
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(expected.length());
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(actual.length());
        double scale = e.amaxNumber().doubleValue();
        double diff = a.sub(e).amaxNumber().doubleValue();
        assertTrue(scale > 0, what + ": the expected values are all zero");
        assertTrue(diff <= TOLERANCE * scale, what + ": max |diff| " + diff + " > " + TOLERANCE + " x " + scale);
    }
}
