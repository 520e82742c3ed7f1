package io.dl4jdms.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks an output directory before any long work starts, so that a run does not train for hours and
 * then fail to write its results: {@link #check} (nothing is created) finds a file where the directory
 * or one of its parents should be; {@link #prepare} creates the directory and writes and deletes a
 * probe file, which finds a read-only directory or a full disk.
 */
public final class OutputDirectory {

    private OutputDirectory() {
    }

    /**
     * Fails if the directory cannot be created: it, or one of its parents, is an existing file.
     *
     * @throws IOException naming the file in the way
     */
    public static void check(Path directory) throws IOException {
        Path absolute = directory.toAbsolutePath().normalize();
        for (Path p = absolute; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new IOException(p.equals(absolute)
                            ? "output directory " + directory + " is a file, not a directory"
                            : "cannot create output directory " + directory + ": " + p + " is a file, not a directory");
                }
                return;
            }
        }
    }

    /**
     * Creates the directory (and its parents) and writes a probe file into it.
     *
     * @throws IOException naming the directory that cannot be written, and why
     */
    public static void prepare(Path directory) throws IOException {
        check(directory);
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new IOException("cannot create output directory " + directory + " (" + e + ")", e);
        }
        Path probe = directory.resolve(".dms-write-probe");
        try {
            Files.write(probe, new byte[] {1});
        } catch (IOException e) {
            throw new IOException("cannot write into output directory " + directory + " (" + e + ")", e);
        } finally {
            Files.deleteIfExists(probe);
        }
    }
}
