package io.dl4jdms.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint that cannot be resumed: truncated or unreadable, written by another version, or made with
 * other settings. The message names the file and what is wrong (for other settings, each setting that
 * differs) and how to go on; nothing has been overwritten.
 */
public final class CheckpointException extends IOException {

    private final Path file;

    public CheckpointException(Path file, String problem, Throwable cause) {
        super("checkpoint " + file + " " + problem + "; nothing was overwritten. Run with --restart (Java API:"
                + " restart()) to start over, or use another output directory", cause);
        this.file = file;
    }

    public CheckpointException(Path file, String problem) {
        this(file, problem, null);
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
