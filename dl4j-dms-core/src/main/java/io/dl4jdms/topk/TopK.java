package io.dl4jdms.topk;

import java.util.Arrays;

/**
 * The differentiable top-k operator (DMS, Liu et al., ICML 2024).
 *
 * <ul>
 *   <li>Rank normalisation: {@code c'_i = #{j : c_j <= c_i} / N} (values 1/N .. 1), which makes the
 *       mask smooth in {@code a} whatever the distribution of the importances.</li>
 *   <li>Soft mask: {@code m_i = sigmoid(lambda * (c'_i - a))}, with
 *       {@code dm_i/da = -lambda * m_i * (1 - m_i)}.</li>
 *   <li>While all importances are equal (at the start of a search) the mask is exactly all ones and
 *       its derivative is zero.</li>
 *   <li>The kept size is {@code k = round((1 - a) * N)}, at least 1; the hard mask keeps the k most
 *       important elements (ties go to the lower index). The soft mask crosses 0.5 within one
 *       element of that boundary.</li>
 *   <li>{@code a} is used clamped to {@code [0, 1 - 1/(2N)]}, so at least one element always stays.</li>
 * </ul>
 */
public final class TopK {

    private TopK() {
    }

    /** Slope for a width operator (channels or features): {@code lambda = N}. */
    public static double widthSlope(long n) {
        requireSize(n);
        return n;
    }

    /** Slope for a depth operator (blocks of a stage): {@code lambda = 4N}, or 8 for a single block. */
    public static double depthSlope(long n) {
        requireSize(n);
        return n == 1 ? 8.0 : 4.0 * n;
    }

    /** The largest usable ratio for N elements: {@code 1 - 1/(2N)}, which still keeps one element. */
    public static double maxRatio(long n) {
        requireSize(n);
        return 1.0 - 1.0 / (2.0 * n);
    }

    /** {@code a} clamped to {@code [0, maxRatio(n)]}. A NaN ratio is rejected. */
    public static double clampRatio(double a, long n) {
        if (Double.isNaN(a)) {
            throw new IllegalArgumentException("top-k ratio a is NaN");
        }
        return Math.min(Math.max(a, 0.0), maxRatio(n));
    }

    /** The kept size {@code k = round((1 - a) * N)} for the clamped ratio; between 1 and N. */
    public static int keptSize(double a, int n) {
        double clamped = clampRatio(a, n);
        long k = Math.round((1.0 - clamped) * n);
        return (int) Math.max(1, Math.min(n, k));
    }

    /**
     * Rank-normalised importances {@code c'_i = #{j : c_j <= c_i} / N}.
     *
     * @throws IllegalArgumentException if the vector is empty or holds NaN or an infinity
     */
    public static double[] rankNormalize(double[] importance) {
        requireFinite(importance);
        int n = importance.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(importance[x], importance[y]));
        double[] normalized = new double[n];
        int i = 0;
        while (i < n) {
            int end = i;
            while (end + 1 < n && importance[order[end + 1]] == importance[order[i]]) {
                end++;
            }
            // Every element of a tie group [i, end] has end + 1 elements at or below it.
            for (int t = i; t <= end; t++) {
                normalized[order[t]] = (end + 1) / (double) n;
            }
            i = end + 1;
        }
        return normalized;
    }

    /** True when every importance equals the first one (the state at the start of a search). */
    public static boolean allEqual(double[] importance) {
        for (double c : importance) {
            if (c != importance[0]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Computes the soft mask, its derivative with respect to {@code a}, and the hard mask.
     *
     * @param importance the element importances (finite, length N >= 1)
     * @param a          the ratio; used clamped (see {@link #clampRatio})
     * @param slope      {@code lambda}, e.g. {@link #widthSlope} or {@link #depthSlope}
     */
    public static TopkMask mask(double[] importance, double a, double slope) {
        requireFinite(importance);
        if (!(slope > 0) || Double.isInfinite(slope)) {
            throw new IllegalArgumentException("top-k slope lambda must be positive and finite, got " + slope);
        }
        int n = importance.length;
        double clamped = clampRatio(a, n);
        double[] soft = new double[n];
        double[] derivative = new double[n];
        if (allEqual(importance)) {
            Arrays.fill(soft, 1.0);
        } else {
            double[] normalized = rankNormalize(importance);
            for (int i = 0; i < n; i++) {
                double m = sigmoid(slope * (normalized[i] - clamped));
                soft[i] = m;
                derivative[i] = -slope * m * (1.0 - m);
            }
        }
        int k = keptSize(clamped, n);
        return new TopkMask(soft, derivative, hardMask(importance, k), clamped);
    }

    /** The k most important elements as a 0/1 vector; ties are broken in favour of the lower index. */
    public static boolean[] hardMask(double[] importance, int k) {
        requireFinite(importance);
        int n = importance.length;
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("kept size must be in [1, " + n + "], got " + k);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // Most important first; Arrays.sort on objects is stable, so equal importances keep index order.
        Arrays.sort(order, (x, y) -> Double.compare(importance[y], importance[x]));
        boolean[] kept = new boolean[n];
        for (int i = 0; i < k; i++) {
            kept[order[i]] = true;
        }
        return kept;
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }

    private static void requireSize(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("top-k size N must be at least 1, got " + n);
        }
    }

    private static void requireFinite(double[] importance) {
        if (importance == null || importance.length == 0) {
            throw new IllegalArgumentException("top-k importance vector must hold at least one element");
        }
        for (int i = 0; i < importance.length; i++) {
            if (!Double.isFinite(importance[i])) {
                throw new IllegalArgumentException("top-k importance[" + i + "] is " + importance[i]
                        + "; importances must be finite");
            }
        }
    }
}
