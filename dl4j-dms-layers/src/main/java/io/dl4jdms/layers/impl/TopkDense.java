package io.dl4jdms.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The implementation of {@link io.dl4jdms.layers.TopkDense}: DL4J's dense computation (identity activation) followed by
 * the {@link TopkOutput} stage.
 */
public class TopkDense extends OperatorBaseLayer<io.dl4jdms.layers.TopkDense> {

    private final TopkOutput output = new TopkOutput(this);
    private final PreOutputHandoff handoff = new PreOutputHandoff();

    public TopkDense(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = output.activate(preOutput(training, workspaceMgr), training, input, workspaceMgr);
        if (maskArray != null) {
            applyMask(out);
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        return output.backprop(input, epsilon, () -> preOutputWithPreNorm(true, true, workspaceMgr),
                (preOutput, epsilonZ) -> handoff.during(preOutput, () -> super.backpropGradient(epsilonZ, workspaceMgr)));
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        Pair<INDArray, INDArray> handed = handoff.forBackprop(forBackprop);
        return handed != null ? handed : super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
    }

    @Override
    public boolean hasBias() {
        return true;
    }
}
