package io.dl4jdms.topk;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImportanceMethodTest {

    @Test
    void scoresMatchTheirDefinitions() {
        assertEquals(36.0, ImportanceMethod.TAYLOR.score(0.5, -12.0), 0);
        assertEquals(6.0, ImportanceMethod.SNIP.score(0.5, -12.0), 0);
        assertEquals(144.0, ImportanceMethod.FISHER.score(0.5, -12.0), 0);
    }

    @Test
    void movingAverageStepFromZero() {
        double[] c = {0.0, 0.0};
        assertTrue(ImportanceMethod.TAYLOR.update(c, new double[] {1.0, 0.5}, new double[] {2.0, 4.0}, 0.99));
        // 0.01 * (1*2)^2 = 0.04, 0.01 * (0.5*4)^2 = 0.04
        assertArrayEquals(new double[] {0.04, 0.04}, c, 1e-15);
        assertTrue(ImportanceMethod.TAYLOR.update(c, new double[] {1.0, 1.0}, new double[] {0.0, 10.0}, 0.99));
        assertArrayEquals(new double[] {0.99 * 0.04, 0.99 * 0.04 + 0.01 * 100.0}, c, 1e-15);
    }

    @Test
    void nonFiniteStepIsSkippedAndStateKept() {
        double[] c = {0.3, 0.7};
        assertFalse(ImportanceMethod.TAYLOR.update(c, new double[] {1, 1}, new double[] {Double.NaN, 1}, 0.9));
        assertFalse(ImportanceMethod.SNIP.update(c, new double[] {1, 1}, new double[] {1, Double.POSITIVE_INFINITY}, 0.9));
        assertArrayEquals(new double[] {0.3, 0.7}, c, 0);
    }

    @Test
    void badDecayAndLengthsAreRejected() {
        double[] c = {0.0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImportanceMethod.TAYLOR.update(c, new double[] {1}, new double[] {1}, 1.0));
        assertTrue(e.getMessage().contains("1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImportanceMethod.requireDecay(0.0));
        assertThrows(IllegalArgumentException.class, () -> ImportanceMethod.requireDecay(Double.NaN));
        assertThrows(IllegalArgumentException.class,
                () -> ImportanceMethod.FISHER.update(c, new double[] {1, 2}, new double[] {1}, 0.5));
    }
}
