package io.dl4jdms.trainingfree;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Random;

/**
 * The length distortion {@code L^E} of As-ViT (Chen et al., ICLR 2022): the length of the image of a circle of
 * input space in feature space, {@code L^E = sum_n || d f(x(theta_n)) / d theta ||_2}. Higher means a more
 * expressive network.
 *
 * <p>As the authors compute it: {@code theta_n = linspace(0, 2 pi, n)} (both ends included, default n = 10),
 * {@code x(theta) = u1 cos theta + u2 sin theta} with {@code u1, u2} two orthonormal directions of input space
 * (Gram-Schmidt of two Gaussian vectors: the same distribution as the authors' SVD), a unit-radius circle;
 * features at the input of the output layer by default; every batch normalisation turned into the identity
 * (inference mode with gamma 1, beta 0, mean 0 and variance {@code 1 - epsilon}: exactly the identity, not
 * removed from the configuration); no {@code delta theta} factor. The derivative along the circle is the
 * directional derivative of {@code f} along {@code dx/dtheta}, taken by a central difference in double
 * precision (all {@code 2n} points in one forward pass). The score is the mean over {@code initialisations}
 * freshly initialised networks of the configuration (seeds {@code seed, seed + 1, ...}); the weights of the
 * network passed in are not used.
 *
 * <pre>{@code
 * double le = LengthDistortion.builder().points(10).initialisations(5).seed(1).build().score(net, InputType.convolutional(28, 28, 1));
 * }</pre>
 */
public final class LengthDistortion {

    private final int points;
    private final int initialisations;
    private final long seed;
    private final String featureVertex;
    private final double step;

    private LengthDistortion(Builder b) {
        this.points = b.points;
        this.initialisations = b.initialisations;
        this.seed = b.seed;
        this.featureVertex = b.featureVertex;
        this.step = b.step;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The mean {@code L^E} over the initialisations of {@code model}'s configuration, for inputs of type
     * {@code input} (one example: e.g. {@code InputType.convolutional(28, 28, 1)}).
     *
     * @throws IllegalArgumentException naming the feature vertex if it does not exist
     * @throws ArithmeticException      naming the initialisation whose features are not finite
     */
    public double score(Model model, InputType input) {
        return Arrays.stream(scores(model, input)).average().orElseThrow();
    }

    /** {@code L^E} of each initialisation, in seed order. */
    public double[] scores(Model model, InputType input) {
        long[] shape = inputShape(input);
        double[] values = new double[initialisations];
        for (int r = 0; r < initialisations; r++) {
            FeatureGraph features = FeatureGraph.initialised(model, featureVertex, seed + r).identityNormalisation();
            INDArray[] u = directions(shape, new Random(seed + r));
            values[r] = alongCircle(features, u[0], u[1], "initialisation " + r + " (seed " + (seed + r) + ")");
        }
        return values;
    }

    /**
     * {@code L^E} of one network with its current weights along the circle spanned by the orthonormal
     * {@code u1, u2} (each one example's input shape, batch dimension 1). The network is used as it is: in
     * inference mode, its normalisation untouched.
     *
     * @throws ArithmeticException if the features are not finite
     */
    public double alongCircle(Model model, INDArray u1, INDArray u2) {
        return alongCircle(FeatureGraph.of(model, featureVertex), u1, u2, "the network");
    }

    private double alongCircle(FeatureGraph features, INDArray u1, INDArray u2, String which) {
        INDArray a = u1.castTo(DataType.DOUBLE);
        INDArray b = u2.castTo(DataType.DOUBLE);
        long[] shape = a.shape().clone();
        shape[0] = 2L * points;
        INDArray batch = Nd4j.create(DataType.DOUBLE, shape);
        for (int n = 0; n < points; n++) {
            double theta = points == 1 ? 0 : 2 * Math.PI * n / (points - 1);
            INDArray x = a.mul(Math.cos(theta)).addi(b.mul(Math.sin(theta)));
            INDArray tangent = a.mul(-Math.sin(theta)).addi(b.mul(Math.cos(theta)));
            batch.get(NDArrayIndex.interval(2 * n, 2 * n + 1))
                    .assign(x.add(tangent.mul(step)));
            batch.get(NDArrayIndex.interval(2 * n + 1, 2 * n + 2))
                    .assign(x.sub(tangent.mul(step)));
        }
        INDArray f = features.features(batch, false);
        double length = 0;
        for (int n = 0; n < points; n++) {
            INDArray derivative = f.getRow(2 * n).sub(f.getRow(2 * n + 1)).divi(2 * step);
            length += derivative.norm2Number().doubleValue();
        }
        if (!Double.isFinite(length)) {
            throw new ArithmeticException("length distortion of " + which + " at feature vertex '" + features.vertex()
                    + "' is " + length + ": the network's features are not finite");
        }
        return length;
    }

    private static long[] inputShape(InputType input) {
        if (input == null) {
            throw new IllegalArgumentException("length distortion needs the network's input type, got null");
        }
        long[] shape = input.getShape(true);
        shape[0] = 1;
        return shape;
    }

    /**
     * Two orthonormal directions of an input of {@code shape} (batch dimension 1): Gram-Schmidt of two
     * Gaussian vectors drawn from {@code random}.
     */
    public static INDArray[] directions(long[] shape, Random random) {
        long size = 1;
        for (long s : shape) {
            size *= s;
        }
        double[] a = new double[(int) size];
        double[] b = new double[(int) size];
        for (int i = 0; i < size; i++) {
            a[i] = random.nextGaussian();
            b[i] = random.nextGaussian();
        }
        normalise(a);
        double dot = 0;
        for (int i = 0; i < size; i++) {
            dot += a[i] * b[i];
        }
        for (int i = 0; i < size; i++) {
            b[i] -= dot * a[i];
        }
        normalise(b);
        return new INDArray[] {Nd4j.create(a, shape, DataType.DOUBLE), Nd4j.create(b, shape, DataType.DOUBLE)};
    }

    private static void normalise(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
    }

    /** Settings of {@link LengthDistortion}; each setter checks its value. */
    public static final class Builder {

        private int points = 10;
        private int initialisations = 5;
        private long seed = 0;
        private String featureVertex;
        private double step = 1e-4;

        private Builder() {
        }

        /** The points on the circle, {@code linspace(0, 2 pi, n)}; at least 2, default 10. */
        public Builder points(int points) {
            if (points < 2) {
                throw new IllegalArgumentException("points must be at least 2, got " + points);
            }
            this.points = points;
            return this;
        }

        /** The random initialisations averaged; at least 1, default 5. */
        public Builder initialisations(int initialisations) {
            if (initialisations < 1) {
                throw new IllegalArgumentException("initialisations must be at least 1, got " + initialisations);
            }
            this.initialisations = initialisations;
            return this;
        }

        /** The seed of the first initialisation and its directions; default 0. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The vertex (graph) or layer index (layer stack) whose output is the feature vector; null (default) is
         * the input of the output layer.
         */
        public Builder featureVertex(String featureVertex) {
            this.featureVertex = featureVertex;
            return this;
        }

        /** The step of the central difference along the tangent; in (0, 0.1], default 1e-4. */
        public Builder step(double step) {
            if (!(step > 0 && step <= 0.1)) {
                throw new IllegalArgumentException("step must be in (0, 0.1], got " + step);
            }
            this.step = step;
            return this;
        }

        public LengthDistortion build() {
            return new LengthDistortion(this);
        }
    }
}
