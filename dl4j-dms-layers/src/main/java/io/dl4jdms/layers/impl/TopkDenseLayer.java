package io.dl4jdms.layers.impl;

import io.dl4jdms.layers.SearchableLayer;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The implementation of {@link TopkDense}: DL4J's dense computation (identity activation) followed by
 * the {@link TopkOutput} stage.
 */
public class TopkDenseLayer extends BaseLayer<TopkDense> implements TopkLayerSupport {

    private final TopkOutput output = new TopkOutput(this);
    private final OperatorRuntime runtime = new OperatorRuntime();
    /** The pre-output computed at the start of backprop, handed to the parent's backprop. */
    private Pair<INDArray, INDArray> backpropPreOutput;

    public TopkDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = output.activate(preOutput(training, workspaceMgr), training);
        if (maskArray != null) {
            applyMask(out);
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Pair<INDArray, INDArray> preOutput = preOutputWithPreNorm(true, true, workspaceMgr);
        INDArray z = preOutput.getFirst();
        return output.backprop(z.dup(z.ordering()), epsilon, epsilonZ -> {
            backpropPreOutput = preOutput;
            try {
                return super.backpropGradient(epsilonZ, workspaceMgr);
            } finally {
                backpropPreOutput = null;
            }
        });
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        if (forBackprop && backpropPreOutput != null) {
            return backpropPreOutput;
        }
        return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
    }

    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return !TopkParamInitializer.isNormStatistic(paramName) && !IMPORTANCE_KEY.equals(paramName);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return true;
    }

    @Override
    public SearchableLayer searchableConf() {
        return layerConf();
    }

    @Override
    public String layerName() {
        return layerConf().getLayerName();
    }

    @Override
    public INDArray gradientView(String key) {
        return gradientViews.get(key);
    }

    @Override
    public int channelAxis() {
        return 1;
    }

    @Override
    public OperatorRuntime runtime() {
        return runtime;
    }
}
