package io.dl4jdms.listeners;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.resource.ResourceValue;
import io.dl4jdms.resource.TargetSchedule;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Adds the DMS resource loss {@code lambda_res * L_res(r_c, r_t)} to a search (METHOD.md section 2):
 * once per iteration, after the backward pass and before the updater, it evaluates the network's
 * resource {@code r_c} (FLOPs, parameters or latency; hard counts, as a fraction of the supernet's)
 * against the scheduled target {@code r_t} and adds {@code lambda_res * dL_res/da} to the gradient of
 * every operator's ratio, {@code dL_res/da = dL_res/dr_c * dr_c/da} with {@code dr_c/da} through the soft
 * counts ({@link ResourceModel}).
 *
 * <p>Loss types: the log hinge {@code log(r_c / r_t)} when {@code r_c > r_t} (default), or the squared
 * hinge {@code (r_c - r_t)^2}; 0 below the target while the target is still moving. Once the schedule
 * has reached the final target the loss, by default, holds the resource at the target from both sides
 * ({@code |log(r_c / r_t)|}, {@code (r_c - r_t)^2}), so the search ends at the budget rather than below
 * it; while held, within 5% of the target the kink of {@code |log|} is rounded to a parabola (continuous in value
 * and slope), so the ratios settle at the target instead of swinging across it; {@link Builder#holdAtTarget(boolean) holdAtTarget(false)} keeps the paper's one-sided hinge.
 *
 * <p>Targets: {@link Builder#targetFraction} of the supernet or {@link Builder#targetAbsolute} (FLOPs as
 * multiply-accumulates per example, parameters, or milliseconds). Schedules: constant, linear, or the
 * authors' geometric {@code r_t(e) = (r_final)^(e / e_end)} reaching the target at a chosen fraction of
 * the search (they use 0.8). Depth masks can be frozen hard for the final part of the search
 * ({@link Builder#freezeDepthFor}).
 *
 * <p>DL4J divides every gradient of {@code a} by the minibatch size after the listeners run; what is
 * added here is multiplied by the batch size first, so {@code lambda_res} weighs against the mean task
 * loss per example.
 *
 * <pre>{@code
 * ResourceModel model = ResourceModel.of(net, InputType.convolutional(28, 28, 1));
 * ResourceLossListener resource = ResourceLossListener.builder(model).flops().targetFraction(0.5).weight(5)
 *         .geometricSchedule(searchIterations, 0.8).freezeDepthFor(0.2).build();
 * net.setListeners(new TaylorImportanceListener(), resource);
 * net.fit(data, epochs);
 * log.info("FLOPs {} of the supernet, target {}, loss {}", resource.currentFraction(),
 *         resource.currentTarget(), resource.currentLoss());
 * }</pre>
 */
public final class ResourceLossListener extends BaseTrainingListener {

    /** The resource loss. */
    public enum LossType {
        /** {@code log(r_c / r_t)} above the target, 0 below (DMS's default). */
        LOG_HINGE,
        /** {@code (r_c - r_t)^2} above the target, 0 below. */
        L2
    }

    private final ResourceModel model;
    private final ResourceKind kind;
    private final TargetSchedule schedule;
    private final double weight;
    private final LossType lossType;
    private final long freezeDepthAt;
    private final boolean holdAtTarget;
    /**
     * Half-width, in {@code |log(r_c / r_t)|}, of the band around the target where the log hinge is rounded to a
     * parabola: 5% of the target.
     */
    static final double SMOOTH_BAND = 0.05;
    private final long firstIteration;

    private double currentFraction = Double.NaN;
    private double currentTarget = Double.NaN;
    private double currentLoss = Double.NaN;
    private double currentValue = Double.NaN;
    private boolean depthFrozen;
    private boolean checked;
    private final Map<TopkOperator, double[]> frozenDepth = new IdentityHashMap<>();

    private ResourceLossListener(Builder b, TargetSchedule schedule) {
        this.model = b.model;
        this.kind = b.kind;
        this.schedule = schedule;
        this.weight = b.weight;
        this.lossType = b.lossType;
        this.freezeDepthAt = b.freezeDepthAt;
        this.holdAtTarget = b.holdAtTarget;
        this.firstIteration = b.firstIteration;
    }

    public static Builder builder(ResourceModel model) {
        return new Builder(model);
    }

    @Override
    public void onGradientCalculation(Model network) {
        if (!checked) {
            requireSameNetwork(network);
            checked = true;
        }
        long absolute = iterationCount(network);
        long iteration = absolute - firstIteration;
        if (!depthFrozen && freezeDepthAt >= 0 && absolute >= freezeDepthAt) {
            // Attached (or resumed) past the freeze point: freeze now.
            freezeDepth();
        }
        ResourceValue value = model.evaluate(kind);
        double rc = value.fraction();
        double rt = schedule.at(iteration);
        currentValue = value.value();
        currentFraction = rc;
        currentTarget = rt;
        double dLossDFraction;
        boolean holding = holdAtTarget && iteration >= schedule.reachAt();
        if (rc <= rt && !holding) {
            currentLoss = 0;
            dLossDFraction = 0;
        } else if (lossType == LossType.LOG_HINGE) {
            double log = Math.log(rc / rt);
            if (!holding || Math.abs(log) >= SMOOTH_BAND) {
                currentLoss = Math.abs(log);
                dLossDFraction = Math.signum(log) / rc;
            } else {
                // Held at the target: within SMOOTH_BAND of it the kink of |log| is rounded to a parabola that meets
                // it in value and slope (its minimum is SMOOTH_BAND / 2, a constant): a constant-size push on both
                // sides made the ratios swing across the target until the search ended.
                currentLoss = (log * log / SMOOTH_BAND + SMOOTH_BAND) / 2;
                dLossDFraction = log / SMOOTH_BAND / rc;
            }
        } else {
            currentLoss = (rc - rt) * (rc - rt);
            dLossDFraction = 2 * (rc - rt);
        }
        if (dLossDFraction == 0) {
            return;
        }
        double scale = weight * dLossDFraction / value.full() * network.batchSize();
        for (TopkOperator op : model.operators()) {
            if (depthFrozen && op.isDepthOperator()) {
                continue;
            }
            double d = value.gradient().get(op.operatorName());
            if (d != 0) {
                op.ratioGradientView().putScalar(0, op.ratioGradientView().getDouble(0) + scale * d);
            }
        }
    }

    /**
     * A network resumed from a checkpoint past the freeze point runs its first iteration with the hard
     * depth masks already, as the uninterrupted run did ({@code fit(iterator)} calls this first; call it
     * before a loop of {@code fit(DataSet)}).
     */
    @Override
    public void onEpochStart(Model network) {
        if (!depthFrozen && freezeDepthAt >= 0 && iterationCount(network) >= freezeDepthAt) {
            freezeDepth();
        }
    }

    /**
     * Once frozen, every depth operator's ratio and importances are put back after each update. The
     * freeze itself happens at the end of the iteration before {@code freezeDepthAt}, after all updates, so
     * that iteration {@code freezeDepthAt} already runs with the hard masks.
     */
    @Override
    public void iterationDone(Model network, int iteration, int epoch) {
        frozenDepth.forEach((op, state) -> {
            op.setRatio(state[0]);
            op.setImportance(Arrays.copyOfRange(state, 1, state.length));
        });
        if (!depthFrozen && freezeDepthAt >= 0 && iterationCount(network) + 1 >= freezeDepthAt) {
            freezeDepth();
        }
    }

    /** Switches every depth operator to its hard mask and records its ratio and importances. */
    private void freezeDepth() {
        for (TopkOperator op : model.operators()) {
            if (op.isDepthOperator()) {
                op.setHardMask(true);
                double[] state = new double[op.operatorSize() + 1];
                state[0] = op.ratio();
                System.arraycopy(op.importance(), 0, state, 1, op.operatorSize());
                frozenDepth.put(op, state);
            }
        }
        depthFrozen = true;
    }

    /** The model's operators must be the network's (a model built for another network changes nothing). */
    private void requireSameNetwork(Model network) {
        Set<TopkOperator> ours = Collections.newSetFromMap(new IdentityHashMap<>());
        ours.addAll(OperatorState.operators(network));
        for (TopkOperator op : model.operators()) {
            if (!ours.contains(op)) {
                throw new IllegalStateException("ResourceLossListener: the resource model was built for another network"
                        + " (its operator '" + op.operatorName() + "' is not in the network being trained)");
            }
        }
    }

    private static long iterationCount(Model network) {
        return Iterations.count(network, "ResourceLossListener");
    }

    /** The resource at the latest iteration, with hard counts. */
    public double currentValue() {
        return currentValue;
    }

    /** The resource at the latest iteration as a fraction of the supernet's. */
    public double currentFraction() {
        return currentFraction;
    }

    /** The scheduled target fraction at the latest iteration. */
    public double currentTarget() {
        return currentTarget;
    }

    /** The resource loss (before {@code lambda_res}) at the latest iteration. */
    public double currentLoss() {
        return currentLoss;
    }

    public ResourceKind kind() {
        return kind;
    }

    /** {@code lambda_res}. */
    public double weight() {
        return weight;
    }

    public LossType lossType() {
        return lossType;
    }

    /** The network iteration from which depth masks are frozen, or -1 for never. */
    public long freezeDepthAt() {
        return freezeDepthAt;
    }

    public TargetSchedule schedule() {
        return schedule;
    }

    /** Whether the depth masks are frozen hard. */
    public boolean isDepthFrozen() {
        return depthFrozen;
    }

    /** Collects and checks the listener's settings. */
    public static final class Builder {
        private final ResourceModel model;
        private ResourceKind kind = ResourceKind.FLOPS;
        private double targetFraction = Double.NaN;
        private double targetAbsolute = Double.NaN;
        private double weight = 1.0;
        private LossType lossType = LossType.LOG_HINGE;
        private TargetSchedule.Shape shape = TargetSchedule.Shape.CONSTANT;
        private long reachAt;
        private long searchIterations = -1;
        private double freezeFinalFraction = Double.NaN;
        private long freezeDepthAt = -1;
        private boolean holdAtTarget = true;
        private long firstIteration;

        private Builder(ResourceModel model) {
            if (model == null) {
                throw new IllegalArgumentException("ResourceLossListener: resource model must not be null");
            }
            this.model = model;
        }

        /** Count FLOPs (default). */
        public Builder flops() {
            this.kind = ResourceKind.FLOPS;
            return this;
        }

        /** Count parameters. */
        public Builder params() {
            this.kind = ResourceKind.PARAMS;
            return this;
        }

        /** Count latency (the model needs a latency table, see {@link ResourceModel#withLatency}). */
        public Builder latency() {
            this.kind = ResourceKind.LATENCY;
            return this;
        }

        public Builder kind(ResourceKind kind) {
            this.kind = kind;
            return this;
        }

        /** The final target as a fraction of the supernet's resource, in (0, 1]. */
        public Builder targetFraction(double fraction) {
            this.targetFraction = fraction;
            this.targetAbsolute = Double.NaN;
            return this;
        }

        /** The final target as an absolute figure (FLOPs or parameters). */
        public Builder targetAbsolute(double value) {
            this.targetAbsolute = value;
            this.targetFraction = Double.NaN;
            return this;
        }

        /** {@code lambda_res}, positive; default 1. */
        public Builder weight(double weight) {
            this.weight = weight;
            return this;
        }

        public Builder lossType(LossType lossType) {
            this.lossType = lossType;
            return this;
        }

        /** The final target from the first iteration (default). */
        public Builder constantSchedule() {
            this.shape = TargetSchedule.Shape.CONSTANT;
            return this;
        }

        /** A straight line from the supernet to the target, reached at {@code reachFraction} of {@code searchIterations}. */
        public Builder linearSchedule(long searchIterations, double reachFraction) {
            return schedule(TargetSchedule.Shape.LINEAR, searchIterations, reachFraction);
        }

        /** The authors' geometric schedule, reaching the target at {@code reachFraction} of {@code searchIterations} (they use 0.8). */
        public Builder geometricSchedule(long searchIterations, double reachFraction) {
            return schedule(TargetSchedule.Shape.GEOMETRIC, searchIterations, reachFraction);
        }

        private Builder schedule(TargetSchedule.Shape shape, long searchIterations, double reachFraction) {
            if (searchIterations <= 0) {
                throw new IllegalArgumentException("ResourceLossListener: search iterations must be positive, got "
                        + searchIterations);
            }
            if (!(reachFraction > 0 && reachFraction <= 1)) {
                throw new IllegalArgumentException("ResourceLossListener: the schedule must reach its target within the"
                        + " search, at a fraction in (0, 1], got " + reachFraction);
            }
            this.shape = shape;
            this.searchIterations = searchIterations;
            this.reachAt = Math.max(1, Math.round(searchIterations * reachFraction));
            return this;
        }

        /**
         * The network's iteration count at which the search starts (default 0), e.g. after the supernet was
         * trained for a while: the schedule counts from there.
         */
        public Builder firstIteration(long iteration) {
            if (iteration < 0) {
                throw new IllegalArgumentException("ResourceLossListener: first iteration must be >= 0, got " + iteration);
            }
            this.firstIteration = iteration;
            return this;
        }

        /**
         * Freeze the depth masks hard from this iteration on (the authors freeze them for the last 20% of the
         * search): the depth operators switch to hard masks and their ratio and importances stay as they were.
         * The iteration is the network's own count (not counted from {@link #firstIteration}).
         * Default: never.
         */
        public Builder freezeDepthFrom(long iteration) {
            if (iteration < 0) {
                throw new IllegalArgumentException("ResourceLossListener: freeze iteration must be >= 0, got " + iteration);
            }
            this.freezeDepthAt = iteration;
            this.freezeFinalFraction = Double.NaN;
            return this;
        }

        /**
         * Freeze the depth masks hard for the final {@code finalFraction} of the search (the authors: 0.2),
         * i.e. from iteration {@code firstIteration + round((1 - finalFraction) * searchIterations)}; needs a
         * linear or geometric schedule, which gives the search length.
         */
        public Builder freezeDepthFor(double finalFraction) {
            if (!(finalFraction > 0 && finalFraction < 1)) {
                throw new IllegalArgumentException("ResourceLossListener: the frozen final part of the search must be a"
                        + " fraction in (0, 1), got " + finalFraction);
            }
            this.freezeFinalFraction = finalFraction;
            return this;
        }

        /**
         * Whether, once the schedule has reached the final target, the loss also pulls the resource up
         * to the target from below ({@code |log(r_c / r_t)|}, or {@code (r_c - r_t)^2}); default true.
         * The hinge alone lets the task loss prune on below the budget (with short searches it ended
         * about 10% under it here); holding makes the search end at the budget. False gives the
         * paper's one-sided hinge throughout.
         */
        public Builder holdAtTarget(boolean hold) {
            this.holdAtTarget = hold;
            return this;
        }

        public ResourceLossListener build() {
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("ResourceLossListener: weight lambda_res must be positive and finite,"
                        + " got " + weight);
            }
            if (kind == null || lossType == null) {
                throw new IllegalArgumentException("ResourceLossListener: resource kind and loss type must not be null");
            }
            if (kind == ResourceKind.LATENCY && !model.hasLatency()) {
                throw new IllegalArgumentException("ResourceLossListener: a latency target needs a resource model with a"
                        + " latency table (ResourceModel.withLatency)");
            }
            if (!Double.isNaN(freezeFinalFraction)) {
                if (searchIterations < 0) {
                    throw new IllegalArgumentException("ResourceLossListener: freezeDepthFor needs the search length;"
                            + " set a linear or geometric schedule, or use freezeDepthFrom(iteration)");
                }
                freezeDepthAt = firstIteration + Math.round((1 - freezeFinalFraction) * searchIterations);
            }
            if (freezeDepthAt >= 0 && freezeDepthAt < firstIteration) {
                throw new IllegalArgumentException("ResourceLossListener: depth masks would freeze at iteration "
                        + freezeDepthAt + ", before the search starts at iteration " + firstIteration);
            }
            double full = model.full(kind);
            double fraction = Double.isNaN(targetAbsolute) ? targetFraction : targetAbsolute / full;
            if (Double.isNaN(fraction)) {
                throw new IllegalArgumentException("ResourceLossListener: set a target (targetFraction or targetAbsolute)");
            }
            if (fraction > 1) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "ResourceLossListener: target %s %.6g (%.4g of the supernet) is above the supernet's %.6g",
                        kind, fraction * full, fraction, full));
            }
            double smallest = model.smallest(kind);
            if (fraction * full < smallest) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "ResourceLossListener: target %s %.6g (%.4g of the supernet) is below the smallest buildable"
                                + " network's %.6g (%.4g)", kind, fraction * full, fraction, smallest, smallest / full));
            }
            TargetSchedule schedule;
            switch (shape) {
                case LINEAR:
                    schedule = TargetSchedule.linear(fraction, reachAt);
                    break;
                case GEOMETRIC:
                    schedule = TargetSchedule.geometric(fraction, reachAt);
                    break;
                default:
                    schedule = TargetSchedule.constant(fraction);
            }
            return new ResourceLossListener(this, schedule);
        }
    }
}
