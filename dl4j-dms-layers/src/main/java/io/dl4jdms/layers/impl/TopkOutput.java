package io.dl4jdms.layers.impl;

import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.TopkOptions;
import io.dl4jdms.layers.TopkParamInitializer;
import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;

import java.util.function.BiFunction;
import java.util.function.Supplier;

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
    private final OutputStage.KeptPass kept = new OutputStage.KeptPass();

    TopkOutput(TopkLayerSupport layer) {
        this.layer = layer;
    }

    /**
     * Applies normalisation, activation and mask to {@code z}; returns the result. A training pass on the fast path
     * keeps its arrays (made in DL4J's activations workspace) for the backprop of the same {@code input}; otherwise
     * {@code z} is modified in place.
     *
     * @param input the layer's input the pass is for
     */
    INDArray activate(INDArray z, boolean training, INDArray input, LayerWorkspaceMgr workspaceMgr) {
        INDArray mask = TopkLayerSupport.maskVector(layer, layer.mask(), z.dataType());
        if (training && OutputStage.fastPath(z)) {
            OutputStage.Pass pass = OutputStage.train(z, mask, settings(), this::vector,
                    (type, shape) -> workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, type, shape, 'c'));
            kept.keep(input, pass);
            return pass.output();
        }
        kept.forget();
        return OutputStage.activate(z, training, mask, settings(), this::vector);
    }

    /**
     * Backprop through the output stage, then through the base layer: from the pass the forward pass kept for this
     * {@code input} if there is one, otherwise from the base layer's pre-output computed again.
     *
     * @param input          the layer's input
     * @param epsilon        dL/d(output)
     * @param preOutput      the base layer's pre-output for this input, computed again
     * @param parentBackprop the base layer's backprop, given its pre-output (handed over so that it does not compute
     *                       it again) and dL/dz
     */
    Pair<Gradient, INDArray> backprop(INDArray input, INDArray epsilon, Supplier<Pair<INDArray, INDArray>> preOutput,
                                      BiFunction<Pair<INDArray, INDArray>, INDArray, Pair<Gradient, INDArray>> parentBackprop) {
        TopkOptions options = layer.searchableConf().getTopkOptions();
        TopkMask mask = layer.mask();
        INDArray maskVector = TopkLayerSupport.maskVector(layer, mask, epsilon.dataType());
        OutputStage.Pass pass = kept.take(input);
        OutputStage.Backprop stage;
        Pair<INDArray, INDArray> handed;
        if (pass != null) {
            stage = OutputStage.backprop(pass, epsilon, maskVector, settings(), this::vector, layer::gradientView);
            handed = new Pair<>(pass.z(), null);
        } else {
            handed = preOutput.get();
            INDArray z = handed.getFirst();
            stage = OutputStage.backprop(z.dup(z.ordering()), epsilon, maskVector, settings(), this::vector,
                    layer::gradientView);
        }
        double[] maskGradient = stage.maskGradient();
        layer.runtime().putMaskGradient(maskGradient);

        Pair<Gradient, INDArray> result = parentBackprop.apply(handed, stage.epsilonZ());
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
