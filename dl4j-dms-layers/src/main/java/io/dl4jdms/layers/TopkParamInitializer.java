package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Lays out a searchable layer's parameters: first those of its DL4J base layer (exactly as the base
 * initializer lays them out), then, per output channel, the built-in batch normalisation's
 * {@code gamma, beta, mean, var} if enabled, then the ratio {@code a} (one value) and the importance
 * vector (N values). All of them sit in the network's parameter vector, so {@code ModelSerializer}
 * saves them and a search resumes exactly.
 */
public final class TopkParamInitializer extends AppendedParamInitializer {

    public static final String GAMMA_KEY = BatchNormalizationParamInitializer.GAMMA;
    public static final String BETA_KEY = BatchNormalizationParamInitializer.BETA;
    public static final String MEAN_KEY = BatchNormalizationParamInitializer.GLOBAL_MEAN;
    public static final String VAR_KEY = BatchNormalizationParamInitializer.GLOBAL_VAR;

    /** Wraps the initializer of the DL4J layer the searchable layer extends. */
    public TopkParamInitializer(ParamInitializer base) {
        super(base);
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
    List<String> appendedKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        if (options(layer).isBatchNorm()) {
            Collections.addAll(keys, GAMMA_KEY, BETA_KEY, MEAN_KEY, VAR_KEY);
        }
        Collections.addAll(keys, TopkOperator.RATIO_KEY, TopkOperator.IMPORTANCE_KEY);
        return keys;
    }

    @Override
    long appendedLength(Layer layer, String key) {
        return TopkOperator.RATIO_KEY.equals(key) ? 1 : ((SearchableLayer) layer).getNOut();
    }

    @Override
    boolean isAppendedKey(String key) {
        return isSearchParam(key);
    }

    @Override
    double initialValue(Layer layer, String key) {
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
