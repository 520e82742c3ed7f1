package io.dl4jdms.layers;

import io.dl4jdms.topk.TopK;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.io.Serializable;
import java.util.Objects;

/**
 * The settings a searchable layer adds to its DL4J base layer: the initial ratio {@code a}, the
 * updater of {@code a}, and the optional built-in batch normalisation that places the top-k mask after
 * normalisation and activation. Shared by {@link TopkConv} and {@link TopkDense}; serialised as part
 * of the layer's JSON.
 */
public final class TopkOptions implements Serializable, Cloneable {

    /**
     * The default updater of the ratio {@code a}: Adam with learning rate 0.01 and a short momentum
     * (beta1 0.5), no weight decay. With the usual beta1 0.9 the momentum carried the ratios on past the
     * budget for several iterations after the resource loss let go, and short searches ended about 10%
     * under their budget.
     */
    public static final double DEFAULT_RATIO_LEARNING_RATE = 0.01;
    public static final double DEFAULT_RATIO_BETA1 = 0.5;
    /** The default decay of the built-in batch normalisation's running mean and variance. */
    public static final double DEFAULT_BATCH_NORM_DECAY = 0.9;
    /** The default epsilon added to the batch variance. */
    public static final double DEFAULT_BATCH_NORM_EPSILON = 1e-5;

    private double initialRatio = 0.0;
    private IUpdater ratioUpdater = defaultRatioUpdater();
    private boolean batchNorm = false;
    private double batchNormDecay = DEFAULT_BATCH_NORM_DECAY;
    private double batchNormEpsilon = DEFAULT_BATCH_NORM_EPSILON;

    /** A new instance of the default ratio updater: Adam(lr 0.01, beta1 0.5, beta2 0.999, epsilon 1e-8). */
    public static IUpdater defaultRatioUpdater() {
        return new Adam(DEFAULT_RATIO_LEARNING_RATE, DEFAULT_RATIO_BETA1, Adam.DEFAULT_ADAM_BETA2_VAR_DECAY,
                Adam.DEFAULT_ADAM_EPSILON);
    }

    /** Defaults: ratio 0 (nothing pruned), {@link #defaultRatioUpdater()}, no built-in batch normalisation. */
    public TopkOptions() {
    }

    TopkOptions(double initialRatio, IUpdater ratioUpdater, boolean batchNorm, double batchNormDecay,
                double batchNormEpsilon) {
        this.initialRatio = initialRatio;
        this.ratioUpdater = ratioUpdater;
        this.batchNorm = batchNorm;
        this.batchNormDecay = batchNormDecay;
        this.batchNormEpsilon = batchNormEpsilon;
    }

    /** The value {@code a} starts from, in [0, 1): the fraction of elements pruned at the start. */
    public double getInitialRatio() {
        return initialRatio;
    }

    /** The updater of {@code a} (its own learning rate; {@code a} is never regularised). */
    public IUpdater getRatioUpdater() {
        return ratioUpdater;
    }

    /** Whether the layer normalises its output per channel before the activation and the mask. */
    public boolean isBatchNorm() {
        return batchNorm;
    }

    public double getBatchNormDecay() {
        return batchNormDecay;
    }

    public double getBatchNormEpsilon() {
        return batchNormEpsilon;
    }

    /**
     * Checks every value and the output size, naming the layer and the bad value.
     *
     * @throws IllegalArgumentException on the first bad value
     */
    void validate(String layerType, String layerName, long nOut) {
        String where = LayerSupport.where(layerType, layerName);
        if (nOut <= 0) {
            throw new IllegalArgumentException(where + ": nOut must be positive, got " + nOut);
        }
        if (!(initialRatio >= 0.0 && initialRatio < 1.0)) {
            throw new IllegalArgumentException(where + ": initialRatio must be in [0, 1), got " + initialRatio);
        }
        if (initialRatio > TopK.maxRatio(nOut)) {
            throw new IllegalArgumentException(where + ": initialRatio " + initialRatio
                    + " would prune every one of the " + nOut + " outputs; the largest allowed is " + TopK.maxRatio(nOut));
        }
        if (ratioUpdater == null) {
            throw new IllegalArgumentException(where + ": ratioUpdater must not be null");
        }
        LayerSupport.validateBatchNorm(where, batchNormDecay, batchNormEpsilon);
    }

    @Override
    public TopkOptions clone() {
        try {
            TopkOptions clone = (TopkOptions) super.clone();
            clone.ratioUpdater = ratioUpdater.clone();
            return clone;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TopkOptions)) {
            return false;
        }
        TopkOptions other = (TopkOptions) o;
        return Double.compare(initialRatio, other.initialRatio) == 0 && batchNorm == other.batchNorm
                && Double.compare(batchNormDecay, other.batchNormDecay) == 0
                && Double.compare(batchNormEpsilon, other.batchNormEpsilon) == 0
                && Objects.equals(ratioUpdater, other.ratioUpdater);
    }

    @Override
    public int hashCode() {
        return Objects.hash(initialRatio, ratioUpdater, batchNorm, batchNormDecay, batchNormEpsilon);
    }

    @Override
    public String toString() {
        return "TopkOptions(initialRatio=" + initialRatio + ", ratioUpdater=" + ratioUpdater + ", batchNorm="
                + batchNorm + ", batchNormDecay=" + batchNormDecay + ", batchNormEpsilon=" + batchNormEpsilon + ")";
    }

    /** Collects the options inside the layers' builders. */
    static final class Builder {
        double initialRatio = 0.0;
        IUpdater ratioUpdater = defaultRatioUpdater();
        boolean batchNorm = false;
        double batchNormDecay = DEFAULT_BATCH_NORM_DECAY;
        double batchNormEpsilon = DEFAULT_BATCH_NORM_EPSILON;

        TopkOptions build() {
            return new TopkOptions(initialRatio, ratioUpdater, batchNorm, batchNormDecay, batchNormEpsilon);
        }
    }
}
