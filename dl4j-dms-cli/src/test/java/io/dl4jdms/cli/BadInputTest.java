package io.dl4jdms.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad data and an output path that cannot be a directory: {@code dms search} and {@code dms spnas} exit with
 * code 1 and one message naming the file and the value, before any training, and leave no output directory.
 */
class BadInputTest {

    private static void png(Path file, int size) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY), "png", file.toFile());
    }

    /** Runs both training commands on the data; each fails with exit code 1, a message with all the parts, no output. */
    private static void refused(Path data, Path dir, String... parts) {
        for (String command : new String[] {"search", "spnas"}) {
            Path out = dir.resolve(command + "-out");
            String[] r = DmsCommandTest.run(command, "--data", data.toString(), "--out", out.toString());
            assertEquals("1", r[0], command + ": " + r[2]);
            assertTrue(r[2].startsWith("dms: "), r[2]);
            for (String part : parts) {
                assertTrue(r[2].contains(part), command + ": '" + r[2] + "' should name '" + part + "'");
            }
            assertTrue(!Files.exists(out), command + " left an output directory behind");
        }
    }

    @Test
    void dataThatIsATextFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "not images");
        refused(file, dir, file.toString(), "is a file (10 bytes)");
    }

    @Test
    void anEmptyDataFolder(@TempDir Path dir) throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        refused(empty, dir, empty.toString(), "is empty");
    }

    @Test
    void idxFilesWithAWrongMagicNumber(@TempDir Path dir) throws IOException {
        Path data = TinyIdx.write(dir.resolve("data"), 2, 1);
        try (RandomAccessFile f = new RandomAccessFile(data.resolve(TinyIdx.TRAIN_IMAGES).toFile(), "rw")) {
            f.writeInt(0x00000801);
        }
        refused(data, dir, data.resolve(TinyIdx.TRAIN_IMAGES).toString(), "magic number 0x00000801",
                "expected 0x00000803");
    }

    @Test
    void idxFilesWithMismatchedCounts(@TempDir Path dir) throws IOException {
        Path data = TinyIdx.write(dir.resolve("data"), 2, 1);
        Path labels = data.resolve(TinyIdx.TRAIN_LABELS);
        byte[] bytes = Files.readAllBytes(labels);
        bytes[7] = 19;
        Files.write(labels, java.util.Arrays.copyOf(bytes, 8 + 19));
        refused(data, dir, TinyIdx.TRAIN_IMAGES, TinyIdx.TRAIN_LABELS, "20 images", "19");
    }

    @Test
    void imageFoldersWithOneClass(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("images");
        for (int i = 0; i < 3; i++) {
            png(data.resolve("shirts/" + i + ".png"), 8);
        }
        refused(data, dir, data.toString(), "at least 2 class folders", "[shirts]");
    }

    @Test
    void imagesOfMixedSizes(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("images");
        for (String c : new String[] {"a", "b"}) {
            for (int i = 0; i < 3; i++) {
                png(data.resolve(c + "/" + i + ".png"), 8);
            }
        }
        png(data.resolve("b/odd.png"), 9);
        refused(data, dir, data.resolve("b/odd.png").toString(), "9x9", "8x8");
    }

    @Test
    void anOutputPathThatIsAFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("results"), "keep me");
        for (String command : new String[] {"search", "spnas"}) {
            for (Path out : new Path[] {file, file.resolve("run1")}) {
                String[] r = DmsCommandTest.run(command, "--out", out.toString());
                assertEquals("1", r[0], command + ": " + r[2]);
                assertTrue(r[2].contains(file + " is a file"), r[2]);
            }
        }
        assertEquals("keep me", Files.readString(file));
    }

    /**
     * A directory nobody may write into, root included: {@code /proc} (mode r-x, and the kernel creates no file or
     * directory there for anyone), so the check holds when the tests run as root, whom a read-only mode does not
     * stop. Run as another user, a temporary directory made read-only is tried as well.
     */
    @Test
    void aReadOnlyOutputDirectoryIsRefusedBeforeTraining(@TempDir Path dir) throws IOException {
        Path proc = Path.of("/proc");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(proc.resolve("self")), "Linux /proc");
        List<Path> readOnly = new java.util.ArrayList<>(List.of(proc));
        Path chmodded = Files.createDirectories(dir.resolve("read-only"));
        Files.setPosixFilePermissions(chmodded, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            if (!Files.isWritable(chmodded)) {
                readOnly.add(chmodded); // not root
            }
            for (String command : new String[] {"search", "spnas"}) {
                for (Path out : readOnly) {
                    String[] r = DmsCommandTest.run(command, "--out", out.toString());
                    assertEquals("1", r[0], command + ": " + r[2]);
                    assertTrue(r[2].startsWith("dms: cannot write into output directory " + out + " ("), r[2]);
                    assertTrue(!r[1].contains("profil") && !r[1].contains("resuming"), "refused before training: " + r[1]);
                }
                Path under = proc.resolve("dms-out");
                String[] r = DmsCommandTest.run(command, "--out", under.toString());
                assertEquals("1", r[0], command + ": " + r[2]);
                assertTrue(r[2].startsWith("dms: cannot create output directory " + under + " ("), r[2]);
            }
            try (java.util.stream.Stream<Path> left = Files.list(chmodded)) {
                assertEquals(0, left.count(), "nothing is left in the read-only directory");
            }
        } finally {
            Files.setPosixFilePermissions(chmodded, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aDamagedCheckpointIsRefusedWithExitOneNamingTheFile(@TempDir Path dir) throws IOException {
        Path state = Files.createDirectories(dir.resolve("out/checkpoint/checkpoint-000003")).resolve("state.json");
        Files.writeString(state, "{\"format\" : 2, \"settings\" : \"pipel");
        Files.writeString(state.resolveSibling("supernet.zip"), "PK");
        String[] r = DmsCommandTest.run("search", "--out", dir.resolve("out").toString());
        assertEquals("1", r[0], r[2]);
        assertTrue(r[2].contains(state.toString()) && r[2].contains("not valid JSON") && r[2].contains("--restart"), r[2]);
        assertEquals("{\"format\" : 2, \"settings\" : \"pipel", Files.readString(state), "nothing overwritten");
    }
}
