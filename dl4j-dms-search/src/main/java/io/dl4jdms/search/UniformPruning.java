package io.dl4jdms.search;

import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.resource.BudgetFit;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.topk.TopK;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Uniform magnitude pruning of a trained supernet, the baseline of the pretrained and structure-only pipelines: every
 * width operator keeps the same fraction of its channels (features), those whose producing filters have the largest
 * L1 norm (Li et al., "Pruning Filters for Efficient ConvNets"); every block is kept. The FLOPs move in steps with
 * the fraction, so of two cuts within {@code target * (1 + tolerance)} the one closer to the target is taken: the
 * largest uniform cut within it, or the smallest uniform cut that reaches the target trimmed by {@link BudgetFit}
 * (which removes the few channels of least norm per FLOP saved). The pruned network and the searched one thus have
 * the same FLOPs to within the budget tolerance above and a channel or a uniform step below. Nothing is trained:
 * the network keeps the supernet's weights.
 *
 * <p>The norm of a channel is taken over every weighted layer that writes it: the operator's own weights
 * ({@code TopkConv}, {@code TopkDense}), or, for a shared width mask of a residual stream, the convolutions that
 * write into the stream (walking back from each masked vertex through per-channel layers such as batch
 * normalisation and activations to the first layer with weights {@code W}).
 */
final class UniformPruning {

    private UniformPruning() {
    }

    /** What a pruning did. */
    static final class Result {
        /** The fraction of channels every width operator keeps before the budget fit. */
        final double keptFraction;
        /** The channels the budget fit removed after the uniform cut. */
        final int budgetFitRemoved;
        /** The FLOPs of the pruned network (hard masks). */
        final double flops;

        Result(double keptFraction, int budgetFitRemoved, double flops) {
            this.keptFraction = keptFraction;
            this.budgetFitRemoved = budgetFitRemoved;
            this.flops = flops;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "every width operator keeps %.1f%% of its channels by filter L1 norm%s, "
                    + "%.0f FLOPs", 100 * keptFraction, budgetFitRemoved == 0 ? ""
                    : " (" + budgetFitRemoved + " more removed to meet the budget)", flops);
        }
    }

    /**
     * Sets the supernet's operators to the uniform magnitude cut of {@code targetFlops} with hard masks: width
     * operators' importances become the channels' filter norms and their ratios the uniform kept fraction, depth
     * operators keep every block. Export it with {@code SlimExporter.export}.
     *
     * @throws IllegalArgumentException if a width operator's channels have no weights to measure, or the target
     *                                  is not positive
     */
    static Result prune(ComputationGraph supernet, ResourceModel model, double targetFlops, double tolerance) {
        if (!(targetFlops > 0) || Double.isInfinite(targetFlops)) {
            throw new IllegalArgumentException("uniform pruning: target FLOPs must be positive and finite, got "
                    + targetFlops);
        }
        List<TopkOperator> operators = model.operators();
        for (TopkOperator op : operators) {
            op.setHardMask(true);
            if (op.isDepthOperator()) {
                op.setRatio(0);
            } else {
                op.setImportance(filterNorms(supernet, op));
            }
        }
        // The kept FLOPs grow with the fraction in steps. Two candidates, both within the budget: the largest uniform
        // cut at most target * (1 + tolerance), and the smallest uniform cut that reaches the target trimmed by the
        // budget fit; the one with more FLOPs (closer to the target) is taken.
        double limit = targetFlops * (1 + tolerance);
        double below = largestFraction(model, operators, limit, false);
        double reaching = largestFraction(model, operators, targetFlops, true);
        keep(operators, reaching);
        BudgetFit.Result fit = BudgetFit.fit(model, ResourceKind.FLOPS, targetFlops, tolerance);
        keep(operators, below);
        double uniformFlops = model.evaluate(ResourceKind.FLOPS).value();
        if (fit.withinBudget && fit.after > uniformFlops) {
            keep(operators, reaching);
            BudgetFit.fit(model, ResourceKind.FLOPS, targetFlops, tolerance);
            return new Result(reaching, fit.removed.size(), model.evaluate(ResourceKind.FLOPS).value());
        }
        return new Result(below, 0, uniformFlops);
    }

    /**
     * By bisection: the largest kept fraction whose FLOPs are at most {@code flops} ({@code reach} false), or the
     * smallest whose FLOPs are at least {@code flops} ({@code reach} true; 1 if even the whole network is below).
     */
    private static double largestFraction(ResourceModel model, List<TopkOperator> operators, double flops,
                                          boolean reach) {
        double low = 0;
        double high = 1;
        for (int i = 0; i < 40; i++) {
            double mid = (low + high) / 2;
            keep(operators, mid);
            double value = model.evaluate(ResourceKind.FLOPS).value();
            if (reach ? value >= flops : value > flops) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return reach ? high : low;
    }

    /** Sets every width operator to keep {@code round(fraction * N)} (at least 1) of its N elements. */
    private static void keep(List<TopkOperator> operators, double fraction) {
        for (TopkOperator op : operators) {
            if (!op.isDepthOperator()) {
                int n = op.operatorSize();
                int k = (int) Math.max(1, Math.min(n, Math.round(fraction * n)));
                op.setRatio(1.0 - (double) k / n);
                if (TopK.keptSize(op.ratio(), n) != k) {
                    throw new IllegalStateException("operator '" + op.operatorName() + "' keeps "
                            + TopK.keptSize(op.ratio(), n) + " of " + n + ", expected " + k);
                }
            }
        }
    }

    /** The L1 norm of the weights that write each element of a width operator. */
    static double[] filterNorms(ComputationGraph net, TopkOperator op) {
        double[] norms = new double[op.operatorSize()];
        String name = op.operatorName();
        ComputationGraphConfiguration conf = net.getConfiguration();
        int producers = 0;
        if (hasWeights(net.getLayer(name))) {
            producers += add(norms, net.getLayer(name));
        } else {
            for (Map.Entry<String, List<String>> vertex : conf.getVertexInputs().entrySet()) {
                if (!vertex.getValue().contains(name)) {
                    continue;
                }
                for (String input : vertex.getValue()) {
                    if (!input.equals(name)) {
                        Layer producer = producer(net, input);
                        if (producer != null) {
                            producers += add(norms, producer);
                        }
                    }
                }
            }
        }
        if (producers == 0) {
            throw new IllegalArgumentException("uniform pruning: no layer with weights writes the channels of operator '"
                    + name + "'");
        }
        return norms;
    }

    /** The first layer with weights at or before {@code vertex}, through single-input vertices; null if none. */
    private static Layer producer(ComputationGraph net, String vertex) {
        Map<String, List<String>> inputs = net.getConfiguration().getVertexInputs();
        String current = vertex;
        while (current != null) {
            Layer layer = net.getVertex(current) != null && net.getVertex(current).hasLayer()
                    ? net.getVertex(current).getLayer() : null;
            if (hasWeights(layer)) {
                return layer;
            }
            List<String> in = inputs.get(current);
            current = in != null && in.size() == 1 ? in.get(0) : null;
        }
        return null;
    }

    private static boolean hasWeights(Layer layer) {
        return layer != null && layer.paramTable().containsKey("W");
    }

    /** Adds the per-output L1 norms of the layer's {@code W} (convolution [out, in, h, w], dense [in, out]). */
    private static int add(double[] norms, Layer layer) {
        INDArray w = layer.getParam("W");
        INDArray perOutput = w.rank() == 4 ? Transforms.abs(w, true).sum(1, 2, 3)
                : w.rank() == 2 ? Transforms.abs(w, true).sum(0) : null;
        if (perOutput == null || perOutput.length() != norms.length) {
            throw new IllegalArgumentException("uniform pruning: layer '" + layer.conf().getLayer().getLayerName()
                    + "' has weights of shape " + java.util.Arrays.toString(w.shape()) + ", which do not write "
                    + norms.length + " channels");
        }
        double[] v = perOutput.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
        for (int i = 0; i < norms.length; i++) {
            norms[i] += v[i];
        }
        return 1;
    }
}
