package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameter layout of a layer that extends a DL4J layer: first the base layer's parameters exactly as
 * its initializer lays them out, then the appended parameters one after the other, each a row vector
 * {@code [1, length]}. Weight and bias keys are the base layer's; no appended key is a weight or a bias.
 * Shared by {@link TopkParamInitializer} and {@link SuperkernelParamInitializer}.
 */
abstract class AppendedParamInitializer implements ParamInitializer {

    private final ParamInitializer base;

    /** @param base the initializer of the DL4J layer the layer extends */
    AppendedParamInitializer(ParamInitializer base) {
        this.base = base;
    }

    /** The keys appended after the base layer's, in order. */
    abstract List<String> appendedKeys(Layer layer);

    /** The number of values of an appended parameter. */
    abstract long appendedLength(Layer layer, String key);

    /** Whether a key names a parameter this initializer appends (not the base layer's). */
    abstract boolean isAppendedKey(String key);

    /** The value every element of an appended parameter starts from. */
    abstract double initialValue(Layer layer, String key);

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long total = base.numParams(layer);
        for (String key : appendedKeys(layer)) {
            total += appendedLength(layer, key);
        }
        return total;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>(base.paramKeys(layer));
        keys.addAll(appendedKeys(layer));
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return base.weightKeys(layer);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return base.biasKeys(layer);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return !isAppendedKey(key) && base.isWeightParam(layer, key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return !isAppendedKey(key) && base.isBiasParam(layer, key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Layer layer = conf.getLayer();
        INDArray flat = paramsView.reshape(paramsView.length());
        long baseCount = base.numParams(layer);
        Map<String, INDArray> params = Collections.synchronizedMap(new LinkedHashMap<>());
        if (baseCount > 0) {
            params.putAll(base.init(conf, flat.get(NDArrayIndex.interval(0, baseCount)).reshape(1, baseCount),
                    initializeParams));
        }
        long offset = baseCount;
        for (String key : appendedKeys(layer)) {
            long length = appendedLength(layer, key);
            INDArray view = flat.get(NDArrayIndex.interval(offset, offset + length)).reshape(1, length);
            if (initializeParams) {
                view.assign(initialValue(layer, key));
            }
            params.put(key, view);
            conf.addVariable(key);
            offset += length;
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        Layer layer = conf.getLayer();
        INDArray flat = gradientView.reshape(gradientView.length());
        long baseCount = base.numParams(layer);
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (baseCount > 0) {
            out.putAll(base.getGradientsFromFlattened(conf,
                    flat.get(NDArrayIndex.interval(0, baseCount)).reshape(1, baseCount)));
        }
        long offset = baseCount;
        for (String key : appendedKeys(layer)) {
            long length = appendedLength(layer, key);
            out.put(key, flat.get(NDArrayIndex.interval(offset, offset + length)).reshape(1, length));
            offset += length;
        }
        return out;
    }
}
