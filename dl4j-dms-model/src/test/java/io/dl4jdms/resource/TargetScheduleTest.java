package io.dl4jdms.resource;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetScheduleTest {

    @Test
    void constantHoldsTheFinalTargetThroughout() {
        TargetSchedule s = TargetSchedule.constant(0.4);
        assertEquals(0.4, s.at(0), 0);
        assertEquals(0.4, s.at(1000), 0);
        assertEquals(0, s.reachAt());
    }

    @Test
    void linearGoesStraightFromTheSupernetToTheTarget() {
        TargetSchedule s = TargetSchedule.linear(0.5, 100);
        assertEquals(1.0, s.at(0), 1e-15);
        assertEquals(0.75, s.at(50), 1e-15);
        assertEquals(0.5, s.at(100), 1e-15);
        assertEquals(0.5, s.at(500), 1e-15, "constant after the target is reached");
    }

    @Test
    void geometricFollowsTheAuthorsSchedule() {
        // r_t(e) = r_super * (r_final / r_super)^(e / e_end), fractions of the supernet: r_super = 1.
        TargetSchedule s = TargetSchedule.geometric(0.25, 80);
        assertEquals(1.0, s.at(0), 1e-15);
        assertEquals(0.5, s.at(40), 1e-15);
        assertEquals(Math.pow(0.25, 0.25), s.at(20), 1e-15);
        assertEquals(0.25, s.at(80), 1e-15);
        assertEquals(0.25, s.at(100), 1e-15);
        for (int e = 1; e <= 80; e++) {
            assertTrue(s.at(e) < s.at(e - 1), "strictly decreasing up to the target");
        }
    }

    @Test
    void badSchedulesAreRejectedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TargetSchedule.geometric(0.5, 0));
        assertTrue(e.getMessage().contains("got 0") && e.getMessage().contains("end before it starts"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TargetSchedule.linear(0.5, -3));
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> TargetSchedule.constant(1.5));
        assertTrue(f.getMessage().contains("1.5"), f.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TargetSchedule.constant(0));
        assertThrows(IllegalArgumentException.class, () -> TargetSchedule.constant(Double.NaN));
    }
}
