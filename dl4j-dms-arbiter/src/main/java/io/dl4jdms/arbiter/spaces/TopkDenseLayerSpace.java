package io.dl4jdms.arbiter.spaces;

import io.dl4jdms.layers.TopkDense;
import org.deeplearning4j.arbiter.layers.FeedForwardLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

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
    public static class Builder extends FeedForwardLayerSpace.Builder<Builder> implements TopkSpaceOptions<Builder> {

        private final TopkOptionsSpace.Builder topk = new TopkOptionsSpace.Builder();

        @Override
        public TopkOptionsSpace.Builder topkOptions() {
            return topk;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TopkDenseLayerSpace build() {
            return new TopkDenseLayerSpace(this);
        }
    }
}
