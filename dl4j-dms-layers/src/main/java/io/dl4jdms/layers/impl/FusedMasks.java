package io.dl4jdms.layers.impl;

import io.dl4jdms.layers.OneDnn;
import org.nd4j.linalg.api.ndarray.INDArray;


/**
 * The mask vertices' products and their gradients in one pass over the activations each, in float, for arrays in
 * plain {@code c} order ({@link FusedBatchNorm#supports}): {@link WidthMaskVertex} with the channels on axis 1
 * ({@code [N, C]} or NCHW), {@link GatedResidual} with one gate per example. The op chains they replace make two
 * (forward of the residual) and two or three (backward) passes. Taken on the fast path only ({@link OneDnn}), so the
 * reference path keeps the op chains.
 */
final class FusedMasks {

    private FusedMasks() {
    }

    /** Whether the kernels take these arrays: the fast path in float and every array readable in place. */
    static boolean applies(INDArray... arrays) {
        if (!OneDnn.fastPathFor(arrays[0].dataType())) {
            return false;
        }
        for (INDArray a : arrays) {
            if (!FusedBatchNorm.supports(a)) {
                return false;
            }
        }
        return true;
    }

    /** {@code out[n, c, ...] = x[n, c, ...] * mask[n, c]}. */
    static void widthMaskForward(INDArray x, INDArray mask, INDArray out) {
        float[] xb = FusedBatchNorm.read(x, 0);
        float[] mb = mask.reshape(mask.length()).toFloatVector();
        int blocks = mb.length;
        int s = (int) (x.length() / blocks);
        for (int k = 0, base = 0; k < blocks; k++, base += s) {
            float m = mb[k];
            for (int i = base, end = base + s; i < end; i++) {
                xb[i] *= m;
            }
        }
        FusedBatchNorm.write(xb, out);
    }

    /** {@code epsilonX = eps * mask[n, c]} and {@code epsilonMask[n, c] = sum(eps * x)} over the positions. */
    static void widthMaskBackward(INDArray epsilon, INDArray x, INDArray mask, INDArray epsilonX, INDArray epsilonMask) {
        float[] eb = FusedBatchNorm.read(epsilon, 0);
        float[] xb = FusedBatchNorm.read(x, 1);
        float[] mb = mask.reshape(mask.length()).toFloatVector();
        int blocks = mb.length;
        int s = (int) (x.length() / blocks);
        float[] gradient = new float[blocks];
        for (int k = 0, base = 0; k < blocks; k++, base += s) {
            float m = mb[k];
            double sum = 0;
            for (int i = base, end = base + s; i < end; i++) {
                sum += eb[i] * xb[i];
            }
            for (int i = base, end = base + s; i < end; i++) {
                eb[i] *= m;
            }
            gradient[k] = (float) sum;
        }
        FusedBatchNorm.write(eb, epsilonX);
        FusedBatchNorm.write(gradient, epsilonMask);
    }

    /** {@code out[n, ...] = x[n, ...] + gate[n] * branch[n, ...]}. */
    static void gatedForward(INDArray x, INDArray branch, INDArray gate, INDArray out) {
        float[] xb = FusedBatchNorm.read(x, 0);
        float[] bb = FusedBatchNorm.read(branch, 1);
        float[] g = gate.toFloatVector();
        int s = (int) (x.length() / g.length);
        for (int k = 0, base = 0; k < g.length; k++, base += s) {
            float gk = g[k];
            for (int i = base, end = base + s; i < end; i++) {
                xb[i] += gk * bb[i];
            }
        }
        FusedBatchNorm.write(xb, out);
    }

    /**
     * {@code epsilonX = eps}, {@code epsilonBranch = gate[n] * eps}; returns {@code sum(eps * branch)} per example.
     */
    static double[] gatedBackward(INDArray epsilon, INDArray branch, INDArray gate, INDArray epsilonX,
                                  INDArray epsilonBranch) {
        float[] eb = FusedBatchNorm.read(epsilon, 0);
        float[] bb = FusedBatchNorm.read(branch, 1);
        FusedBatchNorm.write(eb, epsilonX);
        float[] g = gate.toFloatVector();
        int s = (int) (epsilon.length() / g.length);
        double[] perExample = new double[g.length];
        for (int k = 0, base = 0; k < g.length; k++, base += s) {
            float gk = g[k];
            double sum = 0;
            for (int i = base, end = base + s; i < end; i++) {
                sum += eb[i] * bb[i];
            }
            for (int i = base, end = base + s; i < end; i++) {
                bb[i] = gk * eb[i];
            }
            perExample[k] = sum;
        }
        FusedBatchNorm.write(bb, epsilonBranch);
        return perExample;
    }
}
