package io.dl4jdms.layers.impl;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

import java.nio.FloatBuffer;

/**
 * The output stage's training pass ({@code out = mask * activation(batchNorm(z))}, batch statistics) and its
 * backprop as two passes over the activations each, in float, for ReLU and the identity, with the channel on axis 1
 * of a {@code [N, C]} or {@code [N, C, H, W]} array in plain {@code c} order.
 *
 * <p>Forward: one pass sums {@code z} and {@code z^2} per channel (in double), one pass writes the activated array and
 * the output. Backward, with {@code g = dL/dout * activation'} (the mask, one factor per channel, is folded into the
 * per-channel coefficients): one pass sums {@code dL/dout * activated} (the mask gradient), {@code g} and {@code g * z}
 * per channel, one pass writes {@code dL/dz = k1 g + k2 z + k3}, the closed form of the normalisation's backprop
 * {@code gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat))}. libnd4j's {@code batchnorm_bp} makes about ten
 * passes for the same result (with oneDNN it still adds the mean and variance terms in eight passes of its own).
 *
 * <p>The arrays are read and written through their off-heap buffers; {@link #supports} says whether an array can be
 * (float, plain {@code c} order, not a view at an offset). {@link OutputStage} takes this path when every array does and
 * checks it against the reference path in the tests. Public for the benchmarks.
 */
public final class FusedBatchNorm {

    private FusedBatchNorm() {
    }

    /** Whether the stage's activation has a fused form here (ReLU, identity). */
    public static boolean supportsActivation(IActivation activation) {
        return activation instanceof ActivationReLU relu ? isPlainRelu(relu) : activation instanceof ActivationIdentity;
    }

    private static boolean isPlainRelu(ActivationReLU relu) {
        // ActivationReLU with its defaults: no maximum, threshold 0, negative slope 0.
        return relu.equals(new ActivationReLU());
    }

    /** Whether {@code x} can be read and written in place: float, rank 2 or 4, plain c order, no offset. */
    public static boolean supports(INDArray x) {
        return x != null && x.dataType() == DataType.FLOAT && (x.rank() == 2 || x.rank() == 4) && x.ordering() == 'c'
                && Shape.hasDefaultStridesForShape(x) && x.offset() == 0 && x.data().offset() == 0
                && x.length() < Integer.MAX_VALUE && buffer(x) != null;
    }

    /**
     * The training forward pass: the batch mean and (biased) variance per channel into {@code mean} and
     * {@code variance}, {@code activated = activation(gamma * (z - mean) / sqrt(variance + epsilon) + beta)} and
     * {@code output = mask * activated}. Without a mask (null) the mask is 1; {@code activated} may then be null (not
     * written).
     */
    public static void forward(INDArray z, INDArray gamma, INDArray beta, INDArray mask, double epsilon, boolean relu,
                        INDArray mean, INDArray variance, INDArray activated, INDArray output) {
        int length = (int) z.length();
        float[] zb = read(z, 0);
        float[] ab = activated == null ? null : scratch(1, length);
        float[] ob = scratch(2, length);
        int n = (int) z.size(0);
        int c = (int) z.size(1);
        int s = (int) (z.length() / ((long) n * c));
        double[] sum = new double[c];
        double[] squares = new double[c];
        for (int e = 0, base = 0; e < n; e++) {
            for (int ch = 0; ch < c; ch++, base += s) {
                double t = 0;
                double q = 0;
                for (int i = base, end = base + s; i < end; i++) {
                    double v = zb[i];
                    t += v;
                    q += v * v;
                }
                sum[ch] += t;
                squares[ch] += q;
            }
        }
        double count = (double) n * s;
        float[] scale = new float[c];
        float[] shift = new float[c];
        float[] m = maskValues(mask, c);
        float[] g = gamma.toFloatVector();
        float[] b = beta.toFloatVector();
        for (int ch = 0; ch < c; ch++) {
            double mu = sum[ch] / count;
            double var = Math.max(0.0, squares[ch] / count - mu * mu);
            mean.putScalar(ch, mu);
            variance.putScalar(ch, var);
            double a = g[ch] / Math.sqrt(var + epsilon);
            scale[ch] = (float) a;
            shift[ch] = (float) (b[ch] - mu * a);
        }
        for (int e = 0, base = 0; e < n; e++) {
            for (int ch = 0; ch < c; ch++, base += s) {
                float a = scale[ch];
                float sh = shift[ch];
                float mk = m[ch];
                if (relu) {
                    for (int i = base, end = base + s; i < end; i++) {
                        ob[i] = Math.max(a * zb[i] + sh, 0f);
                    }
                } else {
                    for (int i = base, end = base + s; i < end; i++) {
                        ob[i] = a * zb[i] + sh;
                    }
                }
                if (ab != null) {
                    System.arraycopy(ob, base, ab, base, s);
                }
                if (mk != 1f) {
                    for (int i = base, end = base + s; i < end; i++) {
                        ob[i] *= mk;
                    }
                }
            }
        }
        if (ab != null) {
            write(ab, activated);
        }
        write(ob, output);
    }

    /**
     * Backprop of {@link #forward}: {@code dL/dz} into {@code epsilonZ}, the gradients of {@code gamma} and
     * {@code beta} into {@code dGamma} and {@code dBeta} (vectors); returns {@code dL/dmask_c = sum(eps * activated)}.
     * Without a mask (null: 1) and with the identity, {@code activated} may be null; the mask gradient is then null.
     *
     * @param epsilon dL/d(output), plain c order (see {@link #supports})
     */
    public static double[] backward(INDArray z, INDArray activated, INDArray epsilon, INDArray mask, INDArray gamma,
                             INDArray mean, INDArray variance, double normEpsilon, boolean relu, INDArray epsilonZ,
                             INDArray dGamma, INDArray dBeta) {
        if (activated == null && relu) {
            throw new IllegalArgumentException("ReLU's backprop needs the activated array");
        }
        int length = (int) z.length();
        float[] zb = read(z, 0);
        float[] ab = activated == null ? null : read(activated, 1);
        float[] eb = read(epsilon, 2);
        float[] db = scratch(3, length);
        int n = (int) z.size(0);
        int c = (int) z.size(1);
        int s = (int) (z.length() / ((long) n * c));
        double[] maskGradient = new double[c];
        double[] sumG = new double[c];
        double[] sumGz = new double[c];
        for (int e = 0, base = 0; e < n; e++) {
            for (int ch = 0; ch < c; ch++, base += s) {
                double mg = 0;
                double sg = 0;
                double sgz = 0;
                if (ab == null) {
                    for (int i = base, end = base + s; i < end; i++) {
                        float eps = eb[i];
                        sg += eps;
                        sgz += (double) eps * zb[i];
                    }
                } else {
                    for (int i = base, end = base + s; i < end; i++) {
                        float eps = eb[i];
                        float act = ab[i];
                        mg += eps * act;
                        float gi = eps;
                        if (relu) {
                            // eps where act > 0, else 0, without a branch (about half of a ReLU's outputs are 0, in
                            // no order a branch predictor learns): act >= 0, so its bits are > 0 exactly when act > 0.
                            int keep = -Float.floatToRawIntBits(act) >> 31;
                            gi = Float.intBitsToFloat(Float.floatToRawIntBits(eps) & keep);
                            db[i] = gi;
                        }
                        sg += gi;
                        sgz += gi * zb[i];
                    }
                }
                maskGradient[ch] += mg;
                sumG[ch] += sg;
                sumGz[ch] += sgz;
            }
        }
        double count = (double) n * s;
        float[] m = maskValues(mask, c);
        float[] g = gamma.toFloatVector();
        float[] mu = mean.toFloatVector();
        float[] var = variance.toFloatVector();
        float[] k1 = new float[c];
        float[] k2 = new float[c];
        float[] k3 = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double invStd = 1.0 / Math.sqrt(var[ch] + normEpsilon);
            // With the mask folded in: dy = mask * g, so sum(dy) = mask * sum(g), sum(dy * z) = mask * sum(g * z).
            double betaGradient = m[ch] * sumG[ch];
            double gammaGradient = invStd * (m[ch] * sumGz[ch] - mu[ch] * betaGradient);
            dBeta.putScalar(ch, betaGradient);
            dGamma.putScalar(ch, gammaGradient);
            double a = g[ch] * invStd;
            k1[ch] = (float) (a * m[ch]);
            k2[ch] = (float) (-a * invStd * gammaGradient / count);
            k3[ch] = (float) (-a * betaGradient / count + a * invStd * gammaGradient / count * mu[ch]);
        }
        for (int e = 0, base = 0; e < n; e++) {
            for (int ch = 0; ch < c; ch++, base += s) {
                float a1 = k1[ch];
                float a2 = k2[ch];
                float a3 = k3[ch];
                // With ReLU the first pass left the gated epsilon in db.
                float[] g0 = relu ? db : eb;
                for (int i = base, end = base + s; i < end; i++) {
                    db[i] = a1 * g0[i] + a2 * zb[i] + a3;
                }
            }
        }
        write(db, epsilonZ);
        return ab == null ? null : maskGradient;
    }

    private static float[] maskValues(INDArray mask, int channels) {
        if (mask == null) {
            float[] ones = new float[channels];
            java.util.Arrays.fill(ones, 1f);
            return ones;
        }
        return mask.toFloatVector();
    }

    /**
     * Per thread, four scratch arrays on the Java heap that grow as needed: the kernels copy an array's elements in
     * (one bulk copy), loop over plain {@code float[]}s (which the JIT compiles to vector instructions) and copy the
     * results out; reading the off-heap buffer element by element is several times slower.
     */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][0]);

    private static float[] scratch(int slot, int length) {
        float[][] arrays = SCRATCH.get();
        if (arrays[slot].length < length) {
            arrays[slot] = new float[length];
        }
        return arrays[slot];
    }

    /** The elements of {@code x} (see {@link #supports}) in scratch array {@code slot}. */
    static float[] read(INDArray x, int slot) {
        int length = (int) x.length();
        float[] a = scratch(slot, length);
        buffer(x).get(0, a, 0, length);
        return a;
    }

    /** Writes the first {@code x.length()} values of {@code values} into {@code x} (see {@link #supports}). */
    static void write(float[] values, INDArray x) {
        buffer(x).put(0, values, 0, (int) x.length());
    }

    /** The array's elements as a float buffer from its first element, or null if the buffer is not that. */
    private static FloatBuffer buffer(INDArray x) {
        try {
            FloatBuffer b = x.data().asNioFloat();
            if (b == null || b.position() != 0 || b.capacity() < x.length()) {
                return null;
            }
            return b;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
