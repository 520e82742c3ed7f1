package io.dl4jdms.spark;

import io.dl4jdms.pipeline.InterruptingProgress;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchProgress;
import io.dl4jdms.search.DmsSearch;
import io.dl4jdms.search.SearchOutcome;
import io.dl4jdms.search.SearchSettings;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A DMS search on Spark in {@code local[2]}, on a small part of the embedded Fashion-MNIST subset. */
class SparkSearchTest {

    private static JavaSparkContext sc;
    private static SearchData data;

    @BeforeAll
    static void start() throws IOException {
        sc = SparkSearch.context("local[2]", "SparkSearchTest");
        // 40 training and 10 test images per class: 13 minibatches of 32 per epoch.
        data = SearchData.load(null, 1).subset(40, 10);
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static SearchSettings settings(Path out) {
        return SearchSettings.builder().out(out).searchEpochs(2).retrainEpochs(1).batchSize(32).seed(5).build();
    }

    /** Two workers averaging every 2 minibatches: rounds of 4 minibatches, 3 full rounds and one of 1 per epoch. */
    private static SparkTraining training() {
        return new SparkTraining(sc, 2, 2);
    }

    /**
     * A search on two workers ends with a slim network that computes what the hard-masked supernet computes and whose
     * FLOPs are within 3% of the target; killed in its second epoch after an averaging round and run again, it resumes
     * from the round's checkpoint to the same supernet, structure and slim network.
     */
    @Test
    void searchOnTwoWorkersExportsTheBudgetAndResumesToTheSameResult(@TempDir Path dir) throws IOException {
        assertEquals(7, training().iterationsPerEpoch(data, 32), "3 rounds of 2 iterations and one of 1");
        SearchSettings straight = settings(dir.resolve("straight"));
        SearchOutcome expected = new DmsSearch(straight, SearchProgress.NONE, s -> { }).trainedBy(training()).run(data);
        assertTrue(expected.slimMaxAbsDiffVsHardMasked <= 1e-4,
                "slim network vs hard-masked supernet: max |diff| " + expected.slimMaxAbsDiffVsHardMasked);
        assertTrue(Math.abs(expected.slimFlops / expected.targetFlops - 1) <= 0.03,
                "slim " + expected.slimFlops + " FLOPs not within 3% of the target " + expected.targetFlops);
        // The workers' resource loss brought the structure itself near the target (one machine: 0.50 of the supernet
        // on these minibatches), not the budget fit.
        assertTrue(expected.searchEndFlops < 0.6 * expected.supernetFlops, "the search ended at "
                + expected.searchEndFlops + " of " + expected.supernetFlops + " FLOPs");
        System.out.printf("local[2] tiny search: %.0f FLOPs at the search's end, %.0f after the budget fit, target %.0f,"
                + " supernet %.0f; slim max |diff| %.2e%n", expected.searchEndFlops, expected.slimFlops,
                expected.targetFlops, expected.supernetFlops, expected.slimMaxAbsDiffVsHardMasked);
        assertEquals(8, expected.history.steps.size(), "one history step per averaging round");
        assertEquals(14, expected.history.steps.get(7).iteration + 1, "two epochs of 7 global iterations");
        for (String file : new String[] {"summary.json", "report.html", "structure.json", "slim-model.zip"}) {
            assertTrue(Files.size(dir.resolve("straight").resolve(file)) > 0, file);
        }
        SearchCheckpoint finished = new SearchCheckpoint(dir.resolve("straight"));
        assertEquals(14, finished.load(straight.trainedBy(training())).isPresent()
                ? finished.restoreSupernet().getConfiguration().getIterationCount() : -1);

        // Killed at the 9th minibatch of search epoch 2: the checkpoint after its second round (8 minibatches, 4
        // iterations of the epoch) is the newest.
        SearchSettings resumed = settings(dir.resolve("resumed"));
        assertThrows(InterruptingProgress.Interrupt.class, () -> new DmsSearch(resumed,
                InterruptingProgress.at("search 2/", 9), s -> { }).trainedBy(training()).run(data));
        SearchCheckpoint checkpoint = new SearchCheckpoint(dir.resolve("resumed"));
        SearchCheckpoint.State saved = checkpoint.load(resumed.trainedBy(training())).orElseThrow();
        assertEquals(1, saved.completedEpochs);
        assertEquals(8, saved.batchesDone);
        assertEquals(11, checkpoint.restoreSupernet().getConfiguration().getIterationCount());

        StringBuilder log = new StringBuilder();
        SearchOutcome actual = new DmsSearch(resumed, SearchProgress.NONE, log::append).trainedBy(training()).run(data);
        assertTrue(log.toString().contains("8 minibatch(es) done"), log.toString());
        ComputationGraph a = ModelSerializer.restoreComputationGraph(
                finished.latest().orElseThrow().resolve(SearchCheckpoint.MODEL).toFile());
        ComputationGraph b = ModelSerializer.restoreComputationGraph(
                checkpoint.latest().orElseThrow().resolve(SearchCheckpoint.MODEL).toFile());
        assertEquals(a.params(), b.params(), "the resumed search ends with the same supernet");
        assertEquals(a.getUpdater().getStateViewArray(), b.getUpdater().getStateViewArray(), "and the same updater state");
        assertEquals(Files.readString(dir.resolve("straight/structure.json")),
                Files.readString(dir.resolve("resumed/structure.json")));
        assertEquals(expected.searchedFlops, actual.searchedFlops, 0);
        assertEquals(expected.slimTestAccuracy, actual.slimTestAccuracy, 0);
    }

    /** A checkpoint of a search on two workers is refused by one on three, naming the setting. */
    @Test
    void aCheckpointOfOtherWorkersIsRefused(@TempDir Path dir) throws IOException {
        SearchSettings s = settings(dir);
        assertThrows(InterruptingProgress.Interrupt.class, () -> new DmsSearch(s, InterruptingProgress.at("search 1/", 5),
                m -> { }).trainedBy(training()).run(data));
        Exception e = assertThrows(IOException.class, () -> new DmsSearch(s, SearchProgress.NONE, m -> { })
                .trainedBy(new SparkTraining(sc, 3, 2)).run(data));
        assertTrue(e.getMessage().contains("sparkWorkers: checkpoint 2, now 3"), e.getMessage());
    }
}
