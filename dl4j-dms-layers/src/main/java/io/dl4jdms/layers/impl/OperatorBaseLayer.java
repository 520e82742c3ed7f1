package io.dl4jdms.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the implementations built on DL4J's {@link BaseLayer} ({@link TopkDense}, {@link MaskLayer})
 * share as top-k operators: the operator's runtime state, the gradient views by key, and the updater rules
 * of {@link TopkLayerSupport#divideByMinibatch(String)}. Not a pretrain layer.
 *
 * @param <C> the layer's configuration
 */
abstract class OperatorBaseLayer<C extends org.deeplearning4j.nn.conf.layers.BaseLayer> extends BaseLayer<C>
        implements TopkLayerSupport {

    private final OperatorRuntime runtime = new OperatorRuntime();

    OperatorBaseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return TopkLayerSupport.divideByMinibatch(paramName);
    }

    @Override
    public void applyConstraints(int iteration, int epoch) {
        super.applyConstraints(iteration, epoch);
        clampRatio(iteration);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public INDArray gradientView(String key) {
        return gradientViews.get(key);
    }

    @Override
    public OperatorRuntime runtime() {
        return runtime;
    }
}
