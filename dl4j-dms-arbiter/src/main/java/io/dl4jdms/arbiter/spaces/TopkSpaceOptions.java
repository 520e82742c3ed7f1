package io.dl4jdms.arbiter.spaces;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The top-k options of the {@link TopkConvLayerSpace} and {@link TopkDenseLayerSpace} builders, each fixed or a
 * {@link ParameterSpace}.
 *
 * @param <B> the builder, returned by every option
 */
public interface TopkSpaceOptions<B extends TopkSpaceOptions<B>> {

    /** Where the builder collects the options. */
    TopkOptionsSpace.Builder topkOptions();

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The ratio {@code a} to start from, in [0, 1). */
    default B initialRatio(double initialRatio) {
        return initialRatio(new FixedValue<>(initialRatio));
    }

    default B initialRatio(ParameterSpace<Double> initialRatio) {
        topkOptions().initialRatio = initialRatio;
        return self();
    }

    /** The updater of {@code a}; default that of the layer, Adam(0.01, beta1 0.5). */
    default B ratioUpdater(IUpdater updater) {
        return ratioUpdater(new FixedValue<>(updater));
    }

    default B ratioUpdater(ParameterSpace<IUpdater> updater) {
        topkOptions().ratioUpdater = updater;
        return self();
    }

    /** The learning rate of the ratio updater (replaces the chosen updater's own). */
    default B ratioLearningRate(double learningRate) {
        return ratioLearningRate(new FixedValue<>(learningRate));
    }

    default B ratioLearningRate(ParameterSpace<Double> learningRate) {
        topkOptions().ratioLearningRate = learningRate;
        return self();
    }

    /** Built-in batch normalisation between the layer's linear map and the activation. */
    default B batchNorm(boolean batchNorm) {
        return batchNorm(new FixedValue<>(batchNorm));
    }

    default B batchNorm(ParameterSpace<Boolean> batchNorm) {
        topkOptions().batchNorm = batchNorm;
        return self();
    }

    default B batchNormDecay(double decay) {
        return batchNormDecay(new FixedValue<>(decay));
    }

    default B batchNormDecay(ParameterSpace<Double> decay) {
        topkOptions().batchNormDecay = decay;
        return self();
    }

    default B batchNormEpsilon(double epsilon) {
        return batchNormEpsilon(new FixedValue<>(epsilon));
    }

    default B batchNormEpsilon(ParameterSpace<Double> epsilon) {
        topkOptions().batchNormEpsilon = epsilon;
        return self();
    }
}
