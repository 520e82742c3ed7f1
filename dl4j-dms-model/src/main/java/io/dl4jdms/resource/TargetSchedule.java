package io.dl4jdms.resource;

/**
 * The resource target over a search, as a fraction of the supernet's resource: from 1 (the supernet)
 * at iteration 0 to the final target at iteration {@code reachAt}, then constant.
 */
public final class TargetSchedule {

    /** How the target moves from the supernet to the final target. */
    public enum Shape {
        /** The final target from the first iteration. */
        CONSTANT,
        /** A straight line. */
        LINEAR,
        /** The authors' {@code r_t(e) = r_super * (r_final / r_super)^(e / e_end)}. */
        GEOMETRIC
    }

    private final Shape shape;
    private final double finalFraction;
    private final long reachAt;

    private TargetSchedule(Shape shape, double finalFraction, long reachAt) {
        if (!(finalFraction > 0 && finalFraction <= 1)) {
            throw new IllegalArgumentException("target must be a fraction of the supernet in (0, 1], got " + finalFraction);
        }
        if (shape != Shape.CONSTANT && reachAt <= 0) {
            throw new IllegalArgumentException("a " + shape + " schedule must reach its target after a positive number"
                    + " of iterations, got " + reachAt + " (the schedule would end before it starts)");
        }
        this.shape = shape;
        this.finalFraction = finalFraction;
        this.reachAt = reachAt;
    }

    /** The final target from the start. */
    public static TargetSchedule constant(double finalFraction) {
        return new TargetSchedule(Shape.CONSTANT, finalFraction, 0);
    }

    /** A straight line from 1 to the final target, reached at iteration {@code reachAt}. */
    public static TargetSchedule linear(double finalFraction, long reachAt) {
        return new TargetSchedule(Shape.LINEAR, finalFraction, reachAt);
    }

    /** The geometric schedule of DMS, reaching the final target at iteration {@code reachAt}. */
    public static TargetSchedule geometric(double finalFraction, long reachAt) {
        return new TargetSchedule(Shape.GEOMETRIC, finalFraction, reachAt);
    }

    /** The target fraction at an iteration. */
    public double at(long iteration) {
        if (shape == Shape.CONSTANT || iteration >= reachAt) {
            return finalFraction;
        }
        double progress = Math.max(0, iteration) / (double) reachAt;
        return shape == Shape.LINEAR ? 1 - (1 - finalFraction) * progress : Math.pow(finalFraction, progress);
    }

    public double finalFraction() {
        return finalFraction;
    }

    public Shape shape() {
        return shape;
    }

    public long reachAt() {
        return reachAt;
    }
}
