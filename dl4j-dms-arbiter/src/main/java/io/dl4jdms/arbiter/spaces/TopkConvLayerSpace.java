package io.dl4jdms.arbiter.spaces;

import io.dl4jdms.layers.TopkConv;
import org.deeplearning4j.arbiter.layers.BaseConvolutionLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.nn.conf.CNN2DFormat;

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
    public static class Builder extends BaseConvolutionLayerSpace.Builder<Builder> implements TopkSpaceOptions<Builder> {

        private final TopkOptionsSpace.Builder topk = new TopkOptionsSpace.Builder();
        private ParameterSpace<CNN2DFormat> dataFormat;

        @Override
        public TopkOptionsSpace.Builder topkOptions() {
            return topk;
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
