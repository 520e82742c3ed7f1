package io.dl4jdms.arbiter.spaces;

import io.dl4jdms.layers.TopkConv;
import org.deeplearning4j.arbiter.layers.BaseConvolutionLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;

/**
 * An Arbiter layer space for {@link TopkConv}: every option of Arbiter's convolution layer spaces (kernel, stride,
 * padding, dilation, convolution mode, bias, {@code nOut}, activation, weight init, updater, regularisation,
 * dropout, ...) and every option {@code TopkConv.Builder} adds (initial ratio, ratio updater and its learning
 * rate, built-in batch normalisation with its decay and epsilon, data format), each fixed or a
 * {@link ParameterSpace}. Unset options keep the layer builder's defaults.
 *
 * <pre>{@code
 * new TopkConvLayerSpace.Builder().kernelSize(3, 3).nOut(new IntegerParameterSpace(16, 64))
 *         .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU)
 *         .initialRatio(new ContinuousParameterSpace(0.0, 0.3)).ratioLearningRate(new ContinuousParameterSpace(1e-3, 1e-1))
 *         .batchNorm(new BooleanSpace()).build();
 * }</pre>
 */
public class TopkConvLayerSpace extends BaseConvolutionLayerSpace<TopkConv> {

    private TopkOptionsSpace topk;
    private ParameterSpace<CNN2DFormat> dataFormat;

    /** For JSON. */
    protected TopkConvLayerSpace() {
    }

    protected TopkConvLayerSpace(Builder builder) {
        super(builder);
        this.topk = builder.topk.build();
        this.dataFormat = builder.dataFormat;
        // The base constructor counted the leaves before this class's options were set.
        this.numParameters = Spaces.countParameters(this);
    }

    @Override
    public TopkConv getValue(double[] values) {
        TopkConv.Builder b = new TopkConv.Builder();
        setLayerOptionsBuilder(b, values);
        topk.getValue(values).applyTo(b);
        if (dataFormat != null) {
            b.dataFormat(dataFormat.getValue(values));
        }
        return b.build();
    }

    public TopkOptionsSpace getTopk() {
        return topk;
    }

    public ParameterSpace<CNN2DFormat> getDataFormat() {
        return dataFormat;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TopkConvLayerSpace) || !super.equals(o)) {
            return false;
        }
        TopkConvLayerSpace other = (TopkConvLayerSpace) o;
        return Objects.equals(topk, other.topk) && Objects.equals(dataFormat, other.dataFormat);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hash(topk, dataFormat);
    }

    @Override
    public String toString() {
        return "TopkConvLayerSpace(" + topk + ", dataFormat: " + dataFormat + ", " + super.toString(", ") + ")";
    }

    /** Builds a {@link TopkConvLayerSpace}. */
    public static class Builder extends BaseConvolutionLayerSpace.Builder<Builder> {

        private final TopkOptionsSpace.Builder topk = new TopkOptionsSpace.Builder();
        private ParameterSpace<CNN2DFormat> dataFormat;

        /** The ratio {@code a} to start from, in [0, 1). */
        public Builder initialRatio(double initialRatio) {
            return initialRatio(new FixedValue<>(initialRatio));
        }

        public Builder initialRatio(ParameterSpace<Double> initialRatio) {
            topk.initialRatio = initialRatio;
            return this;
        }

        /** The updater of {@code a}; default that of the layer, Adam(0.01, beta1 0.5). */
        public Builder ratioUpdater(IUpdater updater) {
            return ratioUpdater(new FixedValue<>(updater));
        }

        public Builder ratioUpdater(ParameterSpace<IUpdater> updater) {
            topk.ratioUpdater = updater;
            return this;
        }

        /** The learning rate of the ratio updater (replaces the chosen updater's own). */
        public Builder ratioLearningRate(double learningRate) {
            return ratioLearningRate(new FixedValue<>(learningRate));
        }

        public Builder ratioLearningRate(ParameterSpace<Double> learningRate) {
            topk.ratioLearningRate = learningRate;
            return this;
        }

        /** Built-in batch normalisation between the convolution and the activation. */
        public Builder batchNorm(boolean batchNorm) {
            return batchNorm(new FixedValue<>(batchNorm));
        }

        public Builder batchNorm(ParameterSpace<Boolean> batchNorm) {
            topk.batchNorm = batchNorm;
            return this;
        }

        public Builder batchNormDecay(double decay) {
            return batchNormDecay(new FixedValue<>(decay));
        }

        public Builder batchNormDecay(ParameterSpace<Double> decay) {
            topk.batchNormDecay = decay;
            return this;
        }

        public Builder batchNormEpsilon(double epsilon) {
            return batchNormEpsilon(new FixedValue<>(epsilon));
        }

        public Builder batchNormEpsilon(ParameterSpace<Double> epsilon) {
            topk.batchNormEpsilon = epsilon;
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
        public TopkConvLayerSpace build() {
            return new TopkConvLayerSpace(this);
        }
    }
}
