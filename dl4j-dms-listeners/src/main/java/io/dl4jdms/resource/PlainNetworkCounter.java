package io.dl4jdms.resource;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

import java.util.List;
import java.util.Map;

/**
 * Counts the FLOPs (multiply-accumulates of one example's forward pass) and trainable parameters of a
 * plain DL4J network from its configuration alone, layer by layer: the independent check of
 * {@link ResourceModel}'s figures for a full supernet, and the count of exported slim networks. Only
 * stock layers; the same per-layer rules as {@link ResourceModel}.
 */
public final class PlainNetworkCounter {

    private PlainNetworkCounter() {
    }

    /** FLOPs or parameters of a layer stack with the given input type. */
    public static double count(MultiLayerConfiguration conf, InputType input, ResourceKind kind) {
        double total = 0;
        InputType type = input;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                type = pre.getOutputType(type);
            }
            Layer layer = conf.getConf(i).getLayer();
            InputType out = layer.getOutputType(i, type);
            total += layer(layer, type, out, kind);
            type = out;
        }
        return total;
    }

    /** FLOPs or parameters of a graph with the given input types. */
    public static double count(ComputationGraphConfiguration conf, ResourceKind kind, InputType... inputs) {
        Map<String, InputType> types = conf.getLayerActivationTypes(inputs);
        for (int i = 0; i < inputs.length; i++) {
            types.put(conf.getNetworkInputs().get(i), inputs[i]);
        }
        double total = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex)) {
                continue;
            }
            LayerVertex vertex = (LayerVertex) e.getValue();
            List<String> in = conf.getVertexInputs().get(e.getKey());
            InputType type = types.get(in.get(0));
            if (vertex.getPreProcessor() != null) {
                type = vertex.getPreProcessor().getOutputType(type);
            }
            total += layer(vertex.getLayerConf().getLayer(), type, types.get(e.getKey()), kind);
        }
        return total;
    }

    /** One stock layer's FLOPs or parameters. */
    static double layer(Layer layer, InputType in, InputType out, ResourceKind kind) {
        if (kind != ResourceKind.FLOPS && kind != ResourceKind.PARAMS) {
            throw new IllegalArgumentException("plain network counter: counts FLOPS and PARAMS, not " + kind
                    + " (latency comes from a ChannelLatencyTable, see ResourceModel.withLatency)");
        }
        if (layer instanceof Deconvolution2D || layer instanceof Convolution1DLayer || layer instanceof Convolution3D) {
            throw new IllegalArgumentException("plain network counter: layer '" + layer.getLayerName() + "' of type "
                    + layer.getClass().getSimpleName() + " is not supported");
        }
        boolean flops = kind == ResourceKind.FLOPS;
        if (layer instanceof DepthwiseConvolution2D) {
            DepthwiseConvolution2D d = (DepthwiseConvolution2D) layer;
            double channels = channels(in) * d.getDepthMultiplier();
            double k = (double) d.getKernelSize()[0] * d.getKernelSize()[1];
            double perPosition = k * channels + (d.hasBias() ? channels : 0);
            return flops ? perPosition * positions(out) : perPosition;
        }
        if (layer instanceof SeparableConvolution2D) {
            SeparableConvolution2D s = (SeparableConvolution2D) layer;
            double mid = channels(in) * s.getDepthMultiplier();
            double k = (double) s.getKernelSize()[0] * s.getKernelSize()[1];
            double perPosition = k * mid + mid * s.getNOut() + (s.hasBias() ? s.getNOut() : 0);
            return flops ? perPosition * positions(out) : perPosition;
        }
        if (layer instanceof ConvolutionLayer) {
            ConvolutionLayer c = (ConvolutionLayer) layer;
            double k = (double) c.getKernelSize()[0] * c.getKernelSize()[1];
            double perPosition = k * channels(in) * c.getNOut() + (c.hasBias() ? c.getNOut() : 0);
            return flops ? perPosition * positions(out) : perPosition;
        }
        if (layer instanceof DenseLayer || layer instanceof BaseOutputLayer) {
            long nOut = ((FeedForwardLayer) layer).getNOut();
            boolean bias = layer instanceof DenseLayer ? ((DenseLayer) layer).hasBias() : ((BaseOutputLayer) layer).hasBias();
            return channels(in) * nOut + (bias ? nOut : 0);
        }
        if (layer instanceof BatchNormalization) {
            return flops ? channels(in) * positions(in) : 2 * channels(in);
        }
        if (layer instanceof ActivationLayer || layer instanceof DropoutLayer || layer instanceof SubsamplingLayer
                || layer instanceof GlobalPoolingLayer) {
            return 0;
        }
        throw new IllegalArgumentException("plain network counter: layer '" + layer.getLayerName() + "' of type "
                + layer.getClass().getSimpleName() + " is not supported");
    }

    private static double channels(InputType type) {
        switch (type.getType()) {
            case CNN:
                return ((InputType.InputTypeConvolutional) type).getChannels();
            case FF:
                return ((InputType.InputTypeFeedForward) type).getSize();
            case CNNFlat:
                return ((InputType.InputTypeConvolutionalFlat) type).getDepth();
            default:
                throw new IllegalArgumentException("plain network counter: unsupported activation type " + type);
        }
    }

    private static double positions(InputType type) {
        if (type.getType() == InputType.Type.CNN) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) type;
            return (double) c.getHeight() * c.getWidth();
        }
        return 1;
    }
}
