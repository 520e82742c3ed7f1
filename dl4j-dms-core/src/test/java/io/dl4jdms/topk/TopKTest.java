package io.dl4jdms.topk;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopKTest {

    private static final double EPS = 1e-12;

    @Test
    void rankNormalizationCountsElementsAtOrBelow() {
        assertArrayEquals(new double[] {0.5, 0.25, 1.0, 0.75},
                TopK.rankNormalize(new double[] {3.0, -1.0, 10.0, 7.0}), EPS);
    }

    @Test
    void tiesShareTheHighestRankOfTheirGroup() {
        // 2 and 2 both have three elements <= them (1, 2, 2).
        assertArrayEquals(new double[] {0.75, 0.25, 0.75, 1.0},
                TopK.rankNormalize(new double[] {2.0, 1.0, 2.0, 5.0}), EPS);
        assertArrayEquals(new double[] {1.0, 1.0, 1.0},
                TopK.rankNormalize(new double[] {0.0, 0.0, 0.0}), EPS);
    }

    @Test
    void softMaskAndDerivativeMatchHandComputedValues() {
        // N = 4, lambda = N = 4, a = 0.5, c' = {0.5, 0.25, 1, 0.75}
        TopkMask mask = TopK.mask(new double[] {3.0, -1.0, 10.0, 7.0}, 0.5, TopK.widthSlope(4));
        double s0 = 0.5;                          // sigmoid(4 * 0)
        double s1 = 1.0 / (1.0 + Math.exp(1.0));  // sigmoid(4 * -0.25) = 0.2689414213699951
        double s2 = 1.0 / (1.0 + Math.exp(-2.0)); // sigmoid(4 * 0.5)   = 0.8807970779778823
        double s3 = 1.0 / (1.0 + Math.exp(-1.0)); // sigmoid(4 * 0.25)  = 0.7310585786300049
        assertArrayEquals(new double[] {0.5, 0.2689414213699951, 0.8807970779778823, 0.7310585786300049},
                mask.soft(), 1e-15);
        assertArrayEquals(new double[] {-4 * s0 * (1 - s0), -4 * s1 * (1 - s1), -4 * s2 * (1 - s2),
                -4 * s3 * (1 - s3)}, mask.softDerivative(), EPS);
        assertEquals(-1.0, mask.softDerivative()[0], EPS);
        // k = round(0.5 * 4) = 2: the two most important (10 and 7).
        assertEquals(2, mask.keptSize());
        assertArrayEquals(new boolean[] {false, false, true, true}, mask.kept());
        assertArrayEquals(new double[] {0, 0, 1, 1}, mask.hard(), 0);
    }

    @Test
    void softMaskDerivativeAgreesWithFiniteDifferences() {
        double[] c = {0.3, 0.1, 0.9, 0.5, 0.7, 0.2};
        double a = 0.37;
        double h = 1e-6;
        double[] plus = TopK.mask(c, a + h, 6).soft();
        double[] minus = TopK.mask(c, a - h, 6).soft();
        double[] analytic = TopK.mask(c, a, 6).softDerivative();
        for (int i = 0; i < c.length; i++) {
            assertEquals((plus[i] - minus[i]) / (2 * h), analytic[i], 1e-7, "element " + i);
        }
    }

    @Test
    void ratioGradientIsTheChainRuleThroughTheMask() {
        TopkMask mask = TopK.mask(new double[] {1, 2, 3}, 0.2, 3);
        double[] d = mask.softDerivative();
        assertEquals(2 * d[0] - 1 * d[1] + 0.5 * d[2], mask.ratioGradient(new double[] {2, -1, 0.5}), EPS);
        assertEquals(d[0] + d[1] + d[2], mask.softCountDerivative(), EPS);
        assertThrows(IllegalArgumentException.class, () -> mask.ratioGradient(new double[] {1, 2}));
    }

    @Test
    void equalImportancesGiveAllOnesAndNoDerivative() {
        TopkMask mask = TopK.mask(new double[] {0, 0, 0, 0, 0}, 0.4, 5);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, mask.soft(), 0);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0}, mask.softDerivative(), 0);
        // The hard mask still follows k = round(0.6 * 5) = 3, ties to the lower index.
        assertArrayEquals(new boolean[] {true, true, true, false, false}, mask.kept());
        assertEquals(5.0, mask.softCount(), 0);
    }

    @Test
    void singleElementOperatorAlwaysKeepsItsElement() {
        assertEquals(0.5, TopK.maxRatio(1), EPS);
        TopkMask mask = TopK.mask(new double[] {3.0}, 0.99, TopK.widthSlope(1));
        assertEquals(0.5, mask.ratio(), EPS);
        assertEquals(1, mask.keptSize());
        assertArrayEquals(new double[] {1.0}, mask.soft(), 0); // one element: all importances equal
        assertEquals(1, TopK.keptSize(1.0, 1));
    }

    @Test
    void keptSizeRoundsAndClamps() {
        assertEquals(10, TopK.keptSize(0.0, 10));
        assertEquals(10, TopK.keptSize(-0.3, 10));
        assertEquals(7, TopK.keptSize(0.3, 10));
        assertEquals(8, TopK.keptSize(0.25, 10)); // (1 - 0.25) * 10 = 7.5 rounds half up to 8
    }

    @Test
    void ratioIsClampedSoAtLeastOneElementStays() {
        assertEquals(0.0, TopK.clampRatio(-0.2, 8), 0);
        assertEquals(1 - 1 / 16.0, TopK.clampRatio(1.0, 8), EPS);
        assertEquals(1, TopK.keptSize(1.0, 8));
        assertEquals(1, TopK.mask(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 5.0, 8).keptSize());
        assertThrows(IllegalArgumentException.class, () -> TopK.clampRatio(Double.NaN, 8));
    }

    @Test
    void slopesFollowThePaper() {
        assertEquals(16.0, TopK.widthSlope(16), 0);
        assertEquals(12.0, TopK.depthSlope(3), 0);
        assertEquals(8.0, TopK.depthSlope(1), 0);
        assertThrows(IllegalArgumentException.class, () -> TopK.widthSlope(0));
    }

    @Test
    void nonFiniteImportancesAreRejectedWithTheirIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TopK.mask(new double[] {1.0, Double.NaN}, 0.1, 2));
        assertTrue(e.getMessage().contains("importance[1] is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TopK.rankNormalize(new double[] {Double.POSITIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> TopK.rankNormalize(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> TopK.mask(new double[] {1, 2}, 0.1, 0));
    }

    @Test
    void hardMaskBreaksTiesTowardsTheLowerIndex() {
        assertArrayEquals(new boolean[] {true, false, true, false},
                TopK.hardMask(new double[] {2, 1, 2, 1}, 2));
        assertArrayEquals(new boolean[] {true, true, true, false},
                TopK.hardMask(new double[] {2, 1, 2, 1}, 3));
        assertThrows(IllegalArgumentException.class, () -> TopK.hardMask(new double[] {1, 2}, 0));
    }

    @Test
    void allEqualDetectsTheStartingState() {
        assertTrue(TopK.allEqual(new double[] {0.2, 0.2}));
        assertFalse(TopK.allEqual(new double[] {0.2, 0.3}));
    }
}
