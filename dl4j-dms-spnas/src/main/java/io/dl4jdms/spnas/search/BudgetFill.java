package io.dl4jdms.spnas.search;

import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.spnas.NestedIndicators;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.latency.LatencyModel;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Spends the latency the search left below its target. The search ends at the last hard choices at or below the
 * target that its hold kept; its steps are whole candidates (a skipped block, a channel group, a kernel shell), so
 * it can stop several percent below the target with latency to spare (one default run ended 8% below: three blocks
 * skipped in one epoch, and no single step back fitted into what was left).
 *
 * <p>The fill switches on, one at a time, the indicator that is off and nearest to being on, as long as the
 * network stays at or below the target. Each superkernel has two nested chains of indicators
 * {@code 1[||w||^2 > t]} (kernel shells; skip gate and channel groups): only the first indicator that is off in a
 * chain can come on (a block's kernel shells only when the block is not skipped). "Nearest" is the largest
 * {@code ||w||^2 / t}: the weights' norm is what the task loss built up, the threshold is what the latency loss
 * pushed up against it; the candidate whose weights came closest to their threshold is the one the search was
 * closest to keeping. Switching one on sets its threshold just below its norm, so the supernet's own hard choices,
 * its forward pass and its export all agree with the filled choices. Each step moves its block one level in one
 * chain and holds every other level where it was: a block's levels are compared with norms that move with each
 * other, and one step switching a block from "3x3 e3" to "7x7 e6" would spend the latency of three. A level held
 * off has its threshold just above its norm, so it is the nearest candidate of the next step. The fill is a pure
 * function of the searched network, so a resumed search fills exactly as the uninterrupted one did.
 *
 * <p>DMS's searches end with the same kind of fill over channels ({@code io.dl4jdms.resource.BudgetFit#fill}:
 * channels ranked by importance per unit of resource, a FLOPs or parameter budget).
 */
public final class BudgetFill {

    /** How far below its norm a switched-on indicator's threshold is placed (relative). */
    static final double BELOW_NORM = 1e-3;

    /** One step of the fill: the block, its choice before and after, the indicator's norm/threshold, the new total. */
    public record Step(String block, String from, String to, double normOverThreshold, double predictedMs) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %s -> %s (norm/threshold %.3f), %.3f ms", block, from, to,
                    normOverThreshold, predictedMs);
        }
    }

    private BudgetFill() {
    }

    /**
     * Fills the network's hard choices up to the target (see the class comment); returns the steps taken, none if
     * nothing fits or the network is above the target already.
     *
     * @param net      a network of {@link SuperkernelOperator} layers (changed in place: thresholds only)
     * @param model    its latency model
     * @param targetMs the latency target, ms (&gt; 0)
     */
    public static List<Step> fill(Model net, LatencyModel model, double targetMs) {
        if (!(targetMs > 0)) {
            throw new IllegalArgumentException("budget fill: the target must be > 0 ms, got " + targetMs);
        }
        List<SuperkernelOperator> operators = LatencyModel.operators(net);
        List<Step> steps = new ArrayList<>();
        // Every step switches an indicator on; a bound on the steps guards against a chain whose norms move with
        // the other chain's choice (the expansion norms are taken on the chosen kernel).
        int maxSteps = 0;
        for (SuperkernelOperator op : operators) {
            maxSteps += 2 * (op.kernelIndicators().size() + op.expansionIndicators().size());
        }
        while (steps.size() < maxSteps) {
            Map<String, SuperkernelChoice> choices = LatencyModel.choices(net);
            if (model.predictMs(choices) > targetMs) {
                return steps;
            }
            Option best = null;
            for (SuperkernelOperator op : operators) {
                for (Option o : options(op)) {
                    // Tried for real, then taken back: the choices and the prediction are those of the network.
                    List<Saved> saved = switchOn(o);
                    if (saved == null) {
                        continue;
                    }
                    Map<String, SuperkernelChoice> next = LatencyModel.choices(net);
                    double ms = model.predictMs(next);
                    restore(saved);
                    if (!next.equals(choices) && ms <= targetMs && (best == null || o.closeness > best.closeness)) {
                        best = o.withPredicted(ms);
                    }
                }
            }
            if (best == null) {
                return steps;
            }
            String from = best.op.choice().toString();
            switchOn(best);
            steps.add(new Step(best.op.operatorName(), from, best.op.choice().toString(), best.closeness,
                    best.predictedMs));
        }
        return steps;
    }

    /** A threshold as it was before a step changed it. */
    private record Saved(Layer layer, String key, int index, double value) {
    }

    /**
     * Switches the option's indicator on and holds the block to one level more in that chain and the same level in
     * the other: the nested indicator after it, and the other chain's, are compared with norms that move with this
     * step (the channel groups' norms are taken on the chosen kernel, the shells' on the chosen channels), and
     * could otherwise come on or go off with it. One step switching a block from "3x3 e3" to "7x7 e6" would spend
     * the latency of three; held, the fill moves one level at a time, and the level held off (its threshold placed
     * just above its norm) is the nearest candidate of a later step. Returns the thresholds it changed, or
     * {@code null} (and changes nothing) if the levels cannot be held.
     */
    private static List<Saved> switchOn(Option o) {
        SuperkernelOperator op = o.op;
        Layer layer = layer(o);
        boolean kernelStep = SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY.equals(o.key);
        int kernelLevel = op.kernelIndicators().hardCount() + (kernelStep ? 1 : 0);
        int expansionLevel = op.expansionIndicators().hardCount() + (kernelStep ? 0 : 1);
        List<Saved> saved = new ArrayList<>();
        set(layer, o.key, o.index, o.norm * (1 - BELOW_NORM) - 1e-12, saved);
        for (int round = 0; round < 4; round++) {
            boolean held = hold(layer, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, op.kernelIndicators(),
                    kernelLevel, saved);
            held &= hold(layer, SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, op.expansionIndicators(),
                    expansionLevel, saved);
            if (held) {
                return saved;
            }
        }
        restore(saved);
        return null;
    }

    /**
     * Moves the chain's thresholds so that exactly {@code level} leading indicators are on; true if they were
     * already (nothing moved).
     */
    private static boolean hold(Layer layer, String key, NestedIndicators chain, int level, List<Saved> saved) {
        int count = chain.hardCount();
        if (count == level) {
            return true;
        }
        double[] norms = chain.norms();
        if (count > level) {
            set(layer, key, level, norms[level] * (1 + BELOW_NORM) + 1e-12, saved);
        } else {
            for (int i = count; i < level; i++) {
                set(layer, key, i, norms[i] * (1 - BELOW_NORM) - 1e-12, saved);
            }
        }
        return false;
    }

    private static void set(Layer layer, String key, int index, double value, List<Saved> saved) {
        saved.add(new Saved(layer, key, index, layer.getParam(key).getDouble(index)));
        layer.getParam(key).putScalar(index, value);
    }

    /** Puts back the thresholds in the reverse order they were changed. */
    private static void restore(List<Saved> saved) {
        for (int i = saved.size() - 1; i >= 0; i--) {
            Saved s = saved.get(i);
            s.layer.getParam(s.key).putScalar(s.index, s.value);
        }
    }

    private record Option(SuperkernelOperator op, String key, int index, double norm, double closeness,
                          double predictedMs) {
        Option withPredicted(double ms) {
            return new Option(op, key, index, norm, closeness, ms);
        }
    }

    /** The first indicator of each chain that is off (kernel shells only for a block that is not skipped). */
    private static List<Option> options(SuperkernelOperator op) {
        NestedIndicators kernel = op.kernelIndicators();
        NestedIndicators expansion = op.expansionIndicators();
        int k = kernel.hardCount();
        int e = expansion.hardCount();
        boolean skipped = op.searchSpace().skippable() && e == 0;
        List<Option> out = new ArrayList<>();
        if (k < kernel.size() && !skipped) {
            out.add(option(op, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, kernel, k));
        }
        if (e < expansion.size()) {
            out.add(option(op, SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, expansion, e));
        }
        return out;
    }

    private static Option option(SuperkernelOperator op, String key, NestedIndicators chain, int index) {
        double norm = chain.norms()[index];
        double threshold = chain.thresholds()[index];
        return new Option(op, key, index, norm, threshold > 0 ? norm / threshold : 1.0, Double.NaN);
    }

    private static Layer layer(Option o) {
        if (!(o.op instanceof Layer)) {
            throw new IllegalStateException("budget fill: superkernel '" + o.op.operatorName() + "' is not a layer");
        }
        return (Layer) o.op;
    }
}
