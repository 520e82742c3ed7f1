package io.dl4jdms.listeners;

/** Training diverged: the loss or a parameter stopped being finite. Names the phase and the iteration. */
public class DivergenceException extends IllegalStateException {

    private final String phase;
    private final long iteration;

    public DivergenceException(String phase, long iteration, String what) {
        super("training diverged in phase '" + phase + "' at iteration " + iteration + ": " + what
                + " (try a smaller learning rate, and check the input data for NaN)");
        this.phase = phase;
        this.iteration = iteration;
    }

    /** A copy whose message adds {@code more} (e.g. which checkpoint is kept). */
    public DivergenceException(DivergenceException cause, String more) {
        super(cause.getMessage() + "; " + more, cause);
        this.phase = cause.phase;
        this.iteration = cause.iteration;
    }

    public String phase() {
        return phase;
    }

    public long iteration() {
        return iteration;
    }
}
