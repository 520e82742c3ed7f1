package io.dl4jdms.pipeline;

/** Where a search reports its progress: phases of known length, then steps. */
public interface SearchProgress {

    /** Reports nothing. */
    SearchProgress NONE = new SearchProgress() {
        @Override
        public void startPhase(String phase, long steps) {
        }

        @Override
        public void step(String detail) {
        }

        @Override
        public void endPhase() {
        }
    };

    /** A phase ("search", "retrain slim", ...) of {@code steps} iterations begins. */
    void startPhase(String phase, long steps);

    /** One iteration of the current phase is done; {@code detail} is a short status (may be empty). */
    void step(String detail);

    /** The current phase is over. */
    void endPhase();
}
