package io.dl4jdms.spnas.search;

import io.dl4jdms.checkpoint.CheckpointException;
import io.dl4jdms.checkpoint.CheckpointFiles;
import io.dl4jdms.listeners.DivergenceException;
import io.dl4jdms.pipeline.InterruptingProgress;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchProgress;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a Single-Path NAS search does when interrupted within an epoch, given a checkpoint of other settings or told
 * to restart, and when its training diverges: the shared pipeline core's checkpoints, refusals and divergence guard.
 */
class SinglePathSearchFaultsTest {

    /** 30 training images in minibatches of 10: 3 iterations per epoch; one warm-up and one search epoch. */
    private static SinglePathSearch.Settings tiny() {
        return new SinglePathSearch.Settings().perClass(3, 1).batchSize(10).epochs(1, 1, 1).profile(0, 1).latencyBatch(1)
                .timing(1, 0.5).targetFraction(0.5).seed(7);
    }

    private static ComputationGraph newestSupernet(Path out) throws IOException {
        return ModelSerializer.restoreComputationGraph(new SearchCheckpoint(out).latest().orElseThrow()
                .resolve(SearchCheckpoint.MODEL).toFile());
    }

    /**
     * Interrupted in the middle of its search epoch and run again, the search resumes from the checkpoint within the
     * epoch and ends as the uninterrupted search: same structure, supernet, slim network, accuracy and losses. A
     * checkpoint of other settings is then refused naming the setting, and {@code restart()} starts over.
     */
    @Test
    void anInterruptedSearchResumesWithinAnEpochToTheSameResult(@TempDir Path dir) throws IOException {
        Path straightDir = dir.resolve("straight");
        SinglePathOutcome expected = new SinglePathSearch(tiny(), SearchProgress.NONE, line -> { }).run(straightDir);
        SinglePathSearch.Settings settings = tiny().latencyTable(straightDir.resolve(SinglePathSearch.LATENCY_TABLE));

        // Iteration counts 2 (warm-up) and 4 (search, 1 of 3 minibatches done) are checkpointed; stopped at count 6.
        Path resumedDir = dir.resolve("resumed");
        assertThrows(InterruptingProgress.Interrupt.class, () -> new SinglePathSearch(settings,
                InterruptingProgress.at("search 1/", 3), line -> { }).checkpointEvery(2).run(resumedDir));
        SearchCheckpoint checkpoint = new SearchCheckpoint(resumedDir);
        assertEquals(CheckpointFiles.KEEP, new CheckpointFiles(checkpoint.directory()).all().size(),
                "the newest two are kept");
        SinglePathSearch.State saved = checkpoint.load(settings, SinglePathSearch.State.class).orElseThrow();
        assertEquals(1, saved.completedEpochs);
        assertEquals(1, saved.batchesDone);
        assertEquals(4, checkpoint.restoreSupernet().getConfiguration().getIterationCount());
        assertTrue(!Files.exists(resumedDir.resolve(SinglePathSearch.SLIM_MODEL)), "nothing exported yet");

        List<String> log = new ArrayList<>();
        SinglePathOutcome actual = new SinglePathSearch(settings, SearchProgress.NONE, log::add).checkpointEvery(2)
                .run(resumedDir);
        assertTrue(log.stream().anyMatch(line -> line.contains("1 epoch(s) and 1 minibatch(es) done")), log.toString());
        assertEquals(expected.choices(), actual.choices(), "the same structure");
        assertEquals(newestSupernet(straightDir).params(), newestSupernet(resumedDir).params(),
                "the same supernet weights");
        ComputationGraph slimA = ModelSerializer.restoreComputationGraph(straightDir.resolve(SinglePathSearch.SLIM_MODEL).toFile());
        ComputationGraph slimB = ModelSerializer.restoreComputationGraph(resumedDir.resolve(SinglePathSearch.SLIM_MODEL).toFile());
        assertEquals(slimA.params(), slimB.params(), "the same retrained slim weights");
        assertEquals(expected.slimTestAccuracy, actual.slimTestAccuracy, 0.0);
        assertEquals(expected.steps.size(), actual.steps.size(), "the latency of every iteration, across the restart");
        for (int i = 0; i < expected.history.epochs.size(); i++) {
            assertEquals(expected.history.epochs.get(i).trainLoss, actual.history.epochs.get(i).trainLoss, 0,
                    "mean training loss of epoch " + i);
        }

        Path state = checkpoint.latest().orElseThrow().resolve(SearchCheckpoint.STATE);
        byte[] before = Files.readAllBytes(state);
        CheckpointException other = assertThrows(CheckpointException.class,
                () -> new SinglePathSearch(settings.seed(8), SearchProgress.NONE, line -> { }).run(resumedDir));
        assertEquals(state, other.file());
        assertTrue(other.getMessage().contains("seed: checkpoint 7, now 8") && other.getMessage().contains("--restart"),
                other.getMessage());
        assertEquals(new String(before), Files.readString(state), "nothing overwritten");

        assertThrows(InterruptingProgress.Interrupt.class, () -> new SinglePathSearch(settings.seed(8),
                InterruptingProgress.at("warm-up", 0), line -> { }).restart().run(resumedDir));
        assertEquals(1, new CheckpointFiles(checkpoint.directory()).all().size(), "only the new search's checkpoint");
        assertEquals(8, ((Number) checkpoint.load(settings.seed(8)).orElseThrow().settings.get("seed")).intValue());
    }

    @Test
    void aDivergingSearchStopsNamingPhaseAndIterationAndExportsNothing(@TempDir Path out) {
        SinglePathSearch.Settings settings = tiny().learningRates(1e38, 0.05);
        DivergenceException e = assertThrows(DivergenceException.class,
                () -> new SinglePathSearch(settings, SearchProgress.NONE, line -> { }).run(out));
        assertTrue(e.getMessage().contains("phase 'warm-up 1/1' at iteration " + e.iteration())
                && e.getMessage().contains("learning rate") && e.getMessage().contains("last good checkpoint")
                && e.getMessage().contains("nothing was exported"), e.getMessage());
        for (String result : new String[] {SinglePathSearch.SLIM_MODEL, "summary.json", "report.html"}) {
            assertTrue(!Files.exists(out.resolve(result)), result + " must not be written");
        }
    }

    @Test
    void anOutputPathThatIsAFileIsRefusedBeforeAnythingRuns(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("out"), "a file");
        IOException e = assertThrows(IOException.class,
                () -> new SinglePathSearch(tiny(), SearchProgress.NONE, line -> { }).run(file.resolve("run1")));
        assertTrue(e.getMessage().contains(file + " is a file"), e.getMessage());
        assertEquals("a file", Files.readString(file));
    }
}
