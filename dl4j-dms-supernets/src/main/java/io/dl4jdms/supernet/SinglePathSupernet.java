package io.dl4jdms.supernet;

import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.latency.BlockLayers;
import io.dl4jdms.spnas.latency.SearchableBlock;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A MobileNetV2-style supernet for Single-Path NAS: a 3x3 stem, stages of inverted-residual blocks whose
 * depthwise convolution is a {@link SuperkernelDepthwise} (candidate kernel sizes and expansion ratios;
 * the skip op in blocks with a residual), a 1x1 head, global average pooling and a softmax output. The
 * same description builds the plain network of any choice of candidates ({@link #plainConfiguration}).
 *
 * <p>Vertex names: {@code stem_conv, stem_bn, stem_relu6}; block {@code s<i>b<j>} (stage i from 1, block j
 * from 0) as laid out by {@link BlockLayers}; {@code head_conv, head_bn, head_relu6, pool, out}.
 *
 * <pre>{@code
 * SinglePathSupernet supernet = SinglePathSupernet.builder().input(28, 28, 1).classes(10).build();
 * ComputationGraph net = new ComputationGraph(supernet.configuration());
 * }</pre>
 */
public final class SinglePathSupernet {

    private final Builder settings;
    private final List<SearchableBlock> blocks;

    private SinglePathSupernet(Builder settings, List<SearchableBlock> blocks) {
        this.settings = settings;
        this.blocks = Collections.unmodifiableList(blocks);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The searchable blocks, in order: what the profiler times and the exporter rebuilds. */
    public List<SearchableBlock> blocks() {
        return blocks;
    }

    public InputType inputType() {
        return InputType.convolutional(settings.height, settings.width, settings.channels);
    }

    public int classes() {
        return settings.classes;
    }

    /** The supernet. */
    public ComputationGraphConfiguration configuration() {
        return build(BlockLayers::addSearchable);
    }

    /** The plain network of a choice of candidates (stock DL4J layers only), keyed by block name. */
    public ComputationGraphConfiguration plainConfiguration(Map<String, SuperkernelChoice> choices) {
        for (SearchableBlock block : blocks) {
            if (!choices.containsKey(block.name())) {
                throw new IllegalArgumentException("SinglePathSupernet: no choice for block '" + block.name() + "'");
            }
        }
        return build((g, block, input) -> BlockLayers.add(g, block, choices.get(block.name()), input));
    }

    /** The stem alone (input to {@code stem_relu6}): part of the fixed time. */
    public ComputationGraphConfiguration stemConfiguration() {
        ComputationGraphConfiguration.GraphBuilder g = base().graphBuilder().addInputs("input")
                .setInputTypes(inputType());
        return g.setOutputs(addStem(g)).build();
    }

    /** The head alone (the last block's output to {@code out}): the other part of the fixed time. */
    public ComputationGraphConfiguration headConfiguration() {
        ComputationGraphConfiguration.GraphBuilder g = base().graphBuilder().addInputs("input")
                .setInputTypes(headInputType());
        return g.setOutputs(addHead(g, "input")).build();
    }

    /** The shape of the head's input: the last block's output. */
    public InputType headInputType() {
        SearchableBlock last = blocks.get(blocks.size() - 1);
        int stride = last.depthwise().getStride()[0];
        return InputType.convolutional((last.height() + stride - 1) / stride, (last.width() + stride - 1) / stride,
                last.outChannels());
    }

    /** Adds one block's layers to a graph and returns the vertex holding its output. */
    private interface BlockAdder {
        String add(ComputationGraphConfiguration.GraphBuilder g, SearchableBlock block, String input);
    }

    private ComputationGraphConfiguration build(BlockAdder addBlock) {
        ComputationGraphConfiguration.GraphBuilder g = base().graphBuilder().addInputs("input")
                .setInputTypes(inputType());
        String x = addStem(g);
        for (SearchableBlock block : blocks) {
            x = addBlock.add(g, block, x);
        }
        return g.setOutputs(addHead(g, x)).build();
    }

    private NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(settings.seed).dataType(settings.dataType)
                .updater(settings.updater).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED);
    }

    private String addStem(ComputationGraphConfiguration.GraphBuilder g) {
        g.addLayer("stem_conv", new ConvolutionLayer.Builder(3, 3).stride(settings.stemStride, settings.stemStride)
                .nOut(settings.stemWidth).hasBias(false).activation(Activation.IDENTITY).build(), "input");
        g.addLayer("stem_bn", new BatchNormalization.Builder().useLogStd(false).build(), "stem_conv");
        g.addLayer("stem_relu6", new ActivationLayer.Builder().activation(Activation.RELU6).build(), "stem_bn");
        return "stem_relu6";
    }

    private String addHead(ComputationGraphConfiguration.GraphBuilder g, String input) {
        g.addLayer("head_conv", new ConvolutionLayer.Builder(1, 1).nOut(settings.headWidth).hasBias(false)
                .activation(Activation.IDENTITY).build(), input);
        g.addLayer("head_bn", new BatchNormalization.Builder().useLogStd(false).build(), "head_conv");
        g.addLayer("head_relu6", new ActivationLayer.Builder().activation(Activation.RELU6).build(), "head_bn");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "head_relu6");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(settings.classes)
                .activation(Activation.SOFTMAX).build(), "pool");
        return "out";
    }

    /**
     * The supernet's settings. Defaults: MobileNetV2 scaled down for 28x28x1 Fashion-MNIST: stem 16 with stride
     * 2, stages 16-24-32-64 with 1-2-2-2 blocks and strides 1-2-2-1, kernel sizes 3/5/7, expansion ratios 3/6,
     * head 128.
     */
    public static final class Builder {
        private int height = 28;
        private int width = 28;
        private int channels = 1;
        private int classes = 10;
        private int stemWidth = 16;
        private int stemStride = 2;
        private int[] stageWidths = {16, 24, 32, 64};
        private int[] stageBlocks = {1, 2, 2, 2};
        private int[] stageStrides = {1, 2, 2, 1};
        private int[] kernelSizes = {3, 5, 7};
        private double[] expansionRatios = {3, 6};
        private int headWidth = 128;
        private long seed = 12345;
        private DataType dataType = DataType.FLOAT;
        private IUpdater updater = new Adam(1e-3);
        private IUpdater thresholdUpdater = new Adam(SuperkernelDepthwise.DEFAULT_THRESHOLD_LEARNING_RATE);

        public Builder input(int height, int width, int channels) {
            this.height = height;
            this.width = width;
            this.channels = channels;
            return this;
        }

        public Builder classes(int classes) {
            this.classes = classes;
            return this;
        }

        public Builder stem(int width, int stride) {
            this.stemWidth = width;
            this.stemStride = stride;
            return this;
        }

        /** One entry per stage: output channels, number of blocks, stride of the first block. */
        public Builder stages(int[] widths, int[] blocks, int[] strides) {
            this.stageWidths = widths.clone();
            this.stageBlocks = blocks.clone();
            this.stageStrides = strides.clone();
            return this;
        }

        public Builder kernelSizes(int... sizes) {
            this.kernelSizes = sizes.clone();
            return this;
        }

        public Builder expansionRatios(double... ratios) {
            this.expansionRatios = ratios.clone();
            return this;
        }

        public Builder headWidth(int headWidth) {
            this.headWidth = headWidth;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder dataType(DataType dataType) {
            this.dataType = dataType;
            return this;
        }

        /** The updater of the weights; default Adam(1e-3). */
        public Builder updater(IUpdater updater) {
            this.updater = updater;
            return this;
        }

        /** The updater of the thresholds; default Adam(0.01). */
        public Builder thresholdUpdater(IUpdater updater) {
            this.thresholdUpdater = updater;
            return this;
        }

        public SinglePathSupernet build() {
            if (stageWidths.length != stageBlocks.length || stageWidths.length != stageStrides.length
                    || stageWidths.length == 0) {
                throw new IllegalArgumentException("SinglePathSupernet: one width, block count and stride per stage, got "
                        + stageWidths.length + ", " + stageBlocks.length + " and " + stageStrides.length);
            }
            double largest = expansionRatios[expansionRatios.length - 1];
            List<SearchableBlock> blocks = new ArrayList<>();
            int h = ceilDiv(height, stemStride);
            int w = ceilDiv(width, stemStride);
            int in = stemWidth;
            for (int s = 0; s < stageWidths.length; s++) {
                for (int b = 0; b < stageBlocks[s]; b++) {
                    int stride = b == 0 ? stageStrides[s] : 1;
                    int out = stageWidths[s];
                    boolean residual = stride == 1 && in == out;
                    SuperkernelDepthwise dw = new SuperkernelDepthwise.Builder().name("s" + (s + 1) + "b" + b)
                            .nIn((int) Math.round(in * largest)).kernelSizes(kernelSizes)
                            .expansionRatios(expansionRatios).residualBlock(residual).stride(stride, stride)
                            .convolutionMode(ConvolutionMode.Same).batchNorm(true).hasBias(false)
                            .activation(Activation.RELU6).thresholdUpdater(thresholdUpdater).build();
                    blocks.add(new SearchableBlock(dw, h, w, in, out));
                    h = ceilDiv(h, stride);
                    w = ceilDiv(w, stride);
                    in = out;
                }
            }
            return new SinglePathSupernet(this, blocks);
        }

        private static int ceilDiv(int a, int b) {
            return (a + b - 1) / b;
        }
    }
}
