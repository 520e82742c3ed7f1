package io.dl4jdms.layers.impl;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The implementation of {@link io.dl4jdms.layers.TopkConv}: DL4J's convolution (its conv path, with the identity as
 * activation) followed by the {@link TopkOutput} stage.
 */
public class TopkConv extends ConvolutionLayer implements TopkLayerSupport {

    private final TopkOutput output = new TopkOutput(this);
    private final OperatorRuntime runtime = new OperatorRuntime();
    private final PreOutputHandoff handoff = new PreOutputHandoff();

    public TopkConv(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        io.dl4jdms.layers.OneDnn.logStatusOnce();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = preOutput(training, false, workspaceMgr).getFirst();
        return output.activate(z, training, input, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        return output.backprop(input, epsilon, () -> preOutput(true, true, workspaceMgr),
                (preOutput, epsilonZ) -> handoff.during(preOutput, () -> super.backpropGradient(epsilonZ, workspaceMgr)));
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput4d(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        Pair<INDArray, INDArray> handed = handoff.forBackprop(forBackprop);
        return handed != null ? handed : super.preOutput4d(training, forBackprop, workspaceMgr);
    }

    @Override
    public void applyConstraints(int iteration, int epoch) {
        super.applyConstraints(iteration, epoch);
        clampRatio(iteration);
    }

    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return TopkLayerSupport.divideByMinibatch(paramName);
    }

    @Override
    public INDArray gradientView(String key) {
        return gradientViews.get(key);
    }

    @Override
    public int channelAxis() {
        return layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC ? 3 : 1;
    }

    @Override
    public OperatorRuntime runtime() {
        return runtime;
    }
}
