package io.dl4jdms.trainingfree;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The condition number {@code kappa = lambda_max / lambda_min} of the neural tangent kernel of As-ViT (Chen et
 * al., ICLR 2022) on one minibatch of real images: row {@code i} of {@code J} is the gradient of the sum of the
 * features of image {@code i} with respect to the weight parameters, {@code Theta = J J^T}. Lower means a more
 * trainable network.
 *
 * <p>As the authors compute it: the network with its own weights (at initialisation), in training mode, so batch
 * normalisation uses the statistics of the whole minibatch and each row's gradient flows through them (one
 * forward and backward pass of the whole minibatch per row, the error one on that row's features and zero
 * elsewhere); features at
 * the input of the output layer by default ({@link Builder#logits()}: the output layer without its activation,
 * as TE-NAS); weights are the parameters keyed {@code W} (dense, convolution, depthwise), {@code pW}
 * (separable pointwise) and {@code RW} (recurrent), not biases, normalisation or this project's search
 * parameters. The passes run in float by default (as the authors' code; the oneDNN fast path), or in double
 * ({@link Builder#dataType}); {@code Theta} and its eigenvalues ({@link SymmetricEigen Jacobi rotations}) are
 * always computed in double.
 *
 * <p>A non-finite {@code Theta} or one with {@code lambda_min <= 1e-12 lambda_max} is reported as
 * {@link Status#NOT_FINITE} or {@link Status#SINGULAR}, with {@code kappa} NaN or infinite: {@link Ranking}
 * ranks such networks last.
 */
public final class NtkCondition {

    /** {@code lambda_min} at or below this fraction of {@code lambda_max} counts as singular. */
    public static final double SINGULAR_RATIO = 1e-12;

    /** The parameter keys counted as weights by default. */
    public static final Set<String> DEFAULT_WEIGHT_KEYS = Set.of("W", "pW", "RW");

    private final String featureVertex;
    private final Set<String> weightKeys;
    private final DataType dataType;

    private NtkCondition(Builder b) {
        this.featureVertex = b.featureVertex;
        this.weightKeys = b.weightKeys;
        this.dataType = b.dataType;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What became of a condition number. */
    public enum Status {
        /** {@code Theta} is finite and positive definite: {@code kappa} is finite. */
        FINITE,
        /** {@code Theta} holds NaN or infinite entries: {@code kappa} is NaN. */
        NOT_FINITE,
        /** {@code lambda_min <= 1e-12 lambda_max}: {@code kappa} is infinite. */
        SINGULAR
    }

    /**
     * A condition number and how it came about.
     *
     * @param kappa     {@code lambda_max / lambda_min}; NaN if not finite, infinite if singular
     * @param lambdaMax the largest eigenvalue of {@code Theta} (NaN if not finite)
     * @param lambdaMin the smallest eigenvalue of {@code Theta} (NaN if not finite)
     * @param status    whether {@code kappa} is usable
     */
    public record Result(double kappa, double lambdaMax, double lambdaMin, Status status) {

        /** Whether {@code kappa} is a finite number a ranking can use. */
        public boolean isFinite() {
            return status == Status.FINITE;
        }
    }

    /**
     * The condition number of {@code model}'s kernel on {@code images} (one row per image, at least 2).
     *
     * @throws IllegalArgumentException for fewer than 2 images, a feature vertex that does not exist, or a
     *                                  network with no weight parameters before the feature vertex
     */
    public Result score(Model model, INDArray images) {
        return of(kernel(model, images));
    }

    /** {@code Theta = J J^T} of {@code model} on {@code images}, {@code [n, n]} in double. */
    public INDArray kernel(Model model, INDArray images) {
        if (images == null || images.rank() < 2 || images.size(0) < 2) {
            throw new IllegalArgumentException("the NTK condition number needs a batch of at least 2 images, got "
                    + (images == null ? "none" : images.rank() < 2 ? "an array of rank " + images.rank()
                    : images.size(0) + " image(s)"));
        }
        INDArray jacobian = jacobian(FeatureGraph.of(model, featureVertex), images.castTo(dataType));
        return jacobian.mmul(jacobian.transpose());
    }

    /** The condition number of a kernel matrix. */
    public static Result of(INDArray theta) {
        int n = (int) theta.rows();
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = theta.getRow(i).toDoubleVector();
            for (double v : m[i]) {
                if (!Double.isFinite(v)) {
                    return new Result(Double.NaN, Double.NaN, Double.NaN, Status.NOT_FINITE);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double mean = (m[i][j] + m[j][i]) / 2;
                m[i][j] = mean;
                m[j][i] = mean;
            }
        }
        double[] eigenvalues = SymmetricEigen.eigenvalues(m);
        double min = eigenvalues[0];
        double max = eigenvalues[n - 1];
        if (!(max > 0) || min <= SINGULAR_RATIO * max) {
            return new Result(Double.POSITIVE_INFINITY, max, min, Status.SINGULAR);
        }
        return new Result(max / min, max, min, Status.FINITE);
    }

    /** {@code J}: one row per image, the gradient of its summed features with respect to every weight. */
    private INDArray jacobian(FeatureGraph features, INDArray images) {
        ComputationGraph graph = features.graph();
        List<String> keys = weightKeys(graph, features.vertex());
        long columns = 0;
        for (String key : keys) {
            columns += graph.getParam(key).length();
        }
        int n = (int) images.size(0);
        INDArray jacobian = Nd4j.create(DataType.DOUBLE, n, columns);
        if (dataType != graph.params().dataType()) {
            graph = graph.convertDataType(dataType);
        }
        long[] shape = graph.feedForward(new INDArray[] {images}, false, true).get(features.vertex()).shape();
        ComputationGraph loss = shape.length == 2 ? features.withSelectedSumLoss(dataType) : null;
        for (int i = 0; i < n; i++) {
            INDArray error = Nd4j.zeros(dataType, shape);
            error.get(NDArrayIndex.point(i)).assign(1.0);
            Gradient gradient;
            if (loss != null) {
                // DL4J's own training pass (with its workspaces): the loss's gradient is the error
                loss.setInputs(images);
                loss.setLabels(error);
                loss.computeGradientAndScore();
                gradient = loss.gradient();
            } else {
                // backpropGradient clears every vertex's input, so each row needs its own forward pass
                graph.feedForward(new INDArray[] {images}, true, false);
                gradient = graph.backpropGradient(error);
            }
            long at = 0;
            for (String key : keys) {
                INDArray g = gradient.getGradientFor(key);
                long length = g.length();
                jacobian.get(NDArrayIndex.point(i), NDArrayIndex.interval(at, at + length))
                        .assign(g.reshape(length));
                at += length;
            }
        }
        graph.clearLayersStates();
        return jacobian;
    }

    private List<String> weightKeys(ComputationGraph graph, String vertex) {
        List<String> keys = new ArrayList<>();
        for (GraphVertex v : graph.getVertices()) {
            if (!v.hasLayer()) {
                continue;
            }
            for (String param : v.getLayer().paramTable().keySet()) {
                if (weightKeys.contains(param)) {
                    keys.add(v.getVertexName() + "_" + param);
                }
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no weight parameters (keys " + weightKeys + ") before feature vertex '"
                    + vertex + "'");
        }
        return keys;
    }

    /** Settings of {@link NtkCondition}. */
    public static final class Builder {

        private String featureVertex;
        private Set<String> weightKeys = DEFAULT_WEIGHT_KEYS;
        private DataType dataType = DataType.FLOAT;

        private Builder() {
        }

        /**
         * The vertex (graph) or layer index (layer stack) whose output is summed; null (default) is the input of
         * the output layer.
         */
        public Builder featureVertex(String featureVertex) {
            this.featureVertex = featureVertex;
            return this;
        }

        /** Sums the logits instead: the output layer (a dense {@code OutputLayer}) without its activation. */
        public Builder logits() {
            this.featureVertex = FeatureGraph.LOGITS;
            return this;
        }

        /** The parameter keys counted as weights; default {@code W}, {@code pW}, {@code RW}. */
        public Builder weightKeys(String... keys) {
            if (keys.length == 0) {
                throw new IllegalArgumentException("weightKeys must name at least one parameter key");
            }
            this.weightKeys = Set.of(keys);
            return this;
        }

        /**
         * The precision of the forward and backward passes: {@code FLOAT} (default; the oneDNN fast path) or
         * {@code DOUBLE} (exact comparisons).
         */
        public Builder dataType(DataType dataType) {
            if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
                throw new IllegalArgumentException("NtkCondition: dataType must be FLOAT or DOUBLE, got " + dataType);
            }
            this.dataType = dataType;
            return this;
        }

        public NtkCondition build() {
            return new NtkCondition(this);
        }
    }
}
