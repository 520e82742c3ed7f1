package io.dl4jdms.benchmarks.trainingfree;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KendallTauTest {

    @Test
    void oneSwappedPairOfFourGivesTwoThirds() {
        // pairs: 5 concordant, 1 discordant: (5 - 1) / 6
        assertEquals(2.0 / 3, KendallTau.tau(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4}), 1e-15);
        assertEquals(-1.0, KendallTau.tau(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-15);
    }

    @Test
    void tiesFollowTauB() {
        // x ties on (1,2): n0 = 6, tiesX = 1, concordant 5 -> 5 / sqrt(5 * 6)
        assertEquals(5 / Math.sqrt(30), KendallTau.tau(new double[] {1, 1, 2, 3}, new double[] {1, 2, 3, 4}), 1e-15);
    }

    @Test
    void theBootstrapIntervalHoldsTheEstimateOfAStrongCorrelation() {
        double[] x = new double[30];
        double[] y = new double[30];
        Random random = new Random(4);
        for (int i = 0; i < 30; i++) {
            x[i] = i;
            y[i] = i + 3 * random.nextGaussian();
        }
        double tau = KendallTau.tau(x, y);
        double[] interval = KendallTau.bootstrap(x, y, 500, new Random(1));
        assertTrue(interval[0] <= tau && tau <= interval[1] && interval[0] > 0, tau + " in " + interval[0] + ".." + interval[1]);
    }
}
