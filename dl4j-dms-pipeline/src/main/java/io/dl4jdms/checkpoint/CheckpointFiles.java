package io.dl4jdms.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Numbered checkpoint directories under one root ({@code <root>/checkpoint-000001/}, ...), each written
 * as a whole or not at all: the files go into a {@code .partial-*} directory first, which is then renamed
 * atomically. The newest {@value #KEEP} complete checkpoints are kept; older ones are deleted only after
 * a newer one is complete. A write that fails (disk full, a file in the way) leaves the previous
 * checkpoints untouched and says which one is kept.
 *
 * <pre>{@code
 * CheckpointFiles files = new CheckpointFiles(out.resolve("checkpoint"));
 * files.write(dir -> ModelSerializer.writeModel(net, dir.resolve("model.zip").toFile(), true));
 * Optional<Path> last = files.latest();
 * }</pre>
 */
public final class CheckpointFiles {

    /** How many complete checkpoints are kept. */
    public static final int KEEP = 2;

    private static final String PREFIX = "checkpoint-";
    private static final String PARTIAL = ".partial-";
    private static final Pattern NAME = Pattern.compile(PREFIX + "(\\d+)");

    /** Writes the files of one checkpoint into a (new, empty) directory. */
    @FunctionalInterface
    public interface Writer {
        void write(Path directory) throws IOException;
    }

    private final Path root;

    public CheckpointFiles(Path root) {
        this.root = root;
    }

    /** The directory holding the numbered checkpoints. */
    public Path root() {
        return root;
    }

    /**
     * Writes a new checkpoint and then deletes all but the newest {@value #KEEP}.
     *
     * @return the new checkpoint's directory
     * @throws IOException naming the checkpoint that could not be written and the last good one, which is kept
     */
    public Path write(Writer writer) throws IOException {
        List<Path> existing = all();
        long next = existing.isEmpty() ? 1 : sequence(existing.get(0)) + 1;
        Path target = root.resolve(String.format(Locale.ROOT, "%s%06d", PREFIX, next));
        Path partial = root.resolve(PARTIAL + target.getFileName());
        try {
            Files.createDirectories(root);
            deleteRecursively(partial);
            Files.createDirectory(partial);
            writer.write(partial);
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, target);
            }
        } catch (IOException | RuntimeException e) {
            try {
                deleteRecursively(partial);
            } catch (IOException | UncheckedIOException ignored) {
                // The partial directory is ignored by latest() and removed by the next write.
            }
            String kept = existing.isEmpty() ? "there is no earlier checkpoint" : "the last good checkpoint "
                    + existing.get(0) + " is kept";
            throw new IOException("cannot write checkpoint " + target + " (" + describe(e) + "); " + kept, e);
        }
        List<Path> now = all();
        for (Path old : now.subList(Math.min(KEEP, now.size()), now.size())) {
            deleteRecursively(old);
        }
        return target;
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> latest() throws IOException {
        List<Path> all = all();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** The complete checkpoints, newest first. */
    public List<Path> all() throws IOException {
        if (!Files.isDirectory(root)) {
            return new ArrayList<>();
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted(Comparator.comparingLong(CheckpointFiles::sequence).reversed())
                    .collect(Collectors.toList());
        }
    }

    /** Deletes every checkpoint (complete or partial) and the root, e.g. to start a search over on purpose. */
    public void deleteAll() throws IOException {
        deleteRecursively(root);
    }

    private static long sequence(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + e.getMessage();
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
