package io.dl4jdms.spnas.latency;

import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.spnas.SuperkernelChoice;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.nd4j.linalg.activations.Activation;

/**
 * The layers of a {@link SearchableBlock}, in two twin forms with the same vertex names, so that the
 * exporter can copy parameters by name:
 * <ul>
 *   <li>{@link #addSearchable}: the supernet's block, {@code n_expand} (1x1, no bias, all channels),
 *       {@code n_expand_bn}, {@code n_expand_relu6}, {@code n} (the {@code SuperkernelDepthwise}),
 *       {@code n_project} (linear 1x1, no bias, no normalisation, so that a skipped block adds exactly 0) and,
 *       with a residual, {@code n_add};</li>
 *   <li>{@link #add}: the stock DL4J layers one candidate stands for: the same, with {@code n} a
 *       {@code DepthwiseConvolution2D} of the chosen size on the kept channels (identity activation), followed
 *       by {@code n_bn} if the superkernel normalises and {@code n_act} (its activation). This is the network
 *       the profiler times and the exporter builds. A skipped block adds nothing: its output is its input.</li>
 * </ul>
 * For a depthwise layer alone there is no expansion, projection or residual.
 */
public final class BlockLayers {

    /** Epsilon of the expansion's batch normalisation (the supernet's and the exported). */
    public static final double EXPAND_BN_EPSILON = 1e-5;

    private BlockLayers() {
    }

    /**
     * Adds the supernet's layers of an inverted-residual block.
     *
     * @param input the vertex the block reads
     * @return the vertex holding the block's output
     */
    public static String addSearchable(ComputationGraphConfiguration.GraphBuilder g, SearchableBlock block,
                                       String input) {
        if (!block.isInvertedResidual()) {
            throw new IllegalArgumentException("searchable block '" + block.name() + "': only inverted-residual blocks"
                    + " are built here; add a lone SuperkernelDepthwise to the graph directly");
        }
        String n = block.name();
        int channels = (int) block.depthwise().getNIn();
        g.addLayer(n + "_expand", expansion(block.inChannels(), channels), input);
        g.addLayer(n + "_expand_bn", expansionNorm(channels), n + "_expand");
        g.addLayer(n + "_expand_relu6", new ActivationLayer.Builder().activation(Activation.RELU6).build(),
                n + "_expand_bn");
        g.addLayer(n, block.depthwise().clone(), n + "_expand_relu6");
        g.addLayer(n + "_project", projection(channels, block.outChannels()), n);
        if (block.hasResidual()) {
            g.addVertex(n + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), input, n + "_project");
            return n + "_add";
        }
        return n + "_project";
    }

    /**
     * Adds the layers of one candidate.
     *
     * @param input the vertex the block reads
     * @return the vertex holding the block's output
     */
    public static String add(ComputationGraphConfiguration.GraphBuilder g, SearchableBlock block,
                             SuperkernelChoice choice, String input) {
        if (choice.skip()) {
            return input;
        }
        SuperkernelDepthwise dw = block.depthwise();
        String n = block.name();
        int channels = choice.channels();
        String x = input;
        if (block.isInvertedResidual()) {
            g.addLayer(n + "_expand", expansion(block.inChannels(), channels), x);
            g.addLayer(n + "_expand_bn", expansionNorm(channels), n + "_expand");
            g.addLayer(n + "_expand_relu6", new ActivationLayer.Builder().activation(Activation.RELU6).build(),
                    n + "_expand_bn");
            x = n + "_expand_relu6";
        }
        int k = choice.kernelSize();
        DepthwiseConvolution2D.Builder depthwise = new DepthwiseConvolution2D.Builder(k, k).nIn(channels)
                .stride(dw.getStride()).dilation(dw.getDilation()).hasBias(dw.hasBias()).activation(Activation.IDENTITY)
                .dataFormat(dw.getCnn2dDataFormat());
        if (dw.getConvolutionMode() != null) {
            depthwise.convolutionMode(dw.getConvolutionMode());
        }
        if (dw.getConvolutionMode() != ConvolutionMode.Same) {
            depthwise.padding(croppedPadding(dw, k));
        }
        g.addLayer(n, depthwise.build(), x);
        x = n;
        if (dw.isBatchNorm()) {
            g.addLayer(n + "_bn", new BatchNormalization.Builder().useLogStd(false).eps(dw.getBatchNormEpsilon())
                    .decay(dw.getBatchNormDecay()).nOut(channels).build(), x);
            x = n + "_bn";
        }
        g.addLayer(n + "_act", new ActivationLayer.Builder().activation(dw.getOutputActivation()).build(), x);
        x = n + "_act";
        if (block.isInvertedResidual()) {
            g.addLayer(n + "_project", projection(channels, block.outChannels()), x);
            x = n + "_project";
            if (block.hasResidual()) {
                g.addVertex(n + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), input, x);
                x = n + "_add";
            }
        }
        return x;
    }

    private static ConvolutionLayer expansion(int in, int out) {
        return new ConvolutionLayer.Builder(1, 1).nIn(in).nOut(out).hasBias(false).activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Same).build();
    }

    private static BatchNormalization expansionNorm(int channels) {
        return new BatchNormalization.Builder().useLogStd(false).eps(EXPAND_BN_EPSILON).nOut(channels).build();
    }

    private static ConvolutionLayer projection(int in, int out) {
        return new ConvolutionLayer.Builder(1, 1).nIn(in).nOut(out).hasBias(false).activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Same).build();
    }

    /**
     * Explicit padding for the chosen kernel: the superkernel's padding less the offset of the chosen kernel
     * inside it, so that the cropped kernel sees the same input positions.
     */
    static int[] croppedPadding(SuperkernelDepthwise dw, int kernelSize) {
        int offset = (dw.getKernelSize()[0] - kernelSize) / 2;
        int[] padding = dw.getPadding();
        int[] out = {padding[0] - offset * dw.getDilation()[0], padding[1] - offset * dw.getDilation()[1]};
        if (out[0] < 0 || out[1] < 0) {
            throw new IllegalArgumentException("SuperkernelDepthwise layer '" + dw.getLayerName() + "': padding "
                    + java.util.Arrays.toString(padding) + " is too small to crop the " + dw.getKernelSize()[0]
                    + "x" + dw.getKernelSize()[0] + " superkernel to " + kernelSize + "x" + kernelSize
                    + " exactly; use ConvolutionMode.Same or padding of at least half the superkernel");
        }
        return out;
    }
}
