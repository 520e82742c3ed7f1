package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ValidationUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Collection;
import java.util.Objects;

/**
 * A 2D convolution whose number of output channels is searched: a drop-in for DL4J's
 * {@link ConvolutionLayer} (same builder options: kernel, stride, padding, convolution mode, dilation,
 * bias, activation, weight init, data format NCHW or NHWC) with one differentiable top-k operator
 * over its {@code nOut} channels.
 *
 * <p>The output is {@code mask * activation(batchNorm(conv(x)))}: the mask multiplies each channel
 * after the optional built-in batch normalisation and after the activation, so no normalisation can
 * divide it back out. Put a separate {@code BatchNormalization} after a {@code TopkConv} only if you
 * accept exactly that; turn on {@link Builder#batchNorm(boolean)} instead.
 *
 * <pre>{@code
 * new TopkConv.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
 *         .activation(Activation.RELU).batchNorm(true).hasBias(false).build()
 * }</pre>
 *
 * <p>Extra parameters: {@code a} (the ratio, own updater, never regularised), {@code importance}
 * (moving-average state kept in the parameter vector, updated by the importance listener), and with
 * batch normalisation {@code gamma, beta, mean, var}.
 */
public class TopkConv extends ConvolutionLayer implements SearchableLayer {

    private TopkOptions topkOptions = new TopkOptions();

    /** For JSON deserialisation. */
    protected TopkConv() {
    }

    protected TopkConv(Builder builder) {
        super(builder);
        this.cnn2dDataFormat = builder.dataFormat;
        this.topkOptions = builder.topk.build();
        topkOptions.validate("TopkConv", layerName, nOut);
    }

    @Override
    public TopkOptions getTopkOptions() {
        return topkOptions;
    }

    /**
     * Seen by DL4J's convolution code, this layer's activation is the identity (null while not set,
     * so network-wide defaults still apply): the real activation, {@link #getOutputActivation()}, is
     * applied after the normalisation and before the mask.
     */
    @Override
    @JsonIgnore
    public IActivation getActivationFn() {
        return activationFn == null ? null : new ActivationIdentity();
    }

    @Override
    @JsonProperty("activationFn")
    public IActivation getOutputActivation() {
        return activationFn;
    }

    /** Sets the activation applied before the mask (JSON reads it through here). */
    @Override
    @JsonProperty("activationFn")
    public void setActivationFn(IActivation activationFn) {
        this.activationFn = activationFn;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        IUpdater updater = LayerSupport.topkUpdater(topkOptions, paramName);
        return updater != null ? updater : super.getUpdaterByParam(paramName);
    }

    @Override
    public ParamInitializer initializer() {
        return new TopkParamInitializer(ConvolutionParamInitializer.getInstance());
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("TopkConv", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerSupport.instantiate(new io.dl4jdms.layers.impl.TopkConv(conf, networkDataType), initializer(), conf,
                trainingListeners, layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public TopkConv clone() {
        TopkConv clone = (TopkConv) super.clone();
        clone.topkOptions = topkOptions.clone();
        return clone;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TopkConv) || !super.equals(o)) {
            return false;
        }
        TopkConv other = (TopkConv) o;
        return topkOptions.equals(other.topkOptions) && Objects.equals(activationFn, other.activationFn);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hash(topkOptions, activationFn);
    }

    /** Builds a {@link TopkConv}; every {@code ConvolutionLayer.Builder} option is here too. */
    public static class Builder extends SearchableConvBuilder<Builder> {

        private final TopkOptions.Builder topk = new TopkOptions.Builder();

        public Builder(int[] kernelSize, int[] stride, int[] padding) {
            super(kernelSize, stride, padding);
        }

        public Builder(int[] kernelSize, int[] stride) {
            super(kernelSize, stride);
        }

        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        public Builder() {
            super();
        }

        /**
         * Data format of the activations in and out: NCHW (default) or NHWC. (Declared here too so that the
         * method keeps returning {@code TopkConv.Builder} in compiled code.)
         */
        @Override
        public Builder dataFormat(CNN2DFormat format) {
            return super.dataFormat(format);
        }

        /** The ratio {@code a} to start from, in [0, 1); default 0 (nothing pruned). */
        public Builder initialRatio(double initialRatio) {
            topk.initialRatio = initialRatio;
            return this;
        }

        /** The updater of {@code a}; default {@link TopkOptions#defaultRatioUpdater()}. */
        public Builder ratioUpdater(IUpdater updater) {
            topk.ratioUpdater = updater;
            return this;
        }

        /** Built-in batch normalisation between the convolution and the activation; default off. */
        public Builder batchNorm(boolean batchNorm) {
            topk.batchNorm = batchNorm;
            return this;
        }

        /** Decay of the built-in normalisation's running statistics, in (0, 1); default 0.9. */
        public Builder batchNormDecay(double decay) {
            topk.batchNormDecay = decay;
            return this;
        }

        /** Epsilon added to the variance by the built-in normalisation; default 1e-5. */
        public Builder batchNormEpsilon(double epsilon) {
            topk.batchNormEpsilon = epsilon;
            return this;
        }

        @Override
        public void setKernelSize(int... kernelSize) {
            this.kernelSize = ValidationUtils.validate2NonNegative(kernelSize, false, "kernelSize");
        }

        @Override
        @SuppressWarnings("unchecked")
        public TopkConv build() {
            validateGeometry();
            return new TopkConv(this);
        }
    }
}
