package io.dl4jdms.resource;

import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.topk.TopK;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Brings a searched structure within its budget before export. The resource loss holds the figure near the
 * target, but it is a penalty, not a constraint: a search can end a few per cent above the budget (the hard
 * count moves in steps of one channel while {@code a} moves smoothly). This removes, one element at a time,
 * the kept element that costs least importance per unit of resource saved, until the hard figure is at most
 * {@code target * (1 + tolerance)}.
 *
 * <p>Width operators only: a width step removes one channel or feature of one operator; depth operators are
 * left as searched (the search freezes them before its end). Importances are compared within an operator's
 * scale: the element removed is the operator's least important kept one, weighed by its importance over the
 * mean importance of the operator's kept elements. The ratios {@code a} are rewritten so that
 * {@code round((1 - a) N)} is the new kept size.
 *
 * <p>The other way, {@link #fill}: a structure that ended below its budget (a search that overshot, or a removal
 * above that saved more than was needed) gets back, one element at a time, the most important pruned element per
 * unit of resource it costs, as long as the hard figure stays at most the target. Single-Path NAS has the same
 * greedy fill for its superkernels ({@code io.dl4jdms.spnas.search.BudgetFill}, module {@code dl4j-dms-spnas}): there
 * the steps are indicator levels (a skip gate, a channel group, a kernel shell), ranked by norm over threshold, and
 * the figure is the latency table's prediction.
 *
 * <pre>{@code
 * double target = 0.5 * model.full(ResourceKind.FLOPS);
 * BudgetFit.Result shrunk = BudgetFit.fit(model, ResourceKind.FLOPS, target, 0.01);
 * BudgetFit.Result filled = BudgetFit.fill(model, ResourceKind.FLOPS, target);
 * }</pre>
 */
public final class BudgetFit {

    private BudgetFit() {
    }

    /** What a fit did. */
    public static final class Result {
        /** The hard figure before and after. */
        public final double before;
        public final double after;
        /** Elements removed ({@link #fit}), in order, as {@code operator name} entries (one per element). */
        public final List<String> removed;
        /** Elements added back ({@link #fill}), in order, as {@code operator name} entries (one per element). */
        public final List<String> added;
        /** Whether the figure is now within {@code target * (1 + tolerance)} ({@link #fill}: at most the target). */
        public final boolean withinBudget;

        Result(double before, double after, List<String> removed, List<String> added, boolean withinBudget) {
            this.before = before;
            this.after = after;
            this.removed = Collections.unmodifiableList(removed);
            this.added = Collections.unmodifiableList(added);
            this.withinBudget = withinBudget;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%.0f -> %.0f, %d element(s) %s%s", before, after,
                    added.isEmpty() ? removed.size() : added.size(), added.isEmpty() ? "removed" : "added back",
                    withinBudget ? "" : " (still above the budget: every width operator keeps one)");
        }
    }

    /**
     * Shrinks width operators until the hard figure of {@code kind} is at most {@code target * (1 + tolerance)}.
     *
     * @param target    the budget, in the figure's unit (e.g. FLOPs), positive and finite
     * @param tolerance the fraction above the target that is accepted, at least 0
     * @throws IllegalArgumentException on a target that is not positive and finite, or a negative tolerance
     */
    public static Result fit(ResourceModel model, ResourceKind kind, double target, double tolerance) {
        requireTarget(target);
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("BudgetFit: tolerance must be at least 0 and finite, got " + tolerance);
        }
        double limit = target * (1 + tolerance);
        double before = model.evaluate(kind).value();
        double current = before;
        List<String> removed = new ArrayList<>();
        while (current > limit) {
            Step best = bestStep(model, kind, current, -1, Double.POSITIVE_INFINITY);
            if (best == null) {
                break;
            }
            removed.add(best.apply());
            current = best.after;
        }
        return new Result(before, current, removed, List.of(), current <= limit);
    }

    /**
     * Grows width operators while the hard figure of {@code kind} stays at most {@code target}: each step adds the
     * pruned element that brings the most importance per unit of resource it costs (an operator's next element in its
     * importance order, weighed by its importance over the mean importance of the operator's kept elements), among
     * the steps that stay within the target. Depth operators are left as searched; a structure at or above the
     * target is left alone.
     *
     * @param target the budget, in the figure's unit (e.g. FLOPs), positive and finite
     * @throws IllegalArgumentException on a target that is not positive and finite
     */
    public static Result fill(ResourceModel model, ResourceKind kind, double target) {
        requireTarget(target);
        double before = model.evaluate(kind).value();
        double current = before;
        List<String> added = new ArrayList<>();
        for (Step best = bestStep(model, kind, current, 1, target); best != null;
             best = bestStep(model, kind, current, 1, target)) {
            added.add(best.apply());
            current = best.after;
        }
        return new Result(before, current, List.of(), added, current <= target);
    }

    /** One element more or fewer of one width operator, and the figure after it. */
    private static final class Step {
        final TopkOperator op;
        final int step;
        final double after;

        Step(TopkOperator op, int step, double after) {
            this.op = op;
            this.step = step;
            this.after = after;
        }

        /** Makes the step; returns the operator's name. */
        String apply() {
            op.setRatio(ratioFor(TopK.keptSize(op.ratio(), op.operatorSize()) + step, op.operatorSize()));
            return op.operatorName();
        }
    }

    /**
     * The best step of one element ({@code step} -1: removal, +1: addition) of a width operator whose figure moves the
     * right way and ends at most at {@code ceiling}: the removal that loses the least relative importance per unit
     * saved, or the addition that gains the most per unit added; null when no operator can take the step.
     */
    private static Step bestStep(ResourceModel model, ResourceKind kind, double current, int step, double ceiling) {
        Step best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (TopkOperator op : model.operators()) {
            if (op.isDepthOperator()) {
                continue;
            }
            int n = op.operatorSize();
            int k = TopK.keptSize(op.ratio(), n);
            if (k + step < 1 || k + step > n) {
                continue;
            }
            double ratio = op.ratio();
            op.setRatio(ratioFor(k + step, n));
            double after = model.evaluate(kind).value();
            op.setRatio(ratio);
            double moved = step * (after - current);
            if (!(moved > 0) || after > ceiling) {
                continue;
            }
            // The element that leaves (the least important kept one) or joins (the most important pruned one), over
            // the mean importance of the kept ones, per unit of resource; a removal scores its loss negatively.
            double score = step * relativeImportance(op.importance(), k, step < 0 ? k : k + 1) / moved;
            if (score > bestScore) {
                bestScore = score;
                best = new Step(op, step, after);
            }
        }
        return best;
    }

    private static void requireTarget(double target) {
        if (!(target > 0) || Double.isInfinite(target)) {
            throw new IllegalArgumentException("BudgetFit: target must be positive and finite, got " + target);
        }
    }

    /** The ratio whose kept size is exactly {@code k} of {@code n}: the middle of its rounding interval. */
    static double ratioFor(int k, int n) {
        return 1.0 - (double) k / n;
    }

    /**
     * The importance of the {@code rank}-th most important element over the mean importance of the {@code k} most
     * important (kept) ones (0 when they are all 0).
     */
    private static double relativeImportance(double[] importance, int k, int rank) {
        double[] sorted = importance.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (int i = sorted.length - k; i < sorted.length; i++) {
            sum += Math.abs(sorted[i]);
        }
        double mean = sum / k;
        double element = Math.abs(sorted[sorted.length - rank]);
        return mean == 0 ? 0 : element / mean;
    }
}
