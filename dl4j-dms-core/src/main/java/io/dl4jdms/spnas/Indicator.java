package io.dl4jdms.spnas;

/**
 * The indicator {@code 1(x >= 0)} of Single-Path NAS and its relaxation, the sigmoid.
 *
 * <p>Training uses the straight-through estimator: the forward pass takes the hard step, the
 * backward pass the derivative of the sigmoid, {@code sigmoid(x) * (1 - sigmoid(x))}. In relaxed mode
 * the forward pass takes the sigmoid too, so that forward and backward agree exactly (what a finite
 * difference check needs).
 */
public final class Indicator {

    private Indicator() {
    }

    /** The hard step: 1 for {@code x >= 0}, else 0. */
    public static double step(double x) {
        return x >= 0 ? 1.0 : 0.0;
    }

    /** The logistic sigmoid, computed without overflow for large {@code |x|}. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** {@code d sigmoid(x) / dx = sigmoid(x) * (1 - sigmoid(x))}: the backward pass in both modes. */
    public static double derivative(double x) {
        double s = sigmoid(x);
        return s * (1.0 - s);
    }

    /** The forward value: the sigmoid when relaxed, else the hard step. */
    public static double forward(double x, boolean relaxed) {
        return relaxed ? sigmoid(x) : step(x);
    }
}
