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
 * {@code dms search} and {@code dms spnas} in a child JVM killed with SIGKILL in the middle of a search epoch (no shutdown
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

    /**
     * Starts the command in a child JVM and kills it with SIGKILL as soon as its newest checkpoint lies within the
     * second epoch of the search (phase {@code search}, one epoch finished, at least one minibatch of the next done).
     */
    private static void killWithinTheSecondEpoch(List<String> args, Path out, Path log) throws Exception {
        Process p = child(args, log).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
            while (p.isAlive() && System.nanoTime() < deadline) {
                JsonNode state = newestState(out);
                if (state != null && "search".equals(state.path("phase").asText())
                        && state.path("completedEpochs").asInt() == 1 && state.path("batchesDone").asInt() > 0) {
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), "the child ended before a checkpoint within the second epoch: "
                    + Files.readString(log));
        } finally {
            p.destroyForcibly(); // SIGKILL
        }
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
    }

    /** Runs the same command again to its end; checks that it resumed within an epoch and returns its log. */
    private static String resume(List<String> args, Path log) throws Exception {
        assertEquals(0, runToEnd(args, log), Files.readString(log));
        String text = Files.readString(log);
        assertTrue(text.contains("resuming from") && !text.contains("and 0 minibatch(es) done"),
                "resumed within an epoch: " + text);
        return text;
    }

    @Test
    void aSearchKilledWithinAnEpochResumesToTheResultOfAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 30, 5);
        Path straight = dir.resolve("straight");
        Path killed = dir.resolve("killed");

        assertEquals(0, runToEnd(searchArgs(data, straight), dir.resolve("straight.log")),
                Files.readString(dir.resolve("straight.log")));

        killWithinTheSecondEpoch(searchArgs(data, killed), killed, dir.resolve("killed.log"));
        assertTrue(!Files.exists(killed.resolve("summary.json")), "killed before the end of the search");

        resume(searchArgs(data, killed), dir.resolve("resumed.log"));

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

    /**
     * {@code dms spnas} on 100 images in minibatches of 32 (4 per epoch), no warm-up, two search epochs, a checkpoint
     * every iteration, the profiling cut to one timed run per candidate. The killed and resumed runs read the
     * uninterrupted run's latency table ({@code --latency-table}): measured latencies differ from run to run, and a
     * search compares exactly only on the same table.
     */
    private static List<String> spnasArgs(Path data, Path out, Path latencyTable) {
        List<String> args = new ArrayList<>(List.of("spnas", "--data", data.toString(), "--out", out.toString(),
                "--warmup-epochs", "0", "--epochs", "2", "--retrain-epochs", "1", "--seed", "7",
                "--target-latency", "0.5", "--profile-warmup", "0", "--profile-repeats", "1", "--latency-batch", "1",
                "--checkpoint-every", "1"));
        if (latencyTable != null) {
            args.addAll(List.of("--latency-table", latencyTable.toString()));
        }
        return args;
    }

    @Test
    void aSinglePathSearchKilledWithinAnEpochResumesToTheResultOfAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 10, 3);
        Path straight = dir.resolve("straight");
        Path killed = dir.resolve("killed");
        assertEquals(0, runToEnd(spnasArgs(data, straight, null), dir.resolve("straight.log")),
                Files.readString(dir.resolve("straight.log")));
        Path table = dir.resolve("latency.json");
        Files.copy(straight.resolve("latency.json"), table);

        killWithinTheSecondEpoch(spnasArgs(data, killed, table), killed, dir.resolve("killed.log"));
        assertTrue(!Files.exists(killed.resolve("slim-model.zip")), "killed before the export");
        resume(spnasArgs(data, killed, table), dir.resolve("resumed.log"));

        JsonNode s1 = new ObjectMapper().readTree(straight.resolve("summary.json").toFile());
        JsonNode s2 = new ObjectMapper().readTree(killed.resolve("summary.json").toFile());
        assertEquals(s1.path("slim").path("choices").toString(), s2.path("slim").path("choices").toString(),
                "the same structure");
        assertEquals(s1.path("latency").path("predictedMs").asDouble(), s2.path("latency").path("predictedMs").asDouble(-1),
                0, "the same predicted latency");
        for (String key : new String[] {"testAccuracy", "testAccuracyBeforeRetraining"}) {
            assertEquals(s1.path("slim").path(key).asDouble(), s2.path("slim").path(key).asDouble(-1), 0, "slim " + key);
        }
        assertEquals(2, s1.path("history").size());
        for (int e = 0; e < 2; e++) {
            assertEquals(s1.path("history").get(e).path("score").asDouble(), s2.path("history").get(e).path("score")
                    .asDouble(-1), 0, "mean training loss of search epoch " + (e + 1));
        }
        ComputationGraph a = ModelSerializer.restoreComputationGraph(straight.resolve("slim-model.zip").toFile());
        ComputationGraph b = ModelSerializer.restoreComputationGraph(killed.resolve("slim-model.zip").toFile());
        assertEquals(a.params(), b.params(), "the same retrained slim network");
        assertTrue(new File(killed.resolve("checkpoint").toString()).list().length <= 2, "at most two checkpoints kept");
    }
}
