package io.dl4jdms.cli;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dms search} in a child JVM killed with SIGKILL in the middle of a search epoch (no shutdown
 * hooks, no finally blocks), then run again with the same command: it resumes from its last checkpoint
 * and ends with the structure, slim network and test accuracies of an uninterrupted run.
 */
class KillResumeTest {

    /** 300 training images in minibatches of 64: 5 per epoch; two search epochs, a checkpoint every 2 iterations. */
    private static List<String> searchArgs(Path data, Path out) {
        return List.of("search", "--data", data.toString(), "--out", out.toString(), "--epochs", "2",
                "--retrain-epochs", "1", "--seed", "11", "--checkpoint-every", "2");
    }

    private static ProcessBuilder child(List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx2g");
        command.add("-XX:+UseSerialGC");
        for (String property : new String[] {"org.bytedeco.javacpp.platform.extension",
                "org.eclipse.deeplearning4j.helpers.disable", "org.slf4j.simpleLogger.defaultLogLevel"}) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(DmsCommand.class.getName());
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    }

    private static int runToEnd(List<String> args, Path log) throws Exception {
        Process p = child(args, log).start();
        try {
            assertTrue(p.waitFor(20, TimeUnit.MINUTES), "child JVM did not finish:\n" + Files.readString(log));
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    /** The newest checkpoint's state.json, or null. */
    private static JsonNode newestState(Path out) {
        Path root = out.resolve("checkpoint");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            Path newest = dirs.filter(d -> d.getFileName().toString().startsWith("checkpoint-")).sorted()
                    .reduce((a, b) -> b).orElse(null);
            return newest == null ? null : new ObjectMapper().readTree(newest.resolve("state.json").toFile());
        } catch (IOException e) {
            return null; // being written or rotated just now
        }
    }

    @Test
    void aSearchKilledWithinAnEpochResumesToTheResultOfAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 30, 5);
        Path straight = dir.resolve("straight");
        Path killed = dir.resolve("killed");

        assertEquals(0, runToEnd(searchArgs(data, straight), dir.resolve("straight.log")),
                Files.readString(dir.resolve("straight.log")));

        Process p = child(searchArgs(data, killed), dir.resolve("killed.log")).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
            while (p.isAlive() && System.nanoTime() < deadline) {
                JsonNode state = newestState(killed);
                if (state != null && "search".equals(state.path("phase").asText())
                        && state.path("completedEpochs").asInt() == 1 && state.path("batchesDone").asInt() > 0) {
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), "the child ended before a checkpoint within search epoch 2: "
                    + Files.readString(dir.resolve("killed.log")));
        } finally {
            p.destroyForcibly(); // SIGKILL
        }
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        assertTrue(!Files.exists(killed.resolve("summary.json")), "killed before the end of the search");

        Path resumedLog = dir.resolve("resumed.log");
        assertEquals(0, runToEnd(searchArgs(data, killed), resumedLog), Files.readString(resumedLog));
        String log = Files.readString(resumedLog);
        assertTrue(log.contains("resuming from") && !log.contains("and 0 minibatch(es) done"),
                "resumed within an epoch: " + log);

        assertEquals(Files.readString(straight.resolve("structure.json")), Files.readString(killed.resolve("structure.json")),
                "the same structure");
        ComputationGraph a = ModelSerializer.restoreComputationGraph(straight.resolve("slim-model.zip").toFile());
        ComputationGraph b = ModelSerializer.restoreComputationGraph(killed.resolve("slim-model.zip").toFile());
        assertEquals(a.params(), b.params(), "the same retrained slim network");
        JsonNode s1 = new ObjectMapper().readTree(straight.resolve("summary.json").toFile());
        JsonNode s2 = new ObjectMapper().readTree(killed.resolve("summary.json").toFile());
        for (String section : new String[] {"slim", "baseline"}) {
            assertEquals(s1.path(section).path("testAccuracy").asDouble(), s2.path(section).path("testAccuracy").asDouble(-1),
                    0, section + " test accuracy");
        }
        assertEquals(s1.path("searched").toString(), s2.path("searched").toString());
        assertTrue(new File(killed.resolve("checkpoint").toString()).list().length <= 2, "at most two checkpoints kept");
    }
}
