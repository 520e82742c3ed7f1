package io.dl4jdms.benchmarks.dmsvsuniform;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The paired difference {@code a - b} of two methods measured on the same seeds: its mean, sample standard
 * deviation, the two-sided 95% confidence interval of the mean from the t distribution with {@code n - 1} degrees of
 * freedom, and in how many pairs {@code a} was ahead (ties count for neither). With one pair the spread and the
 * interval are NaN.
 *
 * @param n     pairs
 * @param mean  mean of {@code a[i] - b[i]}
 * @param sd    sample standard deviation of the differences (n - 1 in the denominator)
 * @param low   lower end of the 95% interval of the mean
 * @param high  upper end
 * @param wins  pairs with {@code a[i] > b[i]}
 */
public record PairedDifference(int n, double mean, double sd, double low, double high, int wins) {

    /** Confidence level of the interval. */
    public static final double LEVEL = 0.95;

    /**
     * @throws IllegalArgumentException if the arrays differ in length, are empty, or hold a value that is not finite
     */
    public static PairedDifference of(double[] a, double[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("paired difference needs the same number (at least 1) of values on both"
                    + " sides, got " + a.length + " and " + b.length);
        }
        int n = a.length;
        double[] d = new double[n];
        int wins = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(a[i]) || !Double.isFinite(b[i])) {
                throw new IllegalArgumentException("paired difference: pair " + i + " is not finite (" + a[i] + ", "
                        + b[i] + ")");
            }
            d[i] = a[i] - b[i];
            if (d[i] > 0) {
                wins++;
            }
        }
        double mean = 0;
        for (double v : d) {
            mean += v / n;
        }
        if (n == 1) {
            return new PairedDifference(1, mean, Double.NaN, Double.NaN, Double.NaN, wins);
        }
        double ss = 0;
        for (double v : d) {
            ss += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        double t = new TDistribution(n - 1).inverseCumulativeProbability(0.5 + LEVEL / 2);
        double half = t * sd / Math.sqrt(n);
        return new PairedDifference(n, mean, sd, mean - half, mean + half, wins);
    }

    /** True when the whole interval lies above 0 (false when it is undefined). */
    public boolean intervalAboveZero() {
        return low > 0;
    }
}
