package io.dl4jdms.layers.impl;

import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.TopkOptions;
import io.dl4jdms.layers.TopkParamInitializer;
import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.function.Function;

/**
 * The output stage of a searchable layer, after its linear part {@code z}:
 * {@code out = mask * activation(batchNorm(z))}, the batch normalisation being optional. The mask comes
 * last so that no normalisation divides it back out, and the slim network (mask 0/1) is the supernet
 * with channels removed.
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
        TopkOptions options = layer.searchableConf().getTopkOptions();
        int axis = layer.channelAxis();
        if (options.isBatchNorm()) {
            INDArray mean;
            INDArray variance;
            if (training) {
                int[] reduce = reduceAxes(z, axis);
                mean = z.mean(reduce);
                variance = z.var(false, reduce);
            } else {
                mean = vector(TopkParamInitializer.MEAN_KEY);
                variance = vector(TopkParamInitializer.VAR_KEY);
            }
            normalizeInPlace(z, mean, variance, options.getBatchNormEpsilon(), axis);
            Broadcast.mul(z, vector(TopkParamInitializer.GAMMA_KEY), z, axis);
            Broadcast.add(z, vector(TopkParamInitializer.BETA_KEY), z, axis);
        }
        INDArray activated = activation().getActivation(z, training);
        return Broadcast.mul(activated, maskVector(layer.mask(), activated), activated, axis);
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
        int axis = layer.channelAxis();
        int[] reduce = reduceAxes(z, axis);
        TopkMask mask = layer.mask();

        INDArray normalized = null;
        INDArray batchMean = null;
        INDArray batchVariance = null;
        INDArray preActivation = z;
        if (options.isBatchNorm()) {
            batchMean = z.mean(reduce);
            batchVariance = z.var(false, reduce);
            normalized = normalizeInPlace(z, batchMean, batchVariance, options.getBatchNormEpsilon(), axis);
            preActivation = Broadcast.mul(normalized, vector(TopkParamInitializer.GAMMA_KEY), normalized.ulike(), axis);
            Broadcast.add(preActivation, vector(TopkParamInitializer.BETA_KEY), preActivation, axis);
        }

        INDArray activated = activation().getActivation(preActivation.dup(), true);
        double[] maskGradient = epsilon.mul(activated).sum(reduce).toDoubleVector();
        layer.runtime().putMaskGradient(maskGradient);

        INDArray epsilonActivated = Broadcast.mul(epsilon, maskVector(mask, epsilon), epsilon.ulike(), axis);
        INDArray epsilonPre = activation().backprop(preActivation, epsilonActivated).getFirst();

        INDArray epsilonZ = epsilonPre;
        if (options.isBatchNorm()) {
            layer.gradientView(TopkParamInitializer.GAMMA_KEY).assign(epsilonPre.mul(normalized).sum(reduce));
            layer.gradientView(TopkParamInitializer.BETA_KEY).assign(epsilonPre.sum(reduce));
            // dL/dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / std, with dxhat = dL/dy * gamma
            INDArray dNormalized = Broadcast.mul(epsilonPre, vector(TopkParamInitializer.GAMMA_KEY), epsilonPre.ulike(), axis);
            INDArray meanD = dNormalized.mean(reduce);
            INDArray meanDx = dNormalized.mul(normalized).mean(reduce);
            epsilonZ = Broadcast.sub(dNormalized, meanD, dNormalized, axis);
            Broadcast.mul(normalized, meanDx, normalized, axis);
            epsilonZ.subi(normalized);
            INDArray std = Transforms.sqrt(batchVariance.add(options.getBatchNormEpsilon()), false);
            Broadcast.div(epsilonZ, std, epsilonZ, axis);
            // Running statistics: a pseudo-gradient for a NoOp updater, as DL4J's BatchNormalization does:
            // stat - (1 - decay) * (stat - batch) = decay * stat + (1 - decay) * batch.
            double rate = 1.0 - options.getBatchNormDecay();
            layer.gradientView(TopkParamInitializer.MEAN_KEY)
                    .assign(vector(TopkParamInitializer.MEAN_KEY).sub(batchMean).muli(rate));
            layer.gradientView(TopkParamInitializer.VAR_KEY)
                    .assign(vector(TopkParamInitializer.VAR_KEY).sub(batchVariance).muli(rate));
        }

        Pair<Gradient, INDArray> result = parentBackprop.apply(epsilonZ);
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

    private IActivation activation() {
        return layer.searchableConf().getOutputActivation();
    }

    private INDArray vector(String key) {
        INDArray param = layer.getParam(key);
        return param.reshape(param.length());
    }

    /** The mask the forward pass applies: soft, or hard 0/1 in hard-mask mode. */
    private INDArray maskVector(TopkMask mask, INDArray like) {
        return Nd4j.createFromArray(layer.isHardMask() ? mask.hard() : mask.soft()).castTo(like.dataType());
    }

    /** (x - mean) / sqrt(variance + epsilon) per channel, in place on x. */
    private static INDArray normalizeInPlace(INDArray x, INDArray mean, INDArray variance, double epsilon, int axis) {
        INDArray std = Transforms.sqrt(variance.add(epsilon), false);
        Broadcast.sub(x, mean, x, axis);
        return Broadcast.div(x, std, x, axis);
    }

    private static int[] reduceAxes(INDArray x, int channelAxis) {
        int[] axes = new int[x.rank() - 1];
        int j = 0;
        for (int i = 0; i < x.rank(); i++) {
            if (i != channelAxis) {
                axes[j++] = i;
            }
        }
        return axes;
    }
}
