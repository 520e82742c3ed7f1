package io.dl4jdms.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointFilesTest {

    private static CheckpointFiles.Writer text(String content) {
        return dir -> Files.writeString(dir.resolve("state.txt"), content);
    }

    /** A stream that fails as a full disk does, after {@code room} bytes. */
    private static final class FullDisk extends FilterOutputStream {
        private long room;

        FullDisk(OutputStream out, long room) {
            super(out);
            this.room = room;
        }

        @Override
        public void write(int b) throws IOException {
            if (room-- <= 0) {
                throw new IOException("No space left on device");
            }
            super.write(b);
        }
    }

    @Test
    void keepsTheNewestTwoInOrder(@TempDir Path dir) throws IOException {
        CheckpointFiles files = new CheckpointFiles(dir.resolve("checkpoint"));
        assertTrue(files.latest().isEmpty());
        for (int i = 1; i <= 4; i++) {
            files.write(text("state " + i));
        }
        List<Path> all = files.all();
        assertEquals(2, all.size());
        assertEquals("checkpoint-000004", all.get(0).getFileName().toString());
        assertEquals("checkpoint-000003", all.get(1).getFileName().toString());
        assertEquals("state 4", Files.readString(files.latest().orElseThrow().resolve("state.txt")));
    }

    @Test
    void aFailedWriteKeepsTheLastGoodCheckpointAndLeavesNoPartialFiles(@TempDir Path dir) throws IOException {
        CheckpointFiles files = new CheckpointFiles(dir.resolve("checkpoint"));
        Path good = files.write(text("good"));
        IOException e = assertThrows(IOException.class, () -> files.write(d -> {
            try (OutputStream out = new FullDisk(Files.newOutputStream(d.resolve("model.bin")), 100)) {
                out.write(new byte[1000]);
            }
        }));
        assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains("checkpoint-000002")
                && e.getMessage().contains("the last good checkpoint " + good + " is kept"), e.getMessage());
        assertEquals(good, files.latest().orElseThrow());
        assertEquals("good", Files.readString(good.resolve("state.txt")));
        try (Stream<Path> children = Files.list(files.root())) {
            assertEquals(List.of(good), children.toList(), "no partial checkpoint left behind");
        }
        // The next write goes on from the good one.
        assertEquals("checkpoint-000002", files.write(text("next")).getFileName().toString());
    }

    @Test
    void aPartialCheckpointOfAKilledWriteIsIgnoredAndReplaced(@TempDir Path dir) throws IOException {
        CheckpointFiles files = new CheckpointFiles(dir.resolve("checkpoint"));
        Path good = files.write(text("good"));
        Path partial = files.root().resolve(".partial-checkpoint-000002");
        Files.createDirectories(partial);
        Files.writeString(partial.resolve("state.txt"), "half");
        assertEquals(good, files.latest().orElseThrow());
        Path next = files.write(text("next"));
        assertEquals("next", Files.readString(next.resolve("state.txt")));
        assertTrue(!Files.exists(partial));
    }

    @Test
    void aFileInTheWayIsReportedWithTheCheckpointKept(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("checkpoint");
        Files.writeString(root, "not a directory");
        IOException e = assertThrows(IOException.class, () -> new CheckpointFiles(root).write(text("x")));
        assertTrue(e.getMessage().contains("cannot write checkpoint") && e.getMessage().contains("no earlier checkpoint"),
                e.getMessage());
        assertEquals("not a directory", Files.readString(root));
    }

    @Test
    void settingsDifferencesNameEachSetting() {
        List<String> d = SettingsDiff.differences(settings("pipeline", "scratch", "targetFlops", 0.3, "seed", 1,
                        "data", "/a b/c"),
                settings("pipeline", "scratch", "targetFlops", 0.5, "seed", 1, "data", "/a b/c", "batchSize", 64));
        assertEquals(List.of("targetFlops: checkpoint 0.3, now 0.5", "batchSize: checkpoint absent, now 64"), d);
        assertTrue(SettingsDiff.differences(settings("a", 1, "b", "x y"), settings("a", 1, "b", "x y")).isEmpty());
    }

    /** An ordered settings map of name, value, name, value, ... */
    private static Map<String, Object> settings(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    @Test
    void outputDirectoryChecksFindAFileInTheWayAndCreateNothing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("taken");
        Files.writeString(file, "x");
        IOException self = assertThrows(IOException.class, () -> OutputDirectory.check(file));
        assertTrue(self.getMessage().contains(file + " is a file"), self.getMessage());
        IOException parent = assertThrows(IOException.class, () -> OutputDirectory.prepare(file.resolve("a/b")));
        assertTrue(parent.getMessage().contains(file + " is a file"), parent.getMessage());
        Path fresh = dir.resolve("x/y");
        OutputDirectory.check(fresh);
        assertTrue(!Files.exists(dir.resolve("x")), "check creates nothing");
        OutputDirectory.prepare(fresh);
        try (Stream<Path> children = Files.list(fresh)) {
            assertEquals(0, children.count(), "the probe file is gone");
        }
    }
}
