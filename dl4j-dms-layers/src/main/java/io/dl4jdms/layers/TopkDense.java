package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
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
 * A fully connected layer whose number of output features is searched: DL4J's dense layer
 * ({@code W}, {@code b}: always with a bias) with one differentiable top-k operator over its
 * {@code nOut} features. The output is {@code mask * activation(batchNorm(x W + b))}, the batch
 * normalisation being optional, exactly as in {@link TopkConv}.
 *
 * <pre>{@code
 * new TopkDense.Builder().nOut(128).activation(Activation.RELU).build()
 * }</pre>
 */
public class TopkDense extends FeedForwardLayer implements SearchableLayer {

    private TopkOptions topkOptions = new TopkOptions();

    /** For JSON deserialisation. */
    protected TopkDense() {
    }

    protected TopkDense(Builder builder) {
        super(builder);
        this.topkOptions = builder.topk.build();
        topkOptions.validate("TopkDense", layerName, nOut);
        initializeConstraints(builder);
    }

    @Override
    public TopkOptions getTopkOptions() {
        return topkOptions;
    }

    /**
     * Seen by DL4J's dense code, this layer's activation is the identity (null while not set, so
     * network-wide defaults still apply): the real activation, {@link #getOutputActivation()}, is
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
        return new TopkParamInitializer(DefaultParamInitializer.getInstance());
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("TopkDense", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerSupport.instantiate(new io.dl4jdms.layers.impl.TopkDense(conf, networkDataType), initializer(), conf,
                trainingListeners, layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType outputType = getOutputType(-1, inputType);
        long numParams = initializer().numParams(this);
        long updaterStateSize = getIUpdater().stateSize(numParams);
        // Training keeps the pre-output, its normalised copy and the activation: about 3x the output size.
        long trainingPerExample = 3 * outputType.arrayElementsPerExample();
        return LayerSupport.memoryReport(layerName, TopkDense.class, inputType, outputType, numParams,
                updaterStateSize, trainingPerExample);
    }

    @Override
    public TopkDense clone() {
        TopkDense clone = (TopkDense) super.clone();
        clone.topkOptions = topkOptions.clone();
        return clone;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TopkDense) || !super.equals(o)) {
            return false;
        }
        TopkDense other = (TopkDense) o;
        return topkOptions.equals(other.topkOptions) && Objects.equals(activationFn, other.activationFn);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hash(topkOptions, activationFn);
    }

    /** Builds a {@link TopkDense}. */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {

        private final TopkOptions.Builder topk = new TopkOptions.Builder();

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

        /** Built-in batch normalisation between the affine map and the activation; default off. */
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
        @SuppressWarnings("unchecked")
        public TopkDense build() {
            return new TopkDense(this);
        }
    }
}
