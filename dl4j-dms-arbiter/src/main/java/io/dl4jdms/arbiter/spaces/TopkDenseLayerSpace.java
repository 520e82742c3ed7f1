package io.dl4jdms.arbiter.spaces;

import io.dl4jdms.layers.TopkDense;
import org.deeplearning4j.arbiter.layers.FeedForwardLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;

/**
 * An Arbiter layer space for {@link TopkDense}: every option of Arbiter's feed-forward layer spaces ({@code nOut},
 * activation, weight init, updater, regularisation, dropout, constraints, ...) and every option
 * {@code TopkDense.Builder} adds (initial ratio, ratio updater and its learning rate, built-in batch normalisation
 * with its decay and epsilon), each fixed or a {@link ParameterSpace}. Unset options keep the layer builder's
 * defaults.
 *
 * <pre>{@code
 * new TopkDenseLayerSpace.Builder().nOut(new IntegerParameterSpace(32, 256)).activation(Activation.RELU)
 *         .initialRatio(new ContinuousParameterSpace(0.0, 0.3)).ratioLearningRate(new ContinuousParameterSpace(1e-3, 1e-1))
 *         .batchNorm(new BooleanSpace()).build();
 * }</pre>
 */
public class TopkDenseLayerSpace extends FeedForwardLayerSpace<TopkDense> {

    private TopkOptionsSpace topk;

    /** For JSON. */
    protected TopkDenseLayerSpace() {
    }

    protected TopkDenseLayerSpace(Builder builder) {
        super(builder);
        this.topk = builder.topk.build();
        // The base constructor counted the leaves before this class's options were set.
        this.numParameters = Spaces.countParameters(this);
    }

    @Override
    public TopkDense getValue(double[] values) {
        TopkDense.Builder b = new TopkDense.Builder();
        setLayerOptionsBuilder(b, values);
        topk.getValue(values).applyTo(b);
        return b.build();
    }

    public TopkOptionsSpace getTopk() {
        return topk;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TopkDenseLayerSpace) || !super.equals(o)) {
            return false;
        }
        TopkDenseLayerSpace other = (TopkDenseLayerSpace) o;
        return Objects.equals(topk, other.topk);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hash(topk);
    }

    @Override
    public String toString() {
        return "TopkDenseLayerSpace(" + topk + ", " + super.toString(", ") + ")";
    }

    /** Builds a {@link TopkDenseLayerSpace}. */
    public static class Builder extends FeedForwardLayerSpace.Builder<Builder> {

        private final TopkOptionsSpace.Builder topk = new TopkOptionsSpace.Builder();

        /** The ratio {@code a} to start from, in [0, 1). */
        public Builder initialRatio(double initialRatio) {
            return initialRatio(new FixedValue<>(initialRatio));
        }

        public Builder initialRatio(ParameterSpace<Double> initialRatio) {
            topk.initialRatio = initialRatio;
            return this;
        }

        /** The updater of {@code a}; default that of the layer, Adam(0.01, beta1 0.5). */
        public Builder ratioUpdater(IUpdater updater) {
            return ratioUpdater(new FixedValue<>(updater));
        }

        public Builder ratioUpdater(ParameterSpace<IUpdater> updater) {
            topk.ratioUpdater = updater;
            return this;
        }

        /** The learning rate of the ratio updater (replaces the chosen updater's own). */
        public Builder ratioLearningRate(double learningRate) {
            return ratioLearningRate(new FixedValue<>(learningRate));
        }

        public Builder ratioLearningRate(ParameterSpace<Double> learningRate) {
            topk.ratioLearningRate = learningRate;
            return this;
        }

        /** Built-in batch normalisation between the affine map and the activation. */
        public Builder batchNorm(boolean batchNorm) {
            return batchNorm(new FixedValue<>(batchNorm));
        }

        public Builder batchNorm(ParameterSpace<Boolean> batchNorm) {
            topk.batchNorm = batchNorm;
            return this;
        }

        public Builder batchNormDecay(double decay) {
            return batchNormDecay(new FixedValue<>(decay));
        }

        public Builder batchNormDecay(ParameterSpace<Double> decay) {
            topk.batchNormDecay = decay;
            return this;
        }

        public Builder batchNormEpsilon(double epsilon) {
            return batchNormEpsilon(new FixedValue<>(epsilon));
        }

        public Builder batchNormEpsilon(ParameterSpace<Double> epsilon) {
            topk.batchNormEpsilon = epsilon;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TopkDenseLayerSpace build() {
            return new TopkDenseLayerSpace(this);
        }
    }
}
