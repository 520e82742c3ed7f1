package io.dl4jdms.layers;

import io.dl4jdms.topk.TopkMask;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer implementation that carries one differentiable top-k operator: a ratio {@code a}, an
 * importance vector and the mask they define. Listeners find operators by this interface, in a
 * {@code MultiLayerNetwork} or a {@code ComputationGraph} alike.
 */
public interface TopkOperator {

    /** The key of the ratio {@code a} in the layer's parameter table. */
    String RATIO_KEY = "a";
    /** The key of the importance vector in the layer's parameter table (state, not trained by gradient). */
    String IMPORTANCE_KEY = "importance";

    /** The operator's name: its layer's name. */
    String operatorName();

    /** N, the number of elements the operator masks. */
    int operatorSize();

    /** The slope {@code lambda} of the soft mask. */
    double slope();

    /** The current ratio {@code a} as stored (it is used clamped, see {@link io.dl4jdms.topk.TopK#clampRatio}). */
    double ratio();

    /** Overwrites the stored ratio. */
    void setRatio(double ratio);

    /** A copy of the current importances. */
    double[] importance();

    /** Overwrites the importances (length N, finite). */
    void setImportance(double[] importance);

    /** The mask the current ratio and importances define. */
    TopkMask mask();

    /**
     * {@code dL/dm_i} of the latest backward pass (summed over the batch and any spatial positions), or
     * null if there was none since the operator was created or the value was taken.
     */
    double[] takeMaskGradient();

    /** The view of the gradient of {@code a}; what is added here before the updater runs takes effect. */
    INDArray ratioGradientView();

    /**
     * Switches the forward pass between the soft mask (default, used for training) and the hard 0/1
     * mask of the kept elements: with hard masks the supernet computes what the slim network computes.
     */
    void setHardMask(boolean hardMask);

    /** Whether the forward pass uses the hard 0/1 mask. */
    boolean isHardMask();

    /** True for a depth operator (blocks of a stage), false for a width operator (channels, features). */
    default boolean isDepthOperator() {
        return false;
    }
}
