package io.dl4jdms.spnas;

import java.util.Arrays;

/**
 * A chain of nested indicators {@code d_i = 1(norm_i - t_i >= 0)} and their running products
 * {@code D_j = d_1 * ... * d_j}. A superkernel's shells form such a chain (the 7x7 shell counts only
 * if the 5x5 shell does: {@code w = w_3x3 + d_5 * (w_shell5 + d_7 * w_shell7)}), and so do the gates
 * of the expansion ratios' channel groups.
 *
 * <p>Forward values follow {@link Indicator#forward}: hard, or the sigmoid in relaxed mode. The
 * backward pass always uses the sigmoid's derivative (straight-through when hard):
 * <ul>
 *   <li>{@code dL/dd_i = sum_{j >= i} dL/dD_j * prod_{l <= j, l != i} d_l};</li>
 *   <li>{@code dL/dt_i = -dL/dd_i * sigmoid'(norm_i - t_i)};</li>
 *   <li>{@code dL/dnorm_i = +dL/dd_i * sigmoid'(norm_i - t_i)}.</li>
 * </ul>
 */
public final class NestedIndicators {

    private final double[] norms;
    private final double[] thresholds;
    private final boolean relaxed;
    private final double[] indicators;
    private final double[] products;

    private NestedIndicators(double[] norms, double[] thresholds, boolean relaxed) {
        this.norms = norms.clone();
        this.thresholds = thresholds.clone();
        this.relaxed = relaxed;
        int n = norms.length;
        indicators = new double[n];
        products = new double[n];
        double running = 1.0;
        for (int i = 0; i < n; i++) {
            indicators[i] = Indicator.forward(norms[i] - thresholds[i], relaxed);
            running *= indicators[i];
            products[i] = running;
        }
    }

    /**
     * Evaluates the chain.
     *
     * @param norms      the norm each indicator looks at (finite, non-negative)
     * @param thresholds the trainable thresholds, one per norm (finite)
     * @param relaxed    sigmoid instead of the hard step in the forward pass
     */
    public static NestedIndicators of(double[] norms, double[] thresholds, boolean relaxed) {
        if (norms.length != thresholds.length) {
            throw new IllegalArgumentException("nested indicators: " + norms.length + " norms but "
                    + thresholds.length + " thresholds");
        }
        for (int i = 0; i < norms.length; i++) {
            if (!Double.isFinite(norms[i]) || norms[i] < 0) {
                throw new IllegalArgumentException("nested indicators: norm[" + i + "] is " + norms[i]
                        + " in " + Arrays.toString(norms));
            }
            if (!Double.isFinite(thresholds[i])) {
                throw new IllegalArgumentException("nested indicators: threshold[" + i + "] is " + thresholds[i]
                        + " in " + Arrays.toString(thresholds));
            }
        }
        return new NestedIndicators(norms, thresholds, relaxed);
    }

    /** The number of indicators in the chain. */
    public int size() {
        return norms.length;
    }

    /** The norms the indicators look at. */
    public double[] norms() {
        return norms.clone();
    }

    /** The thresholds. */
    public double[] thresholds() {
        return thresholds.clone();
    }

    public boolean isRelaxed() {
        return relaxed;
    }

    /** The forward values {@code d_i}. */
    public double[] indicators() {
        return indicators.clone();
    }

    /** The forward running products {@code D_j = d_1 * ... * d_j}. */
    public double[] products() {
        return products.clone();
    }

    /**
     * The number of leading indicators that are on under the hard step, whatever the mode: the
     * decision the chain stands for (0 when the first is off).
     */
    public int hardCount() {
        int count = 0;
        while (count < norms.length && norms[count] - thresholds[count] >= 0) {
            count++;
        }
        return count;
    }

    /** {@code dL/dd_i} from {@code dL/dD_j}. */
    public double[] indicatorGradient(double[] productGradient) {
        if (productGradient.length != size()) {
            throw new IllegalArgumentException("nested indicators: " + productGradient.length
                    + " product gradients for " + size() + " indicators");
        }
        int n = size();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = i; j < n; j++) {
                double others = 1.0;
                for (int l = 0; l <= j; l++) {
                    if (l != i) {
                        others *= indicators[l];
                    }
                }
                sum += productGradient[j] * others;
            }
            out[i] = sum;
        }
        return out;
    }

    /** {@code dL/dt_i = -dL/dd_i * sigmoid'(norm_i - t_i)}. */
    public double[] thresholdGradient(double[] productGradient) {
        double[] g = normGradient(productGradient);
        for (int i = 0; i < g.length; i++) {
            g[i] = -g[i];
        }
        return g;
    }

    /** {@code dL/dnorm_i = dL/dd_i * sigmoid'(norm_i - t_i)}. */
    public double[] normGradient(double[] productGradient) {
        double[] g = indicatorGradient(productGradient);
        for (int i = 0; i < g.length; i++) {
            g[i] *= Indicator.derivative(norms[i] - thresholds[i]);
        }
        return g;
    }
}
