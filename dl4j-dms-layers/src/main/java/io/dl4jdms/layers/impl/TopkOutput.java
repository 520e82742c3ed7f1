package io.dl4jdms.layers.impl;

import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.TopkOptions;
import io.dl4jdms.layers.TopkParamInitializer;
import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.Function;

/**
 * The output stage of a searchable layer, after its linear part {@code z}:
 * {@code out = mask * activation(batchNorm(z))}, the batch normalisation being optional (the
 * {@link OutputStage} with the top-k mask). The mask comes last so that no normalisation divides it back
 * out, and the slim network (mask 0/1) is the supernet with channels removed.
 *
 * <p>Backward, it returns {@code dL/dz} for the base layer's own backprop, writes the gradients of
 * {@code a} and of the normalisation's parameters into their views, and keeps
 * {@code dL/dm_i = sum(eps * activation(...))} (summed over all axes but the channel axis) for the
 * importance listener.
 */
final class TopkOutput {

    private final TopkLayerSupport layer;

    TopkOutput(TopkLayerSupport layer) {
        this.layer = layer;
    }

    /** Applies normalisation, activation and mask to {@code z}, in place; returns the result. */
    INDArray activate(INDArray z, boolean training) {
        INDArray mask = TopkLayerSupport.maskVector(layer, layer.mask(), z.dataType());
        return OutputStage.activate(z, training, mask, settings(), this::vector);
    }

    /**
     * Backprop through the output stage, then through the base layer.
     *
     * @param z              the base layer's pre-output for this input (consumed: modified in place)
     * @param epsilon        dL/d(output)
     * @param parentBackprop the base layer's backprop, given dL/dz
     */
    Pair<Gradient, INDArray> backprop(INDArray z, INDArray epsilon,
                                      Function<INDArray, Pair<Gradient, INDArray>> parentBackprop) {
        TopkOptions options = layer.searchableConf().getTopkOptions();
        TopkMask mask = layer.mask();
        INDArray maskVector = TopkLayerSupport.maskVector(layer, mask, epsilon.dataType());
        OutputStage.Backprop stage = OutputStage.backprop(z, epsilon, maskVector, settings(), this::vector,
                layer::gradientView);
        double[] maskGradient = stage.maskGradient();
        layer.runtime().putMaskGradient(maskGradient);

        Pair<Gradient, INDArray> result = parentBackprop.apply(stage.epsilonZ());
        Gradient gradient = result.getFirst();
        // The clamp of a is straight-through, so a can always come back into range.
        layer.gradientView(TopkOperator.RATIO_KEY).putScalar(0, mask.ratioGradient(maskGradient));
        layer.gradientView(TopkOperator.IMPORTANCE_KEY).assign(0);
        for (String key : searchKeys(options)) {
            gradient.setGradientFor(key, layer.gradientView(key));
        }
        return result;
    }

    private static String[] searchKeys(TopkOptions options) {
        return options.isBatchNorm()
                ? new String[] {TopkParamInitializer.GAMMA_KEY, TopkParamInitializer.BETA_KEY,
                        TopkParamInitializer.MEAN_KEY, TopkParamInitializer.VAR_KEY, TopkOperator.RATIO_KEY,
                        TopkOperator.IMPORTANCE_KEY}
                : new String[] {TopkOperator.RATIO_KEY, TopkOperator.IMPORTANCE_KEY};
    }

    private OutputStage.Settings settings() {
        TopkOptions options = layer.searchableConf().getTopkOptions();
        return new OutputStage.Settings(options.isBatchNorm(), options.getBatchNormEpsilon(),
                options.getBatchNormDecay(), layer.searchableConf().getOutputActivation(), layer.channelAxis());
    }

    private INDArray vector(String key) {
        return OutputStage.vector(layer.getParam(key));
    }

}
