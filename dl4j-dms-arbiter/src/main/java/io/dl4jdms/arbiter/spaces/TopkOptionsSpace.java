package io.dl4jdms.arbiter.spaces;

import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOptions;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;

/**
 * The options a top-k operator adds to its DL4J layer ({@link TopkOptions}), each a {@link ParameterSpace}:
 * initial ratio, ratio updater and its learning rate, built-in batch normalisation, its decay and epsilon. An
 * option left unset keeps the layer builder's default. Nested inside {@link TopkConvLayerSpace} and
 * {@link TopkDenseLayerSpace}.
 */
public class TopkOptionsSpace extends CompositeSpace<TopkOptionsSpace.Values> {

    private ParameterSpace<Double> initialRatio;
    private ParameterSpace<IUpdater> ratioUpdater;
    private ParameterSpace<Double> ratioLearningRate;
    private ParameterSpace<Boolean> batchNorm;
    private ParameterSpace<Double> batchNormDecay;
    private ParameterSpace<Double> batchNormEpsilon;

    /** For JSON. */
    protected TopkOptionsSpace() {
    }

    TopkOptionsSpace(ParameterSpace<Double> initialRatio, ParameterSpace<IUpdater> ratioUpdater,
                     ParameterSpace<Double> ratioLearningRate, ParameterSpace<Boolean> batchNorm,
                     ParameterSpace<Double> batchNormDecay, ParameterSpace<Double> batchNormEpsilon) {
        this.initialRatio = initialRatio;
        this.ratioUpdater = ratioUpdater;
        this.ratioLearningRate = ratioLearningRate;
        this.batchNorm = batchNorm;
        this.batchNormDecay = batchNormDecay;
        this.batchNormEpsilon = batchNormEpsilon;
    }

    /** The chosen options; null where the option is not set. */
    public record Values(Double initialRatio, IUpdater ratioUpdater, Boolean batchNorm, Double batchNormDecay,
                         Double batchNormEpsilon) {

        /** Sets the chosen options on a {@code TopkConv} builder. */
        public void applyTo(TopkConv.Builder b) {
            if (initialRatio != null) b.initialRatio(initialRatio);
            if (ratioUpdater != null) b.ratioUpdater(ratioUpdater);
            if (batchNorm != null) b.batchNorm(batchNorm);
            if (batchNormDecay != null) b.batchNormDecay(batchNormDecay);
            if (batchNormEpsilon != null) b.batchNormEpsilon(batchNormEpsilon);
        }

        /** Sets the chosen options on a {@code TopkDense} builder. */
        public void applyTo(TopkDense.Builder b) {
            if (initialRatio != null) b.initialRatio(initialRatio);
            if (ratioUpdater != null) b.ratioUpdater(ratioUpdater);
            if (batchNorm != null) b.batchNorm(batchNorm);
            if (batchNormDecay != null) b.batchNormDecay(batchNormDecay);
            if (batchNormEpsilon != null) b.batchNormEpsilon(batchNormEpsilon);
        }
    }

    @Override
    public Values getValue(double[] values) {
        return new Values(Spaces.valueOrNull(initialRatio, values),
                Spaces.updater(ratioUpdater, ratioLearningRate, TopkOptions.defaultRatioUpdater(), values),
                Spaces.valueOrNull(batchNorm, values), Spaces.valueOrNull(batchNormDecay, values),
                Spaces.valueOrNull(batchNormEpsilon, values));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TopkOptionsSpace)) {
            return false;
        }
        TopkOptionsSpace other = (TopkOptionsSpace) o;
        return Objects.equals(initialRatio, other.initialRatio) && Objects.equals(ratioUpdater, other.ratioUpdater)
                && Objects.equals(ratioLearningRate, other.ratioLearningRate) && Objects.equals(batchNorm, other.batchNorm)
                && Objects.equals(batchNormDecay, other.batchNormDecay)
                && Objects.equals(batchNormEpsilon, other.batchNormEpsilon);
    }

    @Override
    public int hashCode() {
        return Objects.hash(initialRatio, ratioUpdater, ratioLearningRate, batchNorm, batchNormDecay, batchNormEpsilon);
    }

    @Override
    public String toString() {
        return "TopkOptionsSpace(initialRatio=" + initialRatio + ", ratioUpdater=" + ratioUpdater + ", ratioLearningRate="
                + ratioLearningRate + ", batchNorm=" + batchNorm + ", batchNormDecay=" + batchNormDecay
                + ", batchNormEpsilon=" + batchNormEpsilon + ")";
    }

    /** Collects the options inside the layer spaces' builders (see {@link TopkSpaceOptions}). */
    public static final class Builder {
        ParameterSpace<Double> initialRatio;
        ParameterSpace<IUpdater> ratioUpdater;
        ParameterSpace<Double> ratioLearningRate;
        ParameterSpace<Boolean> batchNorm;
        ParameterSpace<Double> batchNormDecay;
        ParameterSpace<Double> batchNormEpsilon;

        TopkOptionsSpace build() {
            return new TopkOptionsSpace(initialRatio, ratioUpdater, ratioLearningRate, batchNorm, batchNormDecay,
                    batchNormEpsilon);
        }
    }
}
