package io.dl4jdms.supernet;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The options every supernet builder shares: the input, the classes, the stem, the stages (width,
 * blocks and stride of each), the width and depth multipliers that enlarge the network into the supernet
 * of a from-scratch search, the settings of the top-k operators, and the network-wide configuration.
 * Each setter checks its value and fails naming it; {@link #build()} checks that the per-stage arrays
 * agree.
 *
 * @param <T> the concrete builder, returned by every setter
 */
public abstract class SupernetBuilder<T extends SupernetBuilder<T>> {

    /** The width operator of the stem's stream. */
    static final String STEM_GROUP = "stem_width";

    private final String family;
    int height = 28;
    int width = 28;
    int channels = 1;
    int classes = 10;
    int stemWidth;
    int stemStride;
    int[] stageWidths;
    int[] blocksPerStage;
    int[] strides;
    double widthMultiplier = 1.0;
    double depthMultiplier = 1.0;
    double initialRatio = 0.0;
    IUpdater ratioUpdater;
    NeuralNetConfiguration.Builder globalConfiguration = new NeuralNetConfiguration.Builder().seed(12345)
            .updater(new Adam(1e-3)).weightInit(WeightInit.RELU);

    SupernetBuilder(String family, int stemWidth, int stemStride, int[] stageWidths, int[] blocksPerStage,
                    int[] strides) {
        this.family = family;
        this.stemWidth = stemWidth;
        this.stemStride = stemStride;
        this.stageWidths = stageWidths;
        this.blocksPerStage = blocksPerStage;
        this.strides = strides;
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    /** The input images: height, width and channels, NCHW; default 28 x 28 x 1 (Fashion-MNIST). */
    public T input(int height, int width, int channels) {
        this.height = positive("input height", height);
        this.width = positive("input width", width);
        this.channels = positive("input channels", channels);
        return self();
    }

    /** The number of classes of the softmax output; at least 2, default 10. */
    public T classes(int classes) {
        if (classes < 2) {
            throw error("classes must be at least 2, got " + classes);
        }
        this.classes = classes;
        return self();
    }

    /** The output channels of the stem convolution, before the width multiplier. */
    public T stemWidth(int stemWidth) {
        this.stemWidth = positive("stemWidth", stemWidth);
        return self();
    }

    /** The stride of the stem convolution. */
    public T stemStride(int stemStride) {
        this.stemStride = positive("stemStride", stemStride);
        return self();
    }

    /** The width of each stage's residual stream, before the width multiplier; one value per stage. */
    public T stageWidths(int... stageWidths) {
        this.stageWidths = positives("stageWidths", stageWidths);
        return self();
    }

    /** The number of blocks of each stage, before the depth multiplier; one value per stage. */
    public T blocksPerStage(int... blocksPerStage) {
        this.blocksPerStage = positives("blocksPerStage", blocksPerStage);
        return self();
    }

    /** The stride of each stage's first block; one value per stage. */
    public T strides(int... strides) {
        this.strides = positives("strides", strides);
        return self();
    }

    /**
     * Multiplies every searched width (stem, stages, inner widths, head): {@code max(1, round(w * m))}.
     * Default 1; the from-scratch pipeline enlarges the network, e.g. 1.5.
     */
    public T widthMultiplier(double widthMultiplier) {
        this.widthMultiplier = multiplier("widthMultiplier", widthMultiplier);
        return self();
    }

    /**
     * Multiplies the blocks of every stage: {@code max(1, round(n * m))}. Default 1; the from-scratch
     * pipeline enlarges the network, e.g. 2.
     */
    public T depthMultiplier(double depthMultiplier) {
        this.depthMultiplier = multiplier("depthMultiplier", depthMultiplier);
        return self();
    }

    /** The ratio {@code a} every top-k operator starts from, in [0, 1); default 0 (nothing pruned). */
    public T initialRatio(double initialRatio) {
        if (!(initialRatio >= 0.0 && initialRatio < 1.0)) {
            throw error("initialRatio must be in [0, 1), got " + initialRatio);
        }
        this.initialRatio = initialRatio;
        return self();
    }

    /** The updater of every operator's ratio {@code a}; default that of the layers, {@code Adam(0.01)}. */
    public T ratioUpdater(IUpdater ratioUpdater) {
        if (ratioUpdater == null) {
            throw error("ratioUpdater must not be null");
        }
        this.ratioUpdater = ratioUpdater;
        return self();
    }

    /**
     * The network-wide settings (seed, updater, weight init, data type, regularisation, workspaces) as a
     * DL4J builder; a copy is taken. Default: seed 12345, {@code Adam(1e-3)}, {@code WeightInit.RELU}.
     */
    public T globalConfiguration(NeuralNetConfiguration.Builder globalConfiguration) {
        if (globalConfiguration == null) {
            throw error("globalConfiguration must not be null");
        }
        this.globalConfiguration = globalConfiguration.clone();
        return self();
    }

    /**
     * Builds the supernet's configuration.
     *
     * @throws IllegalArgumentException naming the bad value if the options do not fit together
     */
    public abstract ComputationGraphConfiguration build();

    /** A width after the width multiplier. */
    int scaled(int width) {
        return Math.max(1, (int) Math.round(width * widthMultiplier));
    }

    /** The stages after the depth multiplier; checks that the per-stage arrays have one value per stage. */
    List<Stage> stages() {
        requireOnePerStage("blocksPerStage", blocksPerStage);
        requireOnePerStage("strides", strides);
        List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < stageWidths.length; i++) {
            int blocks = Math.max(1, (int) Math.round(blocksPerStage[i] * depthMultiplier));
            stages.add(new Stage(i + 1, stageWidths[i], blocks, strides[i]));
        }
        return stages;
    }

    /** Fails naming both arrays if {@code values} has not one value per stage of {@code stageWidths}. */
    void requireOnePerStage(String name, int[] values) {
        if (values.length != stageWidths.length) {
            throw error(name + " has " + values.length + " values " + Arrays.toString(values) + " but stageWidths has "
                    + stageWidths.length + " " + Arrays.toString(stageWidths) + ": give one value per stage");
        }
    }

    /**
     * Adds the stem: its stream's width operator {@code stem_width} and a 3x3 convolution with batch
     * normalisation, {@code activation} and the width mask, named {@code stem_conv...} and {@code stem}.
     *
     * @return the stem's output, {@code stem}
     */
    String stem(SupernetGraph g, Activation activation) {
        int channels = scaled(stemWidth);
        g.widthGroup(STEM_GROUP, channels);
        return g.convolution("stem_conv", SupernetGraph.INPUT, 3, stemStride, channels, activation, STEM_GROUP, "stem");
    }

    /**
     * Adds a stage's operators. A transition stage (its first block has stride {@code != 1} or changes the
     * width) starts a new stream with its own width operator {@code s<i>_width}; the stage's removable
     * blocks (all but a transition's first) share the depth operator {@code s<i>_depth}, absent if there are
     * none.
     *
     * @param group the width operator of the stream before the stage
     * @param width the stage's stream width
     * @return the width operator of the stage's stream
     */
    String stageOperators(SupernetGraph g, Stage stage, boolean transition, String group, int width) {
        String streamGroup = group;
        if (transition) {
            streamGroup = stage.name() + "_width";
            g.widthGroup(streamGroup, width);
        }
        int removable = stage.blocks() - (transition ? 1 : 0);
        if (removable > 0) {
            g.depthStage(stage.depthName(), removable);
        }
        return streamGroup;
    }

    /** The graph this builder's settings start from. */
    SupernetGraph graph() {
        return new SupernetGraph(globalConfiguration, height, width, channels, initialRatio, ratioUpdater);
    }

    IllegalArgumentException error(String message) {
        return new IllegalArgumentException(family + ": " + message);
    }

    int positive(String name, int value) {
        if (value <= 0) {
            throw error(name + " must be positive, got " + value);
        }
        return value;
    }

    int[] positives(String name, int[] values) {
        if (values == null || values.length == 0) {
            throw error(name + " must have at least one value (one per stage)");
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] <= 0) {
                throw error(name + "[" + i + "] must be positive, got " + values[i] + " in " + Arrays.toString(values));
            }
        }
        return values.clone();
    }

    private double multiplier(String name, double value) {
        if (!(value > 0.0) || Double.isInfinite(value)) {
            throw error(name + " must be positive and finite, got " + value);
        }
        return value;
    }

    /**
     * One stage after the depth multiplier.
     *
     * @param number the stage's number, from 1 (the {@code i} of {@code s<i>})
     * @param width  the stage's base width before the width multiplier
     * @param blocks the number of blocks after the depth multiplier
     * @param stride the stride of the first block
     */
    record Stage(int number, int width, int blocks, int stride) {

        /** The stage's name prefix, {@code s<i>}. */
        String name() {
            return "s" + number;
        }

        /** The name of the stage's depth operator, {@code s<i>_depth}. */
        String depthName() {
            return name() + "_depth";
        }

        /** The name prefix of block {@code b}, {@code s<i>b<j>}. */
        String block(int b) {
            return name() + "b" + b;
        }
    }
}
