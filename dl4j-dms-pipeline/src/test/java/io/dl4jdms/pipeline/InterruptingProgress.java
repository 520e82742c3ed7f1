package io.dl4jdms.pipeline;

/**
 * A {@link SearchProgress} that stops a run as a crash would (no clean shutdown of the search): it throws
 * {@link Interrupt} at minibatch {@code step} of the first phase whose name starts with {@code phase}, or when that
 * phase starts if {@code step} is 0. For the resume tests of both searches.
 */
public final class InterruptingProgress implements SearchProgress {

    /** What the interrupted run throws. */
    public static final class Interrupt extends RuntimeException {
    }

    private final String phase;
    private final int step;
    private boolean armed;
    private int steps;

    private InterruptingProgress(String phase, int step) {
        this.phase = phase;
        this.step = step;
    }

    /** Throws {@link Interrupt} at minibatch {@code step} (0: the start) of the phase named {@code phase...}. */
    public static SearchProgress at(String phase, int step) {
        return new InterruptingProgress(phase, step);
    }

    @Override
    public void startPhase(String name, long total) {
        armed = name.startsWith(phase);
        steps = 0;
        if (armed && step == 0) {
            throw new Interrupt();
        }
    }

    @Override
    public void step(String detail) {
        if (armed && ++steps == step) {
            throw new Interrupt();
        }
    }

    @Override
    public void endPhase() {
    }
}
