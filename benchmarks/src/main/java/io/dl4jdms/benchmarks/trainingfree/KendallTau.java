package io.dl4jdms.benchmarks.trainingfree;

import java.util.Arrays;
import java.util.Random;

/** Kendall's tau-b (ties counted on both sides) and a percentile bootstrap interval of it. */
final class KendallTau {

    private KendallTau() {
    }

    /** Tau-b of the pairs {@code (x_i, y_i)}; NaN if either side is constant. */
    static double tau(double[] x, double[] y) {
        long concordant = 0;
        long discordant = 0;
        long tiesX = 0;
        long tiesY = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                double dx = Math.signum(x[i] - x[j]);
                double dy = Math.signum(y[i] - y[j]);
                if (dx == 0 && dy == 0) {
                    continue;
                } else if (dx == 0) {
                    tiesX++;
                } else if (dy == 0) {
                    tiesY++;
                } else if (dx == dy) {
                    concordant++;
                } else {
                    discordant++;
                }
            }
        }
        double n = concordant + discordant;
        return (concordant - discordant) / Math.sqrt((n + tiesX) * (n + tiesY));
    }

    /** The 2.5% and 97.5% quantiles of tau over {@code resamples} resamples of the pairs with replacement. */
    static double[] bootstrap(double[] x, double[] y, int resamples, Random random) {
        double[] taus = new double[resamples];
        int kept = 0;
        for (int r = 0; r < resamples; r++) {
            double[] bx = new double[x.length];
            double[] by = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                int k = random.nextInt(x.length);
                bx[i] = x[k];
                by[i] = y[k];
            }
            double t = tau(bx, by);
            if (!Double.isNaN(t)) {
                taus[kept++] = t;
            }
        }
        double[] sorted = Arrays.copyOf(taus, kept);
        Arrays.sort(sorted);
        if (kept == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {sorted[(int) Math.floor(0.025 * (kept - 1))], sorted[(int) Math.ceil(0.975 * (kept - 1))]};
    }
}
