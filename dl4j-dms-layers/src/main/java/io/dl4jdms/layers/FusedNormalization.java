package io.dl4jdms.layers;

import io.dl4jdms.layers.impl.FusedBatchNormHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.lang.reflect.Field;

/**
 * Gives the stock {@code BatchNormalization} layers of one network a faster training pass: their DL4J oneDNN helper
 * is replaced by {@link FusedBatchNormHelper}, whose forward and backward are two passes over the activations each
 * (libnd4j's {@code batchnorm_bp}, which DL4J's helper calls, makes about ten). Same results up to float rounding;
 * the configuration, JSON and saved model do not change, and only layers that have DL4J's oneDNN helper (the fast
 * path, see {@link OneDnn}) are touched. A network loaded again has DL4J's helpers until this is called on it.
 *
 * <pre>{@code
 * ComputationGraph net = new ComputationGraph(conf);
 * net.init();
 * FusedNormalization.install(net);    // the number of layers that now run the fused pass
 * }</pre>
 */
public final class FusedNormalization {

    private static final Field HELPER;

    static {
        Field field;
        try {
            field = BatchNormalization.class.getDeclaredField("helper");
            field.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            field = null;
        }
        HELPER = field;
    }

    private FusedNormalization() {
    }

    /** Installs the fused pass in every stock batch normalisation of {@code net}; returns how many. */
    public static int install(Model net) {
        Layer[] layers = net instanceof ComputationGraph graph ? graph.getLayers()
                : net instanceof MultiLayerNetwork mln ? mln.getLayers() : new Layer[0];
        int installed = 0;
        for (Layer layer : layers) {
            if (layer instanceof BatchNormalization bn && install(bn)) {
                installed++;
            }
        }
        return installed;
    }

    private static boolean install(BatchNormalization layer) {
        if (HELPER == null || !(layer.getHelper() instanceof MKLDNNBatchNormHelper)
                || layer.getHelper() instanceof FusedBatchNormHelper) {
            return layer.getHelper() instanceof FusedBatchNormHelper;
        }
        try {
            HELPER.set(layer, new FusedBatchNormHelper(layer.params() == null ? org.nd4j.linalg.api.buffer.DataType.FLOAT : layer.params().dataType()));
            return true;
        } catch (IllegalAccessException e) {
            return false;
        }
    }
}
