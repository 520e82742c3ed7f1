package io.dl4jdms.layers;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.DepthwiseConvolutionParamInitializer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Lays out a {@link SuperkernelDepthwise}'s parameters: first DL4J's depthwise parameters exactly as
 * {@link DepthwiseConvolutionParamInitializer} lays them out ({@code b}, then the superkernel {@code W}),
 * then, with batch normalisation, {@code gamma, beta, mean, var} per channel, then the thresholds
 * {@code kernelThresholds} and {@code expansionThresholds} (each left out when the layer has none),
 * initialised to 0 so that the search starts from the largest candidate.
 */
public final class SuperkernelParamInitializer extends AppendedParamInitializer {

    /** The thresholds of the kernel shells, one per candidate size beyond the smallest. */
    public static final String KERNEL_THRESHOLDS_KEY = "kernelThresholds";
    /** The thresholds of the channel-group gates (the skip gate first when the block is residual). */
    public static final String EXPANSION_THRESHOLDS_KEY = "expansionThresholds";
    /** The depthwise superkernel, {@code [k, k, nIn, 1]}. */
    public static final String WEIGHT_KEY = DepthwiseConvolutionParamInitializer.WEIGHT_KEY;
    public static final String BIAS_KEY = DepthwiseConvolutionParamInitializer.BIAS_KEY;

    private static final SuperkernelParamInitializer INSTANCE = new SuperkernelParamInitializer();

    private SuperkernelParamInitializer() {
        super(DepthwiseConvolutionParamInitializer.getInstance());
    }

    public static SuperkernelParamInitializer getInstance() {
        return INSTANCE;
    }

    /** Whether a key names thresholds. */
    public static boolean isThreshold(String key) {
        return KERNEL_THRESHOLDS_KEY.equals(key) || EXPANSION_THRESHOLDS_KEY.equals(key);
    }

    /** Whether a key names one of the parameters appended to DL4J's depthwise ones. */
    public static boolean isAppended(String key) {
        return isThreshold(key) || TopkParamInitializer.isNormStatistic(key)
                || TopkParamInitializer.GAMMA_KEY.equals(key) || TopkParamInitializer.BETA_KEY.equals(key);
    }

    @Override
    List<String> appendedKeys(Layer layer) {
        SuperkernelDepthwise conf = (SuperkernelDepthwise) layer;
        List<String> keys = new ArrayList<>();
        if (conf.isBatchNorm()) {
            Collections.addAll(keys, TopkParamInitializer.GAMMA_KEY, TopkParamInitializer.BETA_KEY,
                    TopkParamInitializer.MEAN_KEY, TopkParamInitializer.VAR_KEY);
        }
        if (conf.kernelThresholdCount() > 0) {
            keys.add(KERNEL_THRESHOLDS_KEY);
        }
        if (conf.expansionThresholdCount() > 0) {
            keys.add(EXPANSION_THRESHOLDS_KEY);
        }
        return keys;
    }

    @Override
    long appendedLength(Layer layer, String key) {
        SuperkernelDepthwise conf = (SuperkernelDepthwise) layer;
        switch (key) {
            case KERNEL_THRESHOLDS_KEY:
                return conf.kernelThresholdCount();
            case EXPANSION_THRESHOLDS_KEY:
                return conf.expansionThresholdCount();
            default:
                return conf.getNOut();
        }
    }

    @Override
    boolean isAppendedKey(String key) {
        return isAppended(key);
    }

    /** 1 for {@code gamma} and {@code var}, 0 for the rest (the thresholds included). */
    @Override
    double initialValue(Layer layer, String key) {
        return TopkParamInitializer.GAMMA_KEY.equals(key) || TopkParamInitializer.VAR_KEY.equals(key) ? 1.0 : 0.0;
    }
}
