package io.dl4jdms.arbiter.spaces;

import io.dl4jdms.layers.SuperkernelDepthwise;
import org.deeplearning4j.arbiter.layers.BaseConvolutionLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;

/**
 * An Arbiter layer space for {@link SuperkernelDepthwise}: the options of Arbiter's convolution layer spaces except
 * the kernel size (the superkernel has the largest candidate size), and every option
 * {@code SuperkernelDepthwise.Builder} adds: the candidate kernel sizes and expansion ratios (each a choice of
 * arrays, e.g. {@link ArrayChoiceSpace}), residual block, relaxed forward pass, threshold updater and its learning
 * rate, built-in batch normalisation with its decay and epsilon, data format.
 *
 * <pre>{@code
 * new SuperkernelDepthwiseLayerSpace.Builder()
 *         .kernelSizes(ArrayChoiceSpace.ofInts(new int[] {3, 5}, new int[] {3, 5, 7}))
 *         .expansionRatios(ArrayChoiceSpace.ofDoubles(new double[] {3, 6}, new double[] {6}))
 *         .convolutionMode(ConvolutionMode.Same).batchNorm(true).activation(Activation.RELU6).hasBias(false).build();
 * }</pre>
 */
public class SuperkernelDepthwiseLayerSpace extends BaseConvolutionLayerSpace<SuperkernelDepthwise> {

    private ParameterSpace<int[]> kernelSizes;
    private ParameterSpace<double[]> expansionRatios;
    private ParameterSpace<Boolean> residualBlock;
    private ParameterSpace<Boolean> relaxed;
    private ParameterSpace<IUpdater> thresholdUpdater;
    private ParameterSpace<Double> thresholdLearningRate;
    private ParameterSpace<Boolean> batchNorm;
    private ParameterSpace<Double> batchNormDecay;
    private ParameterSpace<Double> batchNormEpsilon;
    private ParameterSpace<CNN2DFormat> dataFormat;

    /** For JSON. */
    protected SuperkernelDepthwiseLayerSpace() {
    }

    protected SuperkernelDepthwiseLayerSpace(Builder builder) {
        super(builder);
        this.kernelSizes = builder.kernelSizes;
        this.expansionRatios = builder.expansionRatios;
        this.residualBlock = builder.residualBlock;
        this.relaxed = builder.relaxed;
        this.thresholdUpdater = builder.thresholdUpdater;
        this.thresholdLearningRate = builder.thresholdLearningRate;
        this.batchNorm = builder.batchNorm;
        this.batchNormDecay = builder.batchNormDecay;
        this.batchNormEpsilon = builder.batchNormEpsilon;
        this.dataFormat = builder.dataFormat;
        this.numParameters = Spaces.countParameters(this);
    }

    @Override
    public SuperkernelDepthwise getValue(double[] values) {
        SuperkernelDepthwise.Builder b = new SuperkernelDepthwise.Builder();
        setLayerOptionsBuilder(b, values);
        if (kernelSizes != null) b.kernelSizes(kernelSizes.getValue(values));
        if (expansionRatios != null) b.expansionRatios(expansionRatios.getValue(values));
        if (residualBlock != null) b.residualBlock(residualBlock.getValue(values));
        if (relaxed != null) b.relaxed(relaxed.getValue(values));
        IUpdater updater = Spaces.updater(thresholdUpdater, thresholdLearningRate,
                new Adam(SuperkernelDepthwise.DEFAULT_THRESHOLD_LEARNING_RATE), values);
        if (updater != null) b.thresholdUpdater(updater);
        if (batchNorm != null) b.batchNorm(batchNorm.getValue(values));
        if (batchNormDecay != null) b.batchNormDecay(batchNormDecay.getValue(values));
        if (batchNormEpsilon != null) b.batchNormEpsilon(batchNormEpsilon.getValue(values));
        if (dataFormat != null) b.dataFormat(dataFormat.getValue(values));
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SuperkernelDepthwiseLayerSpace) || !super.equals(o)) {
            return false;
        }
        SuperkernelDepthwiseLayerSpace other = (SuperkernelDepthwiseLayerSpace) o;
        return Objects.equals(kernelSizes, other.kernelSizes) && Objects.equals(expansionRatios, other.expansionRatios)
                && Objects.equals(residualBlock, other.residualBlock) && Objects.equals(relaxed, other.relaxed)
                && Objects.equals(thresholdUpdater, other.thresholdUpdater)
                && Objects.equals(thresholdLearningRate, other.thresholdLearningRate)
                && Objects.equals(batchNorm, other.batchNorm) && Objects.equals(batchNormDecay, other.batchNormDecay)
                && Objects.equals(batchNormEpsilon, other.batchNormEpsilon) && Objects.equals(dataFormat, other.dataFormat);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hash(kernelSizes, expansionRatios, residualBlock, relaxed, thresholdUpdater,
                thresholdLearningRate, batchNorm, batchNormDecay, batchNormEpsilon, dataFormat);
    }

    @Override
    public String toString() {
        return "SuperkernelDepthwiseLayerSpace(kernelSizes: " + kernelSizes + ", expansionRatios: " + expansionRatios
                + ", residualBlock: " + residualBlock + ", relaxed: " + relaxed + ", thresholdUpdater: "
                + thresholdUpdater + ", thresholdLearningRate: " + thresholdLearningRate + ", batchNorm: " + batchNorm
                + ", batchNormDecay: " + batchNormDecay + ", batchNormEpsilon: " + batchNormEpsilon + ", dataFormat: "
                + dataFormat + ", " + super.toString(", ") + ")";
    }

    /** Builds a {@link SuperkernelDepthwiseLayerSpace}. */
    public static class Builder extends BaseConvolutionLayerSpace.Builder<Builder> {

        private ParameterSpace<int[]> kernelSizes;
        private ParameterSpace<double[]> expansionRatios;
        private ParameterSpace<Boolean> residualBlock;
        private ParameterSpace<Boolean> relaxed;
        private ParameterSpace<IUpdater> thresholdUpdater;
        private ParameterSpace<Double> thresholdLearningRate;
        private ParameterSpace<Boolean> batchNorm;
        private ParameterSpace<Double> batchNormDecay;
        private ParameterSpace<Double> batchNormEpsilon;
        private ParameterSpace<CNN2DFormat> dataFormat;

        /** Not an option: the superkernel has the largest of the {@link #kernelSizes(int...) candidate sizes}. */
        @Override
        public Builder kernelSize(ParameterSpace<int[]> kernelSize) {
            throw new UnsupportedOperationException("SuperkernelDepthwiseLayerSpace: set the candidate sizes with "
                    + "kernelSizes(...); the superkernel has the largest");
        }

        /** The candidate kernel sizes: odd, strictly increasing. */
        public Builder kernelSizes(int... sizes) {
            return kernelSizes(new FixedValue<>(sizes.clone()));
        }

        public Builder kernelSizes(ParameterSpace<int[]> sizes) {
            this.kernelSizes = sizes;
            return this;
        }

        /** The candidate expansion ratios: positive, strictly increasing. */
        public Builder expansionRatios(double... ratios) {
            return expansionRatios(new FixedValue<>(ratios.clone()));
        }

        public Builder expansionRatios(ParameterSpace<double[]> ratios) {
            this.expansionRatios = ratios;
            return this;
        }

        /** Whether the block has a residual connection (stride 1): the skip op becomes a choice. */
        public Builder residualBlock(boolean residualBlock) {
            return residualBlock(new FixedValue<>(residualBlock));
        }

        public Builder residualBlock(ParameterSpace<Boolean> residualBlock) {
            this.residualBlock = residualBlock;
            return this;
        }

        /** The sigmoid instead of the hard step in the forward pass. */
        public Builder relaxed(boolean relaxed) {
            return relaxed(new FixedValue<>(relaxed));
        }

        public Builder relaxed(ParameterSpace<Boolean> relaxed) {
            this.relaxed = relaxed;
            return this;
        }

        /** The updater of the thresholds; default that of the layer, Adam(0.01). */
        public Builder thresholdUpdater(IUpdater updater) {
            return thresholdUpdater(new FixedValue<>(updater));
        }

        public Builder thresholdUpdater(ParameterSpace<IUpdater> updater) {
            this.thresholdUpdater = updater;
            return this;
        }

        /** The learning rate of the threshold updater (replaces the chosen updater's own). */
        public Builder thresholdLearningRate(double learningRate) {
            return thresholdLearningRate(new FixedValue<>(learningRate));
        }

        public Builder thresholdLearningRate(ParameterSpace<Double> learningRate) {
            this.thresholdLearningRate = learningRate;
            return this;
        }

        /** Built-in batch normalisation between the convolution and the activation. */
        public Builder batchNorm(boolean batchNorm) {
            return batchNorm(new FixedValue<>(batchNorm));
        }

        public Builder batchNorm(ParameterSpace<Boolean> batchNorm) {
            this.batchNorm = batchNorm;
            return this;
        }

        public Builder batchNormDecay(double decay) {
            return batchNormDecay(new FixedValue<>(decay));
        }

        public Builder batchNormDecay(ParameterSpace<Double> decay) {
            this.batchNormDecay = decay;
            return this;
        }

        public Builder batchNormEpsilon(double epsilon) {
            return batchNormEpsilon(new FixedValue<>(epsilon));
        }

        public Builder batchNormEpsilon(ParameterSpace<Double> epsilon) {
            this.batchNormEpsilon = epsilon;
            return this;
        }

        /** NCHW (default) or NHWC. */
        public Builder dataFormat(CNN2DFormat format) {
            return dataFormat(new FixedValue<>(format));
        }

        public Builder dataFormat(ParameterSpace<CNN2DFormat> format) {
            this.dataFormat = format;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SuperkernelDepthwiseLayerSpace build() {
            return new SuperkernelDepthwiseLayerSpace(this);
        }
    }
}
