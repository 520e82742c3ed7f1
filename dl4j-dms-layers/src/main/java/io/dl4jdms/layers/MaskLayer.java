package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.params.EmptyParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

import java.util.Collection;

/**
 * A layer that is nothing but a top-k operator: it takes any activation (only for its batch size) and
 * outputs the mask {@code [batch, N]}. Vertices that read the mask apply it, and a
 * {@code ComputationGraph} sums the gradients of all of them, so one operator is shared by every place
 * that reads it. See {@link DepthMask} (blocks of a stage) and {@link WidthMask} (channels of a stream).
 */
public abstract class MaskLayer extends BaseLayer implements SearchableLayer {

    private int size;
    private TopkOptions topkOptions = new TopkOptions();

    /** For JSON deserialisation. */
    protected MaskLayer() {
    }

    protected MaskLayer(Builder<?> builder, String layerType) {
        super(builder);
        this.size = builder.size;
        this.topkOptions = builder.topk.build();
        topkOptions.validate(layerType, layerName, size);
    }

    /** True for a depth operator. */
    @JsonIgnore
    public abstract boolean isDepth();

    /** N, the number of blocks or channels the mask covers. */
    public int getSize() {
        return size;
    }

    @Override
    @JsonIgnore
    public long getNOut() {
        return size;
    }

    @Override
    public TopkOptions getTopkOptions() {
        return topkOptions;
    }

    @Override
    @JsonIgnore
    public IActivation getOutputActivation() {
        return new ActivationIdentity();
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNOutSet(getClass().getSimpleName(), getLayerName(), layerIndex, size);
        return LayerSupport.instantiate(new io.dl4jdms.layers.impl.MaskLayer(conf, networkDataType), initializer(), conf,
                trainingListeners, layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return new TopkParamInitializer(EmptyParamInitializer.getInstance());
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return TopkOperator.RATIO_KEY.equals(paramName) ? topkOptions.getRatioUpdater() : new NoOp();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(size);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // The input only gives the batch size.
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long numParams = initializer().numParams(this);
        return LayerSupport.memoryReport(layerName, getClass(), inputType, getOutputType(-1, inputType), numParams,
                topkOptions.getRatioUpdater().stateSize(1), 0);
    }

    @Override
    public MaskLayer clone() {
        MaskLayer clone = (MaskLayer) super.clone();
        clone.topkOptions = topkOptions.clone();
        return clone;
    }

    @Override
    public boolean equals(Object o) {
        if (o == null || o.getClass() != getClass() || !super.equals(o)) {
            return false;
        }
        MaskLayer other = (MaskLayer) o;
        return size == other.size && topkOptions.equals(other.topkOptions);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * super.hashCode() + size) + topkOptions.hashCode();
    }

    /** Options shared by the mask layers' builders. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends BaseLayer.Builder<T> {
        private int size;
        private final TopkOptions.Builder topk = new TopkOptions.Builder();

        protected Builder(int size) {
            this.size = size;
        }

        /** The ratio {@code a} to start from, in [0, 1); default 0 (nothing pruned). */
        public T initialRatio(double initialRatio) {
            topk.initialRatio = initialRatio;
            return (T) this;
        }

        /** The updater of {@code a}; default {@link TopkOptions#defaultRatioUpdater()}. */
        public T ratioUpdater(IUpdater updater) {
            topk.ratioUpdater = updater;
            return (T) this;
        }
    }
}
