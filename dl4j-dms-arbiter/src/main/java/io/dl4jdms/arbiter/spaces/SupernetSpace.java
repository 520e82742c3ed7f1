package io.dl4jdms.arbiter.spaces;

import io.dl4jdms.supernet.MobileNetV2Supernet;
import io.dl4jdms.supernet.ResNetSupernet;
import io.dl4jdms.supernet.SupernetBuilder;
import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Objects;

/**
 * A space of whole supernets: the options of {@link ResNetSupernet.Builder} and {@link MobileNetV2Supernet.Builder}
 * (family, block type, stem width and stride, stage widths, blocks per stage, strides, expansions, width and depth multipliers,
 * initial ratio), each fixed or a {@link ParameterSpace}; unset options keep the builder's defaults. Its values are
 * Arbiter {@link GraphConfiguration}s, so a study samples whole supernets, scores them with Arbiter's own task
 * creator ({@code numEpochs} epochs of training, 0 by default) or with {@code TrainingFreeTaskCreator}. Arbiter's
 * task creator provider does not know this space: give the task creator to the runner explicitly.
 *
 * <p>The per-stage arrays of one candidate must have one value per stage; a space whose arrays can disagree fails
 * when a candidate is made, which {@code Study} checks before the study starts.
 *
 * <pre>{@code
 * new SupernetSpace.Builder().input(28, 28, 1).classes(10)
 *         .stageWidths(ArrayChoiceSpace.ofInts(new int[] {12, 24, 48}, new int[] {16, 32, 64}))
 *         .widthMultiplier(new ContinuousParameterSpace(1.0, 2.0))
 *         .blockType(new DiscreteParameterSpace<>(BlockType.BASIC, BlockType.BOTTLENECK)).build();
 * }</pre>
 */
public class SupernetSpace extends CompositeSpace<GraphConfiguration> {

    /** The ResNet family ({@link ResNetSupernet}). */
    public static final String RESNET = "resnet";
    /** The MobileNetV2 family ({@link MobileNetV2Supernet}). */
    public static final String MOBILENETV2 = "mobilenetv2";

    private ParameterSpace<String> family;
    private ParameterSpace<ResNetSupernet.BlockType> blockType;
    private ParameterSpace<Integer> stemWidth;
    private ParameterSpace<Integer> stemStride;
    private ParameterSpace<int[]> stageWidths;
    private ParameterSpace<int[]> blocksPerStage;
    private ParameterSpace<int[]> strides;
    private ParameterSpace<int[]> expansions;
    private ParameterSpace<Double> widthMultiplier;
    private ParameterSpace<Double> depthMultiplier;
    private ParameterSpace<Double> initialRatio;
    private int height;
    private int width;
    private int channels;
    private int classes;
    private long seed;
    private int numEpochs;

    /** For JSON. */
    protected SupernetSpace() {
    }

    protected SupernetSpace(Builder b) {
        this.family = b.family;
        this.blockType = b.blockType;
        this.stemWidth = b.stemWidth;
        this.stemStride = b.stemStride;
        this.stageWidths = b.stageWidths;
        this.blocksPerStage = b.blocksPerStage;
        this.strides = b.strides;
        this.expansions = b.expansions;
        this.widthMultiplier = b.widthMultiplier;
        this.depthMultiplier = b.depthMultiplier;
        this.initialRatio = b.initialRatio;
        this.height = b.height;
        this.width = b.width;
        this.channels = b.channels;
        this.classes = b.classes;
        this.seed = b.seed;
        this.numEpochs = b.numEpochs;
    }

    @Override
    public GraphConfiguration getValue(double[] values) {
        return new GraphConfiguration(configuration(values), null, numEpochs);
    }

    /** The supernet's configuration for these values (what {@link #getValue} wraps). */
    public ComputationGraphConfiguration configuration(double[] values) {
        String chosen = family.getValue(values);
        SupernetBuilder<?> b;
        if (RESNET.equals(chosen)) {
            ResNetSupernet.Builder r = new ResNetSupernet.Builder();
            if (blockType != null) {
                r.blockType(blockType.getValue(values));
            }
            b = r;
        } else if (MOBILENETV2.equals(chosen)) {
            MobileNetV2Supernet.Builder m = new MobileNetV2Supernet.Builder();
            if (expansions != null) {
                m.expansions(expansions.getValue(values));
            }
            b = m;
        } else {
            throw new IllegalArgumentException("SupernetSpace: family must be \"" + RESNET + "\" or \"" + MOBILENETV2
                    + "\", got \"" + chosen + "\"");
        }
        b.input(height, width, channels).classes(classes).globalConfiguration(new NeuralNetConfiguration.Builder()
                .seed(seed).updater(new Adam(1e-3)).weightInit(WeightInit.RELU).dataType(DataType.FLOAT));
        if (stemWidth != null) b.stemWidth(stemWidth.getValue(values));
        if (stemStride != null) b.stemStride(stemStride.getValue(values));
        if (stageWidths != null) b.stageWidths(stageWidths.getValue(values));
        if (blocksPerStage != null) b.blocksPerStage(blocksPerStage.getValue(values));
        if (strides != null) b.strides(strides.getValue(values));
        if (widthMultiplier != null) b.widthMultiplier(widthMultiplier.getValue(values));
        if (depthMultiplier != null) b.depthMultiplier(depthMultiplier.getValue(values));
        if (initialRatio != null) b.initialRatio(initialRatio.getValue(values));
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SupernetSpace)) {
            return false;
        }
        SupernetSpace s = (SupernetSpace) o;
        return Objects.equals(family, s.family) && Objects.equals(blockType, s.blockType)
                && Objects.equals(stemWidth, s.stemWidth) && Objects.equals(stemStride, s.stemStride)
                && Objects.equals(stageWidths, s.stageWidths)
                && Objects.equals(blocksPerStage, s.blocksPerStage) && Objects.equals(strides, s.strides)
                && Objects.equals(expansions, s.expansions) && Objects.equals(widthMultiplier, s.widthMultiplier)
                && Objects.equals(depthMultiplier, s.depthMultiplier) && Objects.equals(initialRatio, s.initialRatio)
                && height == s.height && width == s.width && channels == s.channels && classes == s.classes
                && seed == s.seed && numEpochs == s.numEpochs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(family, blockType, stemWidth, stemStride, stageWidths, blocksPerStage, strides, expansions,
                widthMultiplier, depthMultiplier, initialRatio, height, width, channels, classes, seed, numEpochs);
    }

    @Override
    public String toString() {
        return "SupernetSpace(family: " + family + ", blockType: " + blockType + ", stemWidth: " + stemWidth
                + ", stemStride: " + stemStride + ", stageWidths: " + stageWidths + ", blocksPerStage: " + blocksPerStage + ", strides: " + strides
                + ", expansions: " + expansions + ", widthMultiplier: " + widthMultiplier + ", depthMultiplier: "
                + depthMultiplier + ", initialRatio: " + initialRatio + ", input: " + height + "x" + width + "x"
                + channels + ", classes: " + classes + ", seed: " + seed + ", numEpochs: " + numEpochs + ")";
    }

    /** Builds a {@link SupernetSpace}; defaults: the ResNet family, 28 x 28 x 1 input, 10 classes, seed 12345, 0 epochs. */
    public static class Builder {
        private ParameterSpace<String> family = new FixedValue<>(RESNET);
        private ParameterSpace<ResNetSupernet.BlockType> blockType;
        private ParameterSpace<Integer> stemWidth;
        private ParameterSpace<Integer> stemStride;
        private ParameterSpace<int[]> stageWidths;
        private ParameterSpace<int[]> blocksPerStage;
        private ParameterSpace<int[]> strides;
        private ParameterSpace<int[]> expansions;
        private ParameterSpace<Double> widthMultiplier;
        private ParameterSpace<Double> depthMultiplier;
        private ParameterSpace<Double> initialRatio;
        private int height = 28;
        private int width = 28;
        private int channels = 1;
        private int classes = 10;
        private long seed = 12345;
        private int numEpochs = 0;

        /** {@link #RESNET} (default) or {@link #MOBILENETV2}. */
        public Builder family(String family) {
            return family(new FixedValue<>(family));
        }

        public Builder family(ParameterSpace<String> family) {
            this.family = Objects.requireNonNull(family, "family");
            return this;
        }

        /** The ResNet block type (ignored by the MobileNetV2 family). */
        public Builder blockType(ResNetSupernet.BlockType blockType) {
            return blockType(new FixedValue<>(blockType));
        }

        public Builder blockType(ParameterSpace<ResNetSupernet.BlockType> blockType) {
            this.blockType = blockType;
            return this;
        }

        public Builder stemWidth(int stemWidth) {
            return stemWidth(new FixedValue<>(stemWidth));
        }

        public Builder stemWidth(ParameterSpace<Integer> stemWidth) {
            this.stemWidth = stemWidth;
            return this;
        }

        public Builder stemStride(int stemStride) {
            return stemStride(new FixedValue<>(stemStride));
        }

        public Builder stemStride(ParameterSpace<Integer> stemStride) {
            this.stemStride = stemStride;
            return this;
        }

        /** One width per stage, before the width multiplier. */
        public Builder stageWidths(int... stageWidths) {
            return stageWidths(new FixedValue<>(stageWidths.clone()));
        }

        public Builder stageWidths(ParameterSpace<int[]> stageWidths) {
            this.stageWidths = stageWidths;
            return this;
        }

        /** One block count per stage, before the depth multiplier. */
        public Builder blocksPerStage(int... blocksPerStage) {
            return blocksPerStage(new FixedValue<>(blocksPerStage.clone()));
        }

        public Builder blocksPerStage(ParameterSpace<int[]> blocksPerStage) {
            this.blocksPerStage = blocksPerStage;
            return this;
        }

        /** The stride of each stage's first block. */
        public Builder strides(int... strides) {
            return strides(new FixedValue<>(strides.clone()));
        }

        public Builder strides(ParameterSpace<int[]> strides) {
            this.strides = strides;
            return this;
        }

        /** The MobileNetV2 expansion factor of each stage (ignored by the ResNet family). */
        public Builder expansions(int... expansions) {
            return expansions(new FixedValue<>(expansions.clone()));
        }

        public Builder expansions(ParameterSpace<int[]> expansions) {
            this.expansions = expansions;
            return this;
        }

        public Builder widthMultiplier(double multiplier) {
            return widthMultiplier(new FixedValue<>(multiplier));
        }

        public Builder widthMultiplier(ParameterSpace<Double> multiplier) {
            this.widthMultiplier = multiplier;
            return this;
        }

        public Builder depthMultiplier(double multiplier) {
            return depthMultiplier(new FixedValue<>(multiplier));
        }

        public Builder depthMultiplier(ParameterSpace<Double> multiplier) {
            this.depthMultiplier = multiplier;
            return this;
        }

        public Builder initialRatio(double ratio) {
            return initialRatio(new FixedValue<>(ratio));
        }

        public Builder initialRatio(ParameterSpace<Double> ratio) {
            this.initialRatio = ratio;
            return this;
        }

        /** The input images, NCHW; default 28 x 28 x 1. */
        public Builder input(int height, int width, int channels) {
            if (height <= 0 || width <= 0 || channels <= 0) {
                throw new IllegalArgumentException("SupernetSpace: input sizes must be positive, got " + height + " x "
                        + width + " x " + channels);
            }
            this.height = height;
            this.width = width;
            this.channels = channels;
            return this;
        }

        public Builder classes(int classes) {
            if (classes < 2) {
                throw new IllegalArgumentException("SupernetSpace: classes must be at least 2, got " + classes);
            }
            this.classes = classes;
            return this;
        }

        /** The seed of every candidate's weight initialisation; default 12345. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Epochs Arbiter's own task creator trains each candidate; default 0 (training-free scoring). */
        public Builder numEpochs(int numEpochs) {
            if (numEpochs < 0) {
                throw new IllegalArgumentException("SupernetSpace: numEpochs must be >= 0, got " + numEpochs);
            }
            this.numEpochs = numEpochs;
            return this;
        }

        public SupernetSpace build() {
            return new SupernetSpace(this);
        }
    }
}
