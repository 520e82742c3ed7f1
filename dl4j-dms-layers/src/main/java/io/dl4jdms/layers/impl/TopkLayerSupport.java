package io.dl4jdms.layers.impl;

import io.dl4jdms.layers.SearchableLayer;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.TopkParamInitializer;
import io.dl4jdms.topk.TopK;
import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The {@link TopkOperator} behaviour every searchable layer implementation shares, built on the
 * layer's parameter table. Implementations supply access to their configuration, parameters and
 * gradient views.
 */
interface TopkLayerSupport extends TopkOperator {

    /** The layer's configuration (DL4J's {@code Model.conf()}). */
    NeuralNetConfiguration conf();

    /** A parameter view by key (DL4J's {@code Layer.getParam}). */
    INDArray getParam(String key);

    /** The gradient view of a parameter by key. */
    INDArray gradientView(String key);

    /** The operator's state between calls (latest mask gradient, hard-mask mode). */
    OperatorRuntime runtime();

    /**
     * Whether DL4J divides a parameter's gradient by the minibatch size before the updater: not for the
     * importance and the running statistics, whose "gradients" are state and moving-average steps.
     */
    static boolean divideByMinibatch(String paramName) {
        return !TopkParamInitializer.isNormStatistic(paramName) && !IMPORTANCE_KEY.equals(paramName);
    }

    default SearchableLayer searchableConf() {
        return (SearchableLayer) conf().getLayer();
    }

    default String layerName() {
        return conf().getLayer().getLayerName();
    }

    /** The axis of the output that holds the searched channels or features; 1 unless overridden. */
    default int channelAxis() {
        return 1;
    }

    @Override
    default String operatorName() {
        return layerName();
    }

    @Override
    default int operatorSize() {
        return (int) searchableConf().getNOut();
    }

    @Override
    default double slope() {
        return TopK.widthSlope(operatorSize());
    }

    @Override
    default double ratio() {
        return getParam(RATIO_KEY).getDouble(0);
    }

    @Override
    default void setRatio(double ratio) {
        if (Double.isNaN(ratio)) {
            throw new IllegalArgumentException("layer '" + layerName() + "': ratio a must not be NaN");
        }
        getParam(RATIO_KEY).putScalar(0, ratio);
    }

    @Override
    default double[] importance() {
        return getParam(IMPORTANCE_KEY).toDoubleVector();
    }

    @Override
    default void setImportance(double[] importance) {
        if (importance.length != operatorSize()) {
            throw new IllegalArgumentException("layer '" + layerName() + "': importance vector has "
                    + importance.length + " values, the layer has " + operatorSize() + " outputs");
        }
        for (int i = 0; i < importance.length; i++) {
            if (!Double.isFinite(importance[i])) {
                throw new IllegalArgumentException("layer '" + layerName() + "': importance[" + i + "] is "
                        + importance[i] + " in " + Arrays.toString(importance));
            }
        }
        INDArray view = getParam(IMPORTANCE_KEY);
        for (int i = 0; i < importance.length; i++) {
            view.putScalar(i, importance[i]);
        }
    }

    /**
     * Called by DL4J after every parameter update (as a layer constraint, whichever listeners are attached):
     * puts the ratio {@code a} back into {@code [0, 1 - 1/(2N)]}, so it never drifts far outside the range it
     * is used in; a ratio that became NaN stops training, naming the operator.
     */
    default void clampRatio(int iteration) {
        double a = ratio();
        if (Double.isNaN(a)) {
            throw new IllegalStateException("top-k operator '" + operatorName() + "': ratio a became NaN"
                    + " at iteration " + iteration + "; the network's parameters are no longer finite"
                    + " (check the input data and the learning rates)");
        }
        double clamped = TopK.clampRatio(a, operatorSize());
        if (clamped != a) {
            setRatio(clamped);
        }
    }

    @Override
    default TopkMask mask() {
        return TopK.mask(importance(), ratio(), slope());
    }

    /** The mask a layer's forward pass applies, in the given data type: soft, or hard 0/1 in hard-mask mode. */
    static INDArray maskVector(TopkLayerSupport layer, TopkMask mask, DataType dataType) {
        return Nd4j.createFromArray(layer.isHardMask() ? mask.hard() : mask.soft()).castTo(dataType);
    }

    @Override
    default double[] takeMaskGradient() {
        return runtime().takeMaskGradient();
    }

    @Override
    default void setHardMask(boolean hardMask) {
        runtime().setHardMask(hardMask);
    }

    @Override
    default boolean isHardMask() {
        return runtime().isHardMask();
    }

    @Override
    default INDArray ratioGradientView() {
        return gradientView(RATIO_KEY);
    }
}
