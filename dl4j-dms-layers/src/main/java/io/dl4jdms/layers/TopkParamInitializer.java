package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays out a searchable layer's parameters: first those of its DL4J base layer (exactly as the base
 * initializer lays them out), then, per output channel, the built-in batch normalisation's
 * {@code gamma, beta, mean, var} if enabled, then the ratio {@code a} (one value) and the importance
 * vector (N values). All of them sit in the network's parameter vector, so {@code ModelSerializer}
 * saves them and a search resumes exactly.
 */
public final class TopkParamInitializer implements ParamInitializer {

    public static final String GAMMA_KEY = BatchNormalizationParamInitializer.GAMMA;
    public static final String BETA_KEY = BatchNormalizationParamInitializer.BETA;
    public static final String MEAN_KEY = BatchNormalizationParamInitializer.GLOBAL_MEAN;
    public static final String VAR_KEY = BatchNormalizationParamInitializer.GLOBAL_VAR;

    private final ParamInitializer base;

    /** Wraps the initializer of the DL4J layer the searchable layer extends. */
    public TopkParamInitializer(ParamInitializer base) {
        this.base = base;
    }

    /** Whether a key names one of the parameters this initializer appends (not the base layer's). */
    public static boolean isSearchParam(String key) {
        return TopkOperator.RATIO_KEY.equals(key) || TopkOperator.IMPORTANCE_KEY.equals(key) || isNormStatistic(key)
                || GAMMA_KEY.equals(key) || BETA_KEY.equals(key);
    }

    /** The running mean and variance of the built-in normalisation: updated by moving average, not trained. */
    public static boolean isNormStatistic(String key) {
        return MEAN_KEY.equals(key) || VAR_KEY.equals(key);
    }

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
        return !isSearchParam(key) && base.isWeightParam(layer, key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return !isSearchParam(key) && base.isBiasParam(layer, key);
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

    private static List<String> appendedKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        if (options(layer).isBatchNorm()) {
            Collections.addAll(keys, GAMMA_KEY, BETA_KEY, MEAN_KEY, VAR_KEY);
        }
        Collections.addAll(keys, TopkOperator.RATIO_KEY, TopkOperator.IMPORTANCE_KEY);
        return keys;
    }

    private static long appendedLength(Layer layer, String key) {
        return TopkOperator.RATIO_KEY.equals(key) ? 1 : ((SearchableLayer) layer).getNOut();
    }

    private static double initialValue(Layer layer, String key) {
        switch (key) {
            case GAMMA_KEY:
            case VAR_KEY:
                return 1.0;
            case TopkOperator.RATIO_KEY:
                return options(layer).getInitialRatio();
            default:
                return 0.0;
        }
    }

    private static TopkOptions options(Layer layer) {
        return ((SearchableLayer) layer).getTopkOptions();
    }
}
