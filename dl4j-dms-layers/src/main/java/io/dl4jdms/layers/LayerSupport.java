package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Collection;

/**
 * Static helpers shared by this package's layer and vertex configurations ({@link TopkConv},
 * {@link TopkDense}, {@link MaskLayer}, {@link SuperkernelDepthwise}, {@link GatedResidual},
 * {@link WidthMaskVertex}). Only static methods: the configurations are serialised field by field, so
 * nothing here may hold state.
 */
final class LayerSupport {

    private LayerSupport() {
    }

    /** {@code <type> layer '<name>'} ({@code (unnamed)} without a name): how validation messages name a layer. */
    static String where(String layerType, String layerName) {
        return layerType + " layer '" + (layerName == null ? "(unnamed)" : layerName) + "'";
    }

    /**
     * Checks the settings of a layer's built-in batch normalisation.
     *
     * @param where how the messages name the layer, see {@link #where(String, String)}
     * @throws IllegalArgumentException naming the layer and the bad value
     */
    static void validateBatchNorm(String where, double batchNormDecay, double batchNormEpsilon) {
        if (!(batchNormDecay > 0.0 && batchNormDecay < 1.0)) {
            throw new IllegalArgumentException(where + ": batchNormDecay must be in (0, 1), got " + batchNormDecay);
        }
        if (!(batchNormEpsilon > 0.0) || Double.isInfinite(batchNormEpsilon)) {
            throw new IllegalArgumentException(where + ": batchNormEpsilon must be positive and finite, got "
                    + batchNormEpsilon);
        }
    }

    /**
     * The updater of a parameter a top-k layer appends to its base layer's: the ratio's own updater, none
     * ({@link NoOp}) for the importance and the running statistics of the built-in normalisation (state,
     * not trained by gradient); null for any other parameter, whose updater is the base layer's.
     */
    static IUpdater topkUpdater(TopkOptions options, String paramName) {
        if (TopkOperator.RATIO_KEY.equals(paramName)) {
            return options.getRatioUpdater();
        }
        if (TopkOperator.IMPORTANCE_KEY.equals(paramName) || TopkParamInitializer.isNormStatistic(paramName)) {
            return new NoOp();
        }
        return null;
    }

    /**
     * Sets up a layer implementation the way DL4J's layer configurations do in {@code instantiate}:
     * listeners, index, the parameter view, the parameter table laid out by {@code initializer}, then the
     * configuration.
     *
     * @return {@code layer}
     */
    static <L extends org.deeplearning4j.nn.api.Layer> L instantiate(L layer, ParamInitializer initializer,
            NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
            INDArray layerParamsView, boolean initializeParams) {
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer.init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    /**
     * The memory report of a layer without a cache: its parameters and their updater state, and
     * {@code trainingPerExample} elements of working memory per example in training.
     */
    static LayerMemoryReport memoryReport(String layerName, Class<?> layerClass, InputType inputType,
            InputType outputType, long numParams, long updaterStateSize, long trainingPerExample) {
        return new LayerMemoryReport.Builder(layerName, layerClass, inputType, outputType)
                .standardMemory(numParams, updaterStateSize)
                .workingMemory(0, 0, 0, trainingPerExample)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    /**
     * The memory report of a vertex without parameters whose output has the shape of its first input: in
     * training, one output-sized array per example.
     */
    static MemoryReport vertexMemoryReport(Class<?> vertexClass, InputType[] inputTypes, InputType outputType) {
        return new LayerMemoryReport.Builder(null, vertexClass, inputTypes[0], outputType).standardMemory(0, 0)
                .workingMemory(0, 0, 0, outputType.arrayElementsPerExample()).cacheMemory(0, 0).build();
    }
}
