package io.dl4jdms.spnas.latency;

import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.listeners.Iterations;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds the Single-Path NAS latency loss {@code lambda * log(R / R_target)} to a search: once per
 * iteration, after the backward pass and before the updater, it evaluates the {@link LatencyModel} at the
 * superkernels' current thresholds and adds {@code lambda * (1 / R) * dR/dt} to every threshold's
 * gradient.
 *
 * <ul>
 *   <li>Without a target ({@code targetMs = 0}) the loss is the paper's {@code lambda * log R}: it always
 *       pushes towards faster candidates. With a target it is a hinge, zero once {@code R <= (1 - margin) target}
 *       ({@link Builder#targetMargin}).</li>
 *   <li>{@code lambda} is 0 during the first {@code warmupIterations} (the paper warms the weights up before
 *       the architecture is searched).</li>
 *   <li>Threshold start ({@link Builder#thresholdStart}): when the warm-up ends, every threshold is placed at
 *       {@code (1 - margin)} times its norm (the skip gates further away: {@link Builder#skipThresholdStart}). During the warm-up the task loss pushes the thresholds down (every
 *       shell helps an untrained network), far from the norms they must reach to switch anything off; from
 *       {@code (1 - margin) ||w||} the search decides within a few dozen steps.</li>
 *   <li>Weight schedule ({@link Builder#weightGrowth}): with a target, {@code lambda} is a multiplier of the
 *       constraint {@code R <= target}: it grows by the factor {@code 1 + growth} every iteration the
 *       prediction is above the target and shrinks back towards the set weight by the same factor below it.
 *       The thresholds' updater (Adam) normalises each threshold's gradient, so a larger {@code lambda} does not
 *       move the thresholds faster; it tips the balance against the task loss's gradient, threshold by threshold,
 *       so the candidates whose accuracy matters least go first, until the target is reached.</li>
 *   <li>Hold ({@link Builder#hold}): an update that starts with the hard choices at or below the target and would
 *       take them above it is taken back, so the search ends at or below the target; below it, the thresholds
 *       follow the task loss (switching candidates back on while the latency allows). An update that starts above
 *       the target is never taken back: the weights' training moves the norms, and with them the hard choices,
 *       above the target now and then, and the thresholds must then follow the latency loss back.</li>
 *   <li>DL4J divides gradients by the minibatch size after the listeners run; what is added here is
 *       multiplied by the batch size first, so {@code lambda} weighs against the mean task loss.</li>
 * </ul>
 *
 * <pre>{@code
 * net.setListeners(LatencyLossListener.builder(LatencyModel.of(table)).weight(0.05).targetMs(3.0)
 *         .warmupIterations(200).build());
 * }</pre>
 */
public final class LatencyLossListener extends BaseTrainingListener {

    private final LatencyModel model;
    private final double weight;
    private final double targetMs;
    private final long warmupIterations;
    private final double thresholdStart;
    private final double skipThresholdStart;
    private final double weightGrowth;
    private final double targetMargin;

    private final boolean hold;

    private double currentWeight;
    private boolean placed;
    private boolean reached;
    private Map<SuperkernelOperator, INDArray[]> beforeUpdate;
    private long reverted;
    private double currentMs = Double.NaN;
    private double currentLoss = Double.NaN;

    private LatencyLossListener(Builder b) {
        this.model = b.model;
        this.weight = b.weight;
        this.targetMs = b.targetMs;
        this.warmupIterations = b.warmupIterations;
        this.thresholdStart = b.thresholdStart;
        this.skipThresholdStart = b.skipThresholdStart;
        this.weightGrowth = b.weightGrowth;
        this.targetMargin = b.targetMargin;
        this.hold = b.hold;
        this.currentWeight = b.weight;
    }

    public static Builder builder(LatencyModel model) {
        return new Builder(model);
    }

    @Override
    public void onGradientCalculation(Model network) {
        List<SuperkernelOperator> operators = LatencyModel.operators(network);
        boolean searching = iterationCount(network) >= warmupIterations;
        if (searching && !placed) {
            placed = true;
            if (thresholdStart > 0) {
                operators.forEach(op -> placeThresholds(op, 1 - thresholdStart, 1 - skipThresholdStart));
            }
        }
        LatencyModel.Estimate estimate = model.evaluate(operators);
        double r = estimate.ms();
        currentMs = r;
        if (searching && hold && targetMs > 0) {
            // Only an update that starts at or below the target is held there. After the target was reached, the
            // weights' updates move the norms the thresholds are compared with and can switch candidates back on;
            // from above the target the thresholds must be free to come back, at most a learning rate per step.
            // (Holding from "reached" on took back every one of those steps: the thresholds froze above the target
            // for the rest of the search while lambda kept growing.)
            boolean within = model.predictMs(LatencyModel.choices(network)) <= targetMs;
            reached |= within;
            beforeUpdate = within ? snapshot(operators) : null;
        }
        double aim = targetMs * (1 - targetMargin);
        boolean above = targetMs <= 0 || r > aim;
        if (searching && targetMs > 0 && weightGrowth > 0) {
            currentWeight = above ? currentWeight * (1 + weightGrowth) : Math.max(weight, currentWeight / (1 + weightGrowth));
        }
        boolean active = searching && currentWeight != 0 && above;
        currentLoss = active ? currentWeight * Math.log(targetMs > 0 ? r / aim : r) : 0.0;
        if (!active || r <= 0) {
            return;
        }
        double scale = currentWeight / r * network.batchSize();
        for (SuperkernelOperator op : operators) {
            add(op.thresholdGradientView(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY),
                    estimate.kernelThresholdGradient().get(op.operatorName()), scale);
            add(op.thresholdGradientView(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY),
                    estimate.expansionThresholdGradient().get(op.operatorName()), scale);
        }
    }

    /**
     * With {@link Builder#hold}: an update that started at or below the target and whose hard choices predict more
     * than the target is taken back (the thresholds return to where they were before it), so the search stays at or
     * below the target and spends the latency left below it where the task loss's gradient asks for it.
     */
    @Override
    public void iterationDone(Model network, int iteration, int epoch) {
        if (beforeUpdate == null) {
            return;
        }
        if (model.predictMs(LatencyModel.choices(network)) > targetMs) {
            beforeUpdate.forEach((op, thresholds) -> {
                Layer layer = (Layer) op;
                layer.getParam(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY).assign(thresholds[0]);
                layer.getParam(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY).assign(thresholds[1]);
            });
            reverted++;
        }
        beforeUpdate = null;
    }

    private static Map<SuperkernelOperator, INDArray[]> snapshot(List<SuperkernelOperator> operators) {
        Map<SuperkernelOperator, INDArray[]> out = new LinkedHashMap<>();
        for (SuperkernelOperator op : operators) {
            if (op instanceof Layer && hasThresholds((Layer) op)) {
                Layer layer = (Layer) op;
                out.put(op, new INDArray[] {layer.getParam(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY).dup(),
                        layer.getParam(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY).dup()});
            }
        }
        return out;
    }

    private static boolean hasThresholds(Layer layer) {
        return layer.paramTable().containsKey(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY)
                && layer.paramTable().containsKey(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY);
    }

    /**
     * What the listener has learnt over the iterations so far (the grown {@code lambda}, whether the thresholds were
     * placed and the target reached, the updates taken back), for a checkpoint: a search resumed with
     * {@link #resume(Progress)} goes on exactly as an uninterrupted one.
     */
    public static final class Progress {
        public double currentWeight;
        public boolean placed;
        public boolean reached;
        public long reverted;
    }

    /** The listener's state now, to be saved with the network (see {@link Progress}). */
    public Progress progress() {
        Progress p = new Progress();
        p.currentWeight = currentWeight;
        p.placed = placed;
        p.reached = reached;
        p.reverted = reverted;
        return p;
    }

    /** Takes up the state saved by {@link #progress()} with the network it belongs to. */
    public void resume(Progress p) {
        currentWeight = p.currentWeight;
        placed = p.placed;
        reached = p.reached;
        reverted = p.reverted;
    }

    /** Whether the hard choices have been at or below the target at the start of an iteration of the search. */
    public boolean reached() {
        return reached;
    }

    /** How many updates were taken back because they left the target ({@link Builder#hold}). */
    public long revertedUpdates() {
        return reverted;
    }

    /**
     * Sets every threshold of the layer to {@code fraction} times the norm it is compared with, the skip gate (the
     * first expansion threshold of a layer that can be skipped) to {@code skipFraction} times its norm.
     */
    private static void placeThresholds(SuperkernelOperator op, double fraction, double skipFraction) {
        if (!(op instanceof Layer)) {
            return;
        }
        Layer layer = (Layer) op;
        place(layer, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, op.kernelIndicators().norms(), fraction,
                fraction);
        place(layer, SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, op.expansionIndicators().norms(),
                op.searchSpace().skippable() ? skipFraction : fraction, fraction);
    }

    private static void place(Layer layer, String key, double[] norms, double firstFraction, double fraction) {
        if (norms.length == 0 || !layer.paramTable().containsKey(key)) {
            return;
        }
        INDArray thresholds = layer.getParam(key);
        for (int i = 0; i < norms.length; i++) {
            thresholds.putScalar(i, (i == 0 ? firstFraction : fraction) * norms[i]);
        }
    }

    private static void add(INDArray view, double[] gradient, double scale) {
        if (view == null) {
            return;
        }
        for (int i = 0; i < gradient.length; i++) {
            view.putScalar(i, view.getDouble(i) + scale * gradient[i]);
        }
    }

    private static long iterationCount(Model network) {
        return Iterations.count(network, "LatencyLossListener");
    }

    /** The model's runtime at the latest iteration (in the layers' mode: exact table entries when hard), ms. */
    public double currentMs() {
        return currentMs;
    }

    /** The latency loss at the latest iteration (0 during warm-up and below the target). */
    public double currentLoss() {
        return currentLoss;
    }

    /** {@code lambda} at the latest iteration (the set weight, grown while the prediction was above the target). */
    public double currentWeight() {
        return currentWeight;
    }

    public LatencyModel model() {
        return model;
    }

    public double targetMs() {
        return targetMs;
    }

    public static final class Builder {
        /** Default {@code lambda}. */
        public static final double DEFAULT_WEIGHT = 0.05;
        /** Default threshold start margin: thresholds at 90% of their norms when the search begins. */
        public static final double DEFAULT_THRESHOLD_START = 0.1;
        /**
         * Default start margin of the skip gates: at 60% of their norms when the search begins (see
         * {@link #skipThresholdStart}).
         */
        public static final double DEFAULT_SKIP_THRESHOLD_START = 0.4;
        /** Default growth of {@code lambda} per iteration above the target. */
        public static final double DEFAULT_WEIGHT_GROWTH = 0.02;
        /** Default margin: the hinge aims 2% below the target. */
        public static final double DEFAULT_TARGET_MARGIN = 0.02;

        private final LatencyModel model;
        private double weight = DEFAULT_WEIGHT;
        private double targetMs = 0.0;
        private long warmupIterations = 0;
        private double thresholdStart = DEFAULT_THRESHOLD_START;
        private double skipThresholdStart = DEFAULT_SKIP_THRESHOLD_START;
        private double weightGrowth = DEFAULT_WEIGHT_GROWTH;
        private double targetMargin = DEFAULT_TARGET_MARGIN;
        private boolean hold = true;

        private Builder(LatencyModel model) {
            this.model = model;
        }

        /** {@code lambda} (its starting value with a target); default {@value #DEFAULT_WEIGHT} (the paper: 0.02 to 0.1). */
        public Builder weight(double weight) {
            this.weight = weight;
            return this;
        }

        /** The latency target in ms: the loss is zero at or below it; default 0 (no target: {@code lambda log R}). */
        public Builder targetMs(double targetMs) {
            this.targetMs = targetMs;
            return this;
        }

        /** Iterations with {@code lambda = 0} at the start; default 0. */
        public Builder warmupIterations(long warmupIterations) {
            this.warmupIterations = warmupIterations;
            return this;
        }

        /**
         * When the warm-up ends, every threshold is set to {@code (1 - margin)} times the norm it is compared with;
         * 0 leaves them where the warm-up left them. Default {@value #DEFAULT_THRESHOLD_START}.
         */
        public Builder thresholdStart(double margin) {
            this.thresholdStart = margin;
            return this;
        }

        /**
         * The start margin of the skip gates (the first expansion threshold of a block that can be skipped), used
         * with {@link #thresholdStart} when the warm-up ends: they are placed at {@code (1 - margin)} times their
         * norms. Default {@value #DEFAULT_SKIP_THRESHOLD_START}, four times the distance of the other thresholds.
         * Why: the latency gradient on a skip gate is the whole block's time, on an expansion gate only the
         * difference between two ratios, and each threshold's Adam moves it by about the learning rate per step
         * whatever the size of its gradient. From the same start the skip gates win the race: a default batch-16
         * search skipped three blocks in its first two epochs, kept 7x7 e6 everywhere else and ended 12% below its
         * target (a skipped block cannot come back in a step that fits the latency left). Further away, the finer
         * decisions (kernel size, expansion ratio) come first and a block is skipped only where they are not
         * enough. 0 places the skip gates like every other threshold.
         */
        public Builder skipThresholdStart(double margin) {
            this.skipThresholdStart = margin;
            return this;
        }

        /**
         * With a target: {@code lambda} grows by {@code 1 + growth} per iteration above the target and shrinks back
         * towards {@link #weight} below it; 0 keeps it constant. Default {@value #DEFAULT_WEIGHT_GROWTH}.
         */
        public Builder weightGrowth(double growth) {
            this.weightGrowth = growth;
            return this;
        }

        /**
         * With a target: the hinge aims at {@code (1 - margin) * target}, so that the search, which keeps switching
         * the candidate at the edge on and off, ends at or just below the target rather than one candidate above
         * it. Default {@value #DEFAULT_TARGET_MARGIN}; 0 aims at the target itself.
         */
        public Builder targetMargin(double margin) {
            this.targetMargin = margin;
            return this;
        }

        /**
         * With a target: an update that starts at or below it and would take the hard choices above it is taken
         * back (default true); updates that start above it are kept. Without it the search keeps crossing the
         * target both ways, and where it ends is chance.
         */
        public Builder hold(boolean hold) {
            this.hold = hold;
            return this;
        }

        public LatencyLossListener build() {
            if (model == null) {
                throw new IllegalArgumentException("LatencyLossListener: the latency model must not be null");
            }
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("LatencyLossListener: weight must be finite and >= 0, got " + weight);
            }
            if (!(targetMs >= 0) || Double.isInfinite(targetMs)) {
                throw new IllegalArgumentException("LatencyLossListener: targetMs must be finite and >= 0, got " + targetMs);
            }
            if (warmupIterations < 0) {
                throw new IllegalArgumentException("LatencyLossListener: warmupIterations must be >= 0, got "
                        + warmupIterations);
            }
            if (!(thresholdStart >= 0 && thresholdStart < 1)) {
                throw new IllegalArgumentException("LatencyLossListener: thresholdStart must be in [0, 1), got "
                        + thresholdStart);
            }
            if (!(skipThresholdStart >= 0 && skipThresholdStart < 1)) {
                throw new IllegalArgumentException("LatencyLossListener: skipThresholdStart must be in [0, 1), got "
                        + skipThresholdStart);
            }
            if (!(weightGrowth >= 0 && weightGrowth <= 1)) {
                throw new IllegalArgumentException("LatencyLossListener: weightGrowth must be in [0, 1], got "
                        + weightGrowth);
            }
            if (!(targetMargin >= 0 && targetMargin < 1)) {
                throw new IllegalArgumentException("LatencyLossListener: targetMargin must be in [0, 1), got "
                        + targetMargin);
            }
            return new LatencyLossListener(this);
        }
    }
}
