package io.dl4jdms.resource;

import io.dl4jdms.layers.SearchableLayer;
import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.layers.TopkDense;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.dl4jdms.resource.ResourceKind.FLOPS;
import static io.dl4jdms.resource.ResourceKind.PARAMS;

/**
 * The cost functions of the built-in {@link LayerRule}s (registered in {@link LayerRegistry}). FLOPs are
 * multiply-accumulates of one example's forward pass; parameters are the trainable ones:
 * <ul>
 *   <li>convolution: {@code k1 k2 c_in c_out H_out W_out} FLOPs and {@code k1 k2 c_in c_out} parameters,
 *       plus per output channel {@code H_out W_out} FLOPs and 1 parameter for a bias, {@code H_out W_out}
 *       FLOPs and 2 parameters for a built-in batch normalisation ({@code TopkConv});</li>
 *   <li>depthwise convolution (multiplier m): {@code k1 k2 m c H W} FLOPs, {@code k1 k2 m c} parameters
 *       (+ bias); separable convolution adds the pointwise {@code m c c_out H W};</li>
 *   <li>dense and output layers: {@code c_in c_out} (+ {@code c_out} bias, + built-in normalisation);</li>
 *   <li>batch normalisation: {@code c H W} FLOPs (one multiply-add per element at inference) and
 *       {@code 2c} parameters (gamma, beta; the running statistics are not trained);</li>
 *   <li>activation, pooling and dropout layers keep their input's channels and cost no FLOPs;
 *       activation and pooling count towards latency;</li>
 *   <li>mask layers ({@code DepthMask}, {@code WidthMask}) output masks, not channels;
 *       {@code WidthMaskVertex} shares its operator with the stream's writers; {@code GatedResidual} gates
 *       its branch; a merge vertex concatenates; element-wise, scale and shift vertices keep their first
 *       input's channels; a preprocessor vertex works as a layer's preprocessor (see
 *       {@link #preprocess}).</li>
 * </ul>
 */
final class StandardRules {

    private StandardRules() {
    }

    /** Subclasses of the 2D convolution whose costs differ (transposed, 1D, 3D convolutions). */
    static Channels unsupported(VertexContext site) {
        throw site.error("is not supported; register a VertexRule for it with ResourceModel.builder(...).rule(...)");
    }

    static Channels convolution(VertexContext site) {
        ConvolutionLayer c = (ConvolutionLayer) site.layer();
        double kernel = (double) c.getKernelSize()[0] * c.getKernelSize()[1];
        double positions = positions(site.outputType());
        Channels in = site.input(0);
        Channels out = site.outputChannels(c.getNOut());
        site.cost(FLOPS, kernel * positions, in, out);
        site.cost(PARAMS, kernel, in, out);
        perOutput(site, out, positions, c.hasBias());
        site.timed(in, out);
        return out;
    }

    static Channels depthwise(VertexContext site) {
        DepthwiseConvolution2D d = (DepthwiseConvolution2D) site.layer();
        double kernel = (double) d.getKernelSize()[0] * d.getKernelSize()[1];
        double positions = positions(site.outputType());
        Channels out = site.input(0).repeat(d.getDepthMultiplier());
        site.cost(FLOPS, kernel * positions, out);
        site.cost(PARAMS, kernel, out);
        perOutput(site, out, positions, d.hasBias());
        site.timed(site.input(0));
        return out;
    }

    static Channels separable(VertexContext site) {
        SeparableConvolution2D s = (SeparableConvolution2D) site.layer();
        double kernel = (double) s.getKernelSize()[0] * s.getKernelSize()[1];
        double positions = positions(site.outputType());
        Channels in = site.input(0);
        Channels out = site.outputChannels(s.getNOut());
        site.cost(FLOPS, kernel * s.getDepthMultiplier() * positions, in);
        site.cost(PARAMS, kernel * s.getDepthMultiplier(), in);
        site.cost(FLOPS, s.getDepthMultiplier() * positions, in, out);
        site.cost(PARAMS, s.getDepthMultiplier(), in, out);
        perOutput(site, out, positions, s.hasBias());
        site.timed(in, out);
        return out;
    }

    static Channels dense(VertexContext site) {
        FeedForwardLayer f = (FeedForwardLayer) site.layer();
        boolean bias = f instanceof TopkDense || (f instanceof DenseLayer && ((DenseLayer) f).hasBias())
                || (f instanceof BaseOutputLayer && ((BaseOutputLayer) f).hasBias());
        Channels in = site.input(0);
        Channels out = site.outputChannels(f.getNOut());
        site.cost(FLOPS, 1, in, out);
        site.cost(PARAMS, 1, in, out);
        perOutput(site, out, 1, bias);
        site.timed(in, out);
        return out;
    }

    /** A bias and a built-in batch normalisation: per output channel and position. */
    private static void perOutput(VertexContext site, Channels out, double positions, boolean bias) {
        if (bias) {
            site.cost(FLOPS, positions, out);
            site.cost(PARAMS, 1, out);
        }
        Layer layer = site.layer();
        if (layer instanceof SearchableLayer && ((SearchableLayer) layer).getTopkOptions().isBatchNorm()) {
            site.cost(FLOPS, positions, out);
            site.cost(PARAMS, 2, out);
        }
    }

    /**
     * A {@code SuperkernelDepthwise} at its largest candidate (the supernet): the depthwise convolution of
     * the largest kernel, its bias and its built-in batch normalisation.
     */
    static Channels superkernel(VertexContext site) {
        SuperkernelDepthwise s = (SuperkernelDepthwise) site.layer();
        int largest = Arrays.stream(s.getKernelSizes()).max().orElseThrow();
        double kernel = (double) largest * largest;
        double positions = positions(site.outputType());
        Channels out = site.input(0).repeat(s.getDepthMultiplier());
        site.cost(FLOPS, kernel * positions, out);
        site.cost(PARAMS, kernel, out);
        perOutput(site, out, positions, s.hasBias());
        if (s.isBatchNorm()) {
            site.cost(FLOPS, positions, out);
            site.cost(PARAMS, 2, out);
        }
        site.timed(site.input(0));
        return out;
    }

    static Channels batchNormalization(VertexContext site) {
        Channels c = site.input(0);
        site.cost(FLOPS, positions(site.outputType()), c);
        site.cost(PARAMS, 2, c);
        site.timed(c);
        return c;
    }

    static Channels timedPassThrough(VertexContext site) {
        site.timed(site.input(0));
        return site.input(0);
    }

    static Channels concat(VertexContext site) {
        List<Channels> parts = new ArrayList<>();
        for (int i = 0; i < site.inputCount(); i++) {
            parts.add(site.input(i));
        }
        return Channels.concat(parts);
    }

    /**
     * The channels after an input preprocessor: a flatten ({@code CnnToFeedForwardPreProcessor}) repeats
     * every channel over the positions; any other preprocessor must see fixed channels (it may reshape
     * them), which become the channels of its output type.
     */
    static Channels preprocess(VertexContext site, InputPreProcessor pre, InputType in,
                               Channels channels) {
        if (pre instanceof CnnToFeedForwardPreProcessor) {
            return channels.repeat(positions(in));
        }
        if (!channels.isFixed()) {
            throw site.error("preprocessor " + pre.getClass().getSimpleName() + " reshapes searched channels;"
                    + " only CnnToFeedForwardPreProcessor is supported there");
        }
        return Channels.of(channelsOf(site, pre.getOutputType(in)));
    }

    /** Positions per channel: H W of a convolutional activation, 1 otherwise. */
    static long positions(InputType type) {
        if (type.getType() == InputType.Type.CNN) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) type;
            return c.getHeight() * c.getWidth();
        }
        if (type.getType() == InputType.Type.CNNFlat) {
            InputType.InputTypeConvolutionalFlat c = (InputType.InputTypeConvolutionalFlat) type;
            return c.getHeight() * c.getWidth();
        }
        return 1;
    }

    /** The channels (features) of an activation type. */
    static long channelsOf(VertexContext site, InputType type) {
        switch (type.getType()) {
            case CNN:
                return ((InputType.InputTypeConvolutional) type).getChannels();
            case CNNFlat:
                return ((InputType.InputTypeConvolutionalFlat) type).getDepth();
            case FF:
                return ((InputType.InputTypeFeedForward) type).getSize();
            default:
                String what = "unsupported activation type " + type;
                throw site == null ? new IllegalArgumentException("resource model: " + what) : site.error(what);
        }
    }
}
