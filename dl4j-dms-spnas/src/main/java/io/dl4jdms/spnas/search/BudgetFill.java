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
 * <p>When no single level fits what is left and the network is more than {@link #EXCHANGE_GAP} below the target, the
 * fill exchanges: it switches off the kept level the search wanted
 * least for the level it was nearest to keeping, if the two together take the network closer to the target without
 * passing it (largest ratio of the two norm/threshold values first). A search that ends a whole step below its target
 * (a skip gate that crossed it, a channel group that does not fit back) is taken closer this way, one level against
 * another. When no such pair fits either, two kept levels are given up for one left off (the ratio is then the one
 * left off's norm/threshold over the product of the two kept ones'): the level left off can be the larger step (a
 * skipped block brought back, a large block's channel group) that only fits with two smaller ones gone. Every
 * exchange takes the prediction strictly up, so the fill ends.
 *
 * <p>DMS's searches end with the same kind of fill over channels ({@code io.dl4jdms.resource.BudgetFit#fill}:
 * channels ranked by importance per unit of resource, a FLOPs or parameter budget).
 */
public final class BudgetFill {

    /**
     * Exchanges are made only while the prediction is more than this fraction below the target: each gives up a level
     * the search kept, and a gain smaller than the latency model's own error on a network (2 to 6% on held-out
     * networks, BENCHMARKS.md) is not worth one.
     */
    static final double EXCHANGE_GAP = 0.02;

    /** How far below its norm a switched-on indicator's threshold is placed (relative). */
    static final double BELOW_NORM = 1e-3;

    /**
     * One step of the fill: the block, its choice before and after, the indicator's norm/threshold, the new total;
     * for an exchange, {@code givenUp} holds the one or two levels switched off to make room (each with its block,
     * choices and norm/threshold; their {@code predictedMs} is NaN), else it is empty.
     */
    public record Step(String block, String from, String to, double normOverThreshold, double predictedMs,
                       List<Step> givenUp) {
        public Step {
            givenUp = List.copyOf(givenUp);
        }

        @Override
        public String toString() {
            String own = String.format(Locale.ROOT, "%s: %s -> %s (norm/threshold %.3f)", block, from, to,
                    normOverThreshold);
            List<String> room = new ArrayList<>();
            for (Step g : givenUp) {
                room.add(String.format(Locale.ROOT, "%s: %s -> %s (norm/threshold %.3f)", g.block, g.from, g.to,
                        g.normOverThreshold));
            }
            return String.format(Locale.ROOT, "%s%s, %.3f ms", own,
                    room.isEmpty() ? "" : " in exchange for " + String.join(" and ", room), predictedMs);
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
        // A single step adds one level and an exchange takes the prediction strictly up, so the fill ends; the bound
        // is a guard on top of that (twice the levels there are).
        int maxSteps = 0;
        for (SuperkernelOperator op : operators) {
            maxSteps += 2 * (op.kernelIndicators().size() + op.expansionIndicators().size());
        }
        while (steps.size() < maxSteps) {
            Map<String, SuperkernelChoice> choices = LatencyModel.choices(net);
            double currentMs = model.predictMs(choices);
            if (currentMs > targetMs) {
                return steps;
            }
            Option best = null;
            for (SuperkernelOperator op : operators) {
                for (Option o : options(op)) {
                    // Tried for real, then taken back: the choices and the prediction are those of the network.
                    List<Saved> saved = new ArrayList<>();
                    if (move(o, saved)) {
                        Map<String, SuperkernelChoice> next = LatencyModel.choices(net);
                        double ms = model.predictMs(next);
                        if (!next.equals(choices) && ms <= targetMs && (best == null || o.closeness > best.closeness)) {
                            best = o.withPredicted(ms);
                        }
                    }
                    restore(saved);
                }
            }
            if (best != null) {
                String from = best.op.choice().toString();
                move(best, new ArrayList<>());
                steps.add(new Step(best.op.operatorName(), from, best.op.choice().toString(), best.closeness,
                        best.predictedMs, List.of()));
                continue;
            }
            Exchange exchange = currentMs < (1 - EXCHANGE_GAP) * targetMs
                    ? bestExchange(net, model, operators, currentMs, targetMs) : null;
            if (exchange == null) {
                return steps;
            }
            List<Step> givenUp = new ArrayList<>();
            for (Option off : exchange.off) {
                String offFrom = off.op.choice().toString();
                move(off, new ArrayList<>());
                givenUp.add(new Step(off.op.operatorName(), offFrom, off.op.choice().toString(), off.closeness,
                        Double.NaN, List.of()));
            }
            String upFrom = exchange.up.op.choice().toString();
            move(exchange.up, new ArrayList<>());
            steps.add(new Step(exchange.up.op.operatorName(), upFrom, exchange.up.op.choice().toString(),
                    exchange.up.closeness, exchange.ms, givenUp));
        }
        return steps;
    }

    private record Exchange(List<Option> off, Option up, double ms) {
    }

    /**
     * When no single level fits any more: one level switched off (the kept level the search wanted least: smallest
     * norm / threshold) and one switched on (the one it was nearest to keeping: largest norm / threshold), together
     * more than the network takes now and at most the target; if no such pair fits, two kept levels (of two chains)
     * for one left off. Of those the one with the largest ratio of the closeness switched on to the product of the
     * closenesses switched off; {@code null} if none. Each exchange takes the prediction strictly up, so exchanges end.
     */
    private static Exchange bestExchange(Model net, LatencyModel model, List<SuperkernelOperator> operators,
                                         double currentMs, double targetMs) {
        List<Option> kept = new ArrayList<>();
        List<Option> left = new ArrayList<>();
        for (SuperkernelOperator op : operators) {
            kept.addAll(keptLevels(op));
            left.addAll(options(op));
        }
        Exchange one = bestExchange(net, model, kept, left, 1, currentMs, targetMs);
        return one != null ? one : bestExchange(net, model, kept, left, 2, currentMs, targetMs);
    }

    /** The best exchange of {@code count} (1 or 2) kept levels of different chains for one level left off. */
    private static Exchange bestExchange(Model net, LatencyModel model, List<Option> kept, List<Option> left, int count,
                                         double currentMs, double targetMs) {
        Exchange best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < kept.size(); i++) {
            for (int j = count == 1 ? i : i + 1; j < (count == 1 ? i + 1 : kept.size()); j++) {
                List<Option> off = count == 1 ? List.of(kept.get(i)) : List.of(kept.get(i), kept.get(j));
                if (count == 2 && sameChain(off.get(0), off.get(1))) {
                    continue;
                }
                List<Saved> saved = new ArrayList<>();
                boolean moved = true;
                double offCloseness = 1;
                for (Option o : off) {
                    moved &= move(o, saved);
                    offCloseness *= o.closeness;
                }
                if (moved) {
                    for (Option up : left) {
                        if (off.stream().anyMatch(o -> sameChain(o, up))) {
                            continue;
                        }
                        List<Saved> upSaved = new ArrayList<>();
                        if (move(up, upSaved)) {
                            double ms = model.predictMs(LatencyModel.choices(net));
                            double score = up.closeness / offCloseness;
                            if (ms > currentMs + 1e-9 && ms <= targetMs && score > bestScore) {
                                bestScore = score;
                                best = new Exchange(off, up, ms);
                            }
                        }
                        restore(upSaved);
                    }
                }
                restore(saved);
            }
        }
        return best;
    }

    private static boolean sameChain(Option a, Option b) {
        return a.op == b.op && a.key.equals(b.key);
    }

    /** A threshold as it was before a step changed it. */
    private record Saved(Layer layer, String key, int index, double value) {
    }

    /**
     * Moves the option's block one level in the option's chain (up for a level that is off, down for a kept one) and
     * holds every other level where it was: the nested indicator after it and the other chain's are compared with
     * norms that move with this step (the channel groups' norms are taken on the chosen kernel, the shells' on the
     * chosen channels), and could otherwise come on or go off with it. One step switching a block from "3x3 e3" to
     * "7x7 e6" would spend the latency of three; held, the fill moves one level at a time, and a level held off (its
     * threshold placed just above its norm) is the nearest candidate of a later step. Adds the thresholds it changed
     * to {@code saved}; false if the levels cannot be held (the caller restores).
     */
    private static boolean move(Option o, List<Saved> saved) {
        SuperkernelOperator op = o.op;
        boolean kernelStep = SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY.equals(o.key);
        int delta = o.down ? -1 : 1;
        int kernelLevel = op.kernelIndicators().hardCount() + (kernelStep ? delta : 0);
        int expansionLevel = op.expansionIndicators().hardCount() + (kernelStep ? 0 : delta);
        return holdLevels(op, kernelLevel, expansionLevel, saved);
    }

    private static boolean holdLevels(SuperkernelOperator op, int kernelLevel, int expansionLevel, List<Saved> saved) {
        Layer layer = layer(op);
        for (int round = 0; round < 4; round++) {
            boolean held = hold(layer, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, op.kernelIndicators(),
                    kernelLevel, saved);
            held &= hold(layer, SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, op.expansionIndicators(),
                    expansionLevel, saved);
            if (held) {
                return true;
            }
        }
        return false;
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

    /** A level of one chain of a block: one that is off and could come on next, or a kept one that could go. */
    private record Option(SuperkernelOperator op, String key, int index, boolean down, double closeness,
                          double predictedMs) {
        Option withPredicted(double ms) {
            return new Option(op, key, index, down, closeness, ms);
        }
    }

    /** The first indicator of each chain that is off (kernel shells only for a block that is not skipped). */
    private static List<Option> options(SuperkernelOperator op) {
        return levels(op, false);
    }

    /** The last indicator of each chain that is on (kernel shells only for a block that is not skipped). */
    private static List<Option> keptLevels(SuperkernelOperator op) {
        return levels(op, true);
    }

    /** Per chain, the level a step can move: the last one on ({@code down}) or the first one off. */
    private static List<Option> levels(SuperkernelOperator op, boolean down) {
        NestedIndicators kernel = op.kernelIndicators();
        NestedIndicators expansion = op.expansionIndicators();
        int k = kernel.hardCount();
        int e = expansion.hardCount();
        boolean skipped = op.searchSpace().skippable() && e == 0;
        List<Option> out = new ArrayList<>();
        if (!skipped && (down ? k > 0 : k < kernel.size())) {
            out.add(option(op, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, kernel, down ? k - 1 : k, down));
        }
        if (down ? e > 0 : e < expansion.size()) {
            out.add(option(op, SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, expansion, down ? e - 1 : e, down));
        }
        return out;
    }

    /** Closeness: norm / threshold; a threshold at or below 0 makes a kept level infinitely wanted. */
    private static Option option(SuperkernelOperator op, String key, NestedIndicators chain, int index, boolean down) {
        double norm = chain.norms()[index];
        double threshold = chain.thresholds()[index];
        double closeness = threshold > 0 ? norm / threshold : down ? Double.POSITIVE_INFINITY : 1.0;
        return new Option(op, key, index, down, closeness, Double.NaN);
    }

    private static Layer layer(SuperkernelOperator op) {
        if (!(op instanceof Layer)) {
            throw new IllegalStateException("budget fill: superkernel '" + op.operatorName() + "' is not a layer");
        }
        return (Layer) op;
    }
}
