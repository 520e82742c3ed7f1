package io.dl4jdms.convert;

import io.dl4jdms.convert.DmsSupernet.Width;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/** What the graph and the chain conversions share. */
final class Conversions {

    private Conversions() {
    }

    /** The network-wide settings for the layers the conversion adds, taken from the network. */
    static NeuralNetConfiguration.Builder global(DataType dataType, CacheMode cacheMode, WorkspaceMode training,
                                                 WorkspaceMode inference, NeuralNetConfiguration template) {
        return new NeuralNetConfiguration.Builder().seed(template.getSeed()).miniBatch(template.isMiniBatch())
                .optimizationAlgo(template.getOptimizationAlgo()).dataType(dataType).cacheMode(cacheMode)
                .trainingWorkspaceMode(training).inferenceWorkspaceMode(inference);
    }

    /**
     * Enlarges the writers of every searched width by {@code multiplier} and clears every layer's input
     * size, so that building with the input types sizes the readers again.
     */
    static void resize(Map<String, Layer> layers, double multiplier, List<Width> widths) {
        for (Width width : widths) {
            if (!width.searched()) {
                continue;
            }
            for (String writer : width.layers()) {
                FeedForwardLayer layer = (FeedForwardLayer) layers.get(writer);
                layer.setNOut(Math.round(layer.getNOut() * multiplier));
            }
        }
        for (Layer layer : layers.values()) {
            if (layer instanceof BatchNormalization || layer instanceof DepthwiseConvolution2D) {
                ((FeedForwardLayer) layer).setNIn(0);
                ((FeedForwardLayer) layer).setNOut(0);
            } else if (layer instanceof FeedForwardLayer) {
                ((FeedForwardLayer) layer).setNIn(0);
            }
        }
    }

    /** Copies every parameter of a layer that the conversion kept into its copy in the supernet. */
    static void copyAll(org.deeplearning4j.nn.api.Layer from, org.deeplearning4j.nn.api.Layer to) {
        for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
            INDArray target = to.paramTable().get(e.getKey());
            if (target == null || !java.util.Arrays.equals(target.shape(), e.getValue().shape())) {
                throw new ConversionException("layer '" + from.conf().getLayer().getLayerName() + "': parameter '"
                        + e.getKey() + "' does not fit its copy in the supernet");
            }
            target.assign(e.getValue());
        }
    }
}
