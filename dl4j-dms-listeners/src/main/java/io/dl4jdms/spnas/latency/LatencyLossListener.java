package io.dl4jdms.spnas.latency;

import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.listeners.Iterations;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Adds the Single-Path NAS latency loss {@code lambda * log(R / R_target)} to a search: once per
 * iteration, after the backward pass and before the updater, it evaluates the {@link LatencyModel} at the
 * superkernels' current thresholds and adds {@code lambda * (1 / R) * dR/dt} to every threshold's
 * gradient.
 *
 * <ul>
 *   <li>Without a target ({@code targetMs = 0}) the loss is the paper's {@code lambda * log R}: it always
 *       pushes towards faster candidates. With a target it is a hinge, zero once {@code R <= target}.</li>
 *   <li>{@code lambda} is 0 during the first {@code warmupIterations} (the paper warms the weights up before
 *       the architecture is searched).</li>
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

    private double currentMs = Double.NaN;
    private double currentLoss = Double.NaN;

    private LatencyLossListener(Builder b) {
        this.model = b.model;
        this.weight = b.weight;
        this.targetMs = b.targetMs;
        this.warmupIterations = b.warmupIterations;
    }

    public static Builder builder(LatencyModel model) {
        return new Builder(model);
    }

    @Override
    public void onGradientCalculation(Model network) {
        List<SuperkernelOperator> operators = LatencyModel.operators(network);
        LatencyModel.Estimate estimate = model.evaluate(operators);
        double r = estimate.ms();
        currentMs = r;
        boolean active = iterationCount(network) >= warmupIterations && weight != 0 && (targetMs <= 0 || r > targetMs);
        currentLoss = active ? weight * Math.log(targetMs > 0 ? r / targetMs : r) : 0.0;
        if (!active || r <= 0) {
            return;
        }
        double scale = weight / r * network.batchSize();
        for (SuperkernelOperator op : operators) {
            add(op.thresholdGradientView(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY),
                    estimate.kernelThresholdGradient().get(op.operatorName()), scale);
            add(op.thresholdGradientView(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY),
                    estimate.expansionThresholdGradient().get(op.operatorName()), scale);
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

    public LatencyModel model() {
        return model;
    }

    public double targetMs() {
        return targetMs;
    }

    public static final class Builder {
        private final LatencyModel model;
        private double weight = 0.05;
        private double targetMs = 0.0;
        private long warmupIterations = 0;

        private Builder(LatencyModel model) {
            this.model = model;
        }

        /** {@code lambda}; default 0.05 (the paper uses 0.02 to 0.1). */
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
            return new LatencyLossListener(this);
        }
    }
}
