package io.dl4jdms.cli;

import picocli.CommandLine.Option;

/** The checkpoint options of the search commands, {@code --checkpoint-every} and {@code --restart} (a picocli mixin). */
final class CheckpointOptions {

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "Also write a checkpoint every N iterations, besides the one after every epoch "
                    + "(default: ${DEFAULT-VALUE}, epoch ends only). The newest two are kept.")
    int every = 0;

    @Option(names = "--restart",
            description = "Delete the checkpoints in the output directory and start the search over.")
    boolean restart;

    /**
     * The checkpoint interval in iterations.
     *
     * @throws IllegalArgumentException naming the option and the value when it is negative
     */
    int checkedEvery() {
        if (every < 0) {
            throw new IllegalArgumentException("Invalid value for option '--checkpoint-every': " + every
                    + " (expected at least 0)");
        }
        return every;
    }
}
