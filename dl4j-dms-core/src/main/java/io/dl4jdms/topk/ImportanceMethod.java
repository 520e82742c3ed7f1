package io.dl4jdms.topk;

/**
 * How one step scores an element from its mask value {@code m} and the loss gradient
 * {@code g = dL/dm} (summed over the batch and spatial positions). The scores feed an exponential
 * moving average, see {@link #update}.
 */
public enum ImportanceMethod {
    /** Taylor importance {@code (m g)^2}, the DMS default. */
    TAYLOR {
        @Override
        public double score(double m, double g) {
            double mg = m * g;
            return mg * mg;
        }
    },
    /** SNIP {@code |m g|}. */
    SNIP {
        @Override
        public double score(double m, double g) {
            return Math.abs(m * g);
        }
    },
    /** Fisher {@code g^2}. */
    FISHER {
        @Override
        public double score(double m, double g) {
            return g * g;
        }
    };

    /** The default decay of the moving average. */
    public static final double DEFAULT_DECAY = 0.99;

    /** The score of one element. */
    public abstract double score(double m, double g);

    /**
     * One moving-average step {@code c_i <- decay * c_i + (1 - decay) * score(m_i, g_i)}, in place.
     * A step whose scores or results hold NaN or an infinity is skipped whole and leaves
     * {@code importance} untouched.
     *
     * @return true if the step was applied, false if it was skipped as non-finite
     */
    public boolean update(double[] importance, double[] mask, double[] maskGradient, double decay) {
        requireDecay(decay);
        int n = importance.length;
        if (mask.length != n || maskGradient.length != n) {
            throw new IllegalArgumentException("importance, mask and mask gradient lengths differ: "
                    + n + ", " + mask.length + ", " + maskGradient.length);
        }
        double[] next = new double[n];
        for (int i = 0; i < n; i++) {
            next[i] = decay * importance[i] + (1.0 - decay) * score(mask[i], maskGradient[i]);
            if (!Double.isFinite(next[i])) {
                return false;
            }
        }
        System.arraycopy(next, 0, importance, 0, n);
        return true;
    }

    /** Checks that a moving-average decay lies in the open interval (0, 1). */
    public static double requireDecay(double decay) {
        if (!(decay > 0.0 && decay < 1.0)) {
            throw new IllegalArgumentException("importance decay must be in (0, 1), got " + decay);
        }
        return decay;
    }
}
