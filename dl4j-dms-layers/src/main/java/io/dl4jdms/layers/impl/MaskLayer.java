package io.dl4jdms.layers.impl;

import io.dl4jdms.topk.TopK;
import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The implementation of {@link io.dl4jdms.layers.MaskLayer}: outputs its mask for every example of the batch; backward,
 * {@code dL/dm_i} is the batch sum of the incoming gradient (which the graph has already summed over
 * every vertex that reads the mask), and the input gets a zero gradient.
 */
public class MaskLayer extends OperatorBaseLayer<io.dl4jdms.layers.MaskLayer> {


    public MaskLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        TopkMask mask = mask();
        INDArray row = TopkLayerSupport.maskVector(this, mask, dataType);
        INDArray out = workspaceMgr.create(ArrayType.ACTIVATIONS, dataType, input.size(0), row.length());
        return out.addiRowVector(row);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        double[] maskGradient = epsilon.sum(0).toDoubleVector();
        runtime().putMaskGradient(maskGradient);
        gradientViews.get(RATIO_KEY).putScalar(0, mask().ratioGradient(maskGradient));
        gradientViews.get(IMPORTANCE_KEY).assign(0);
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(RATIO_KEY, gradientViews.get(RATIO_KEY));
        gradient.setGradientFor(IMPORTANCE_KEY, gradientViews.get(IMPORTANCE_KEY));
        INDArray epsilonNext = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), input.ordering());
        return new Pair<>(gradient, epsilonNext);
    }

    @Override
    public double slope() {
        return layerConf().isDepth() ? TopK.depthSlope(operatorSize()) : TopK.widthSlope(operatorSize());
    }

    @Override
    public boolean isDepthOperator() {
        return layerConf().isDepth();
    }

    @Override
    public boolean hasBias() {
        return false;
    }
}
