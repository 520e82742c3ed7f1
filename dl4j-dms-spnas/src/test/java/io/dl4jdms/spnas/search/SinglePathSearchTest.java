package io.dl4jdms.spnas.search;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.pipeline.InterruptingProgress;
import io.dl4jdms.pipeline.Provenance;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchProgress;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole pipeline, as small as it goes: the files it writes, the keys of summary.json, the progress it reports. */
class SinglePathSearchTest {

    @Test
    void writesTheTableTheSlimNetworkTheSummaryAndTheReport(@TempDir Path dir) throws IOException {
        SinglePathSearch.Settings settings = new SinglePathSearch.Settings().perClass(2, 1).batchSize(20)
                .epochs(1, 1, 1).profile(0, 1).latencyBatch(1).timing(1, 0.5);
        List<String> phases = new ArrayList<>();
        int[] steps = {0};
        SearchProgress progress = new SearchProgress() {
            @Override
            public void startPhase(String phase, long count) {
                phases.add(phase + " " + count);
            }

            @Override
            public void step(String detail) {
                steps[0]++;
            }

            @Override
            public void endPhase() {
            }
        };
        SinglePathOutcome outcome = new SinglePathSearch(settings, progress, line -> { }).run(dir);

        // 20 training images, batches of 20: one iteration per epoch; one profiling round per measurement, and the
        // profiling makes two: the candidates with the calibration networks, then those networks against the gauge.
        assertEquals(List.of("profile latency 2", "warm-up 1/1 1", "search 1/1 1", "retrain 1/1 1",
                "time the slim network 1"), phases);
        assertEquals(2 + 1 + 1 + 1 + 1, steps[0], "two profiling measurements, one round each");
        assertEquals(2, outcome.steps.size(), "one latency record per iteration of warm-up and search");
        assertEquals(List.of("supernet", "supernet", "slim"), outcome.history.epochs.stream().map(e -> e.phase).toList());

        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        for (String key : new String[] {"latency.targetMs", "latency.predictedMs", "latency.measuredMs",
                "latency.relativeError", "latency.searchedPredictedMs", "latency.measuredAtTableSpeedMs",
                "latency.relativeErrorAtTableSpeed", "latency.supernetMeasuredAtTableSpeedMs", "latency.gaugeProfiledMs",
                "latency.gaugeMeasuredMs", "slim.testAccuracy", "timing.searchSeconds", "timing.retrainSeconds"}) {
            String[] path = key.split("\\.");
            assertTrue(summary.path(path[0]).path(path[1]).isNumber(), key + " in " + summary);
        }
        assertEquals(SinglePathSearch.Settings.DEFAULT_TARGET_FRACTION * outcome.supernetPredictedMs, summary.path("latency").path("targetMs").asDouble(), 1e-9);
        // The gauge was timed with the table and again at the end; the time at the table's speed is the ratio to it.
        JsonNode latency = summary.path("latency");
        assertEquals(CandidateLatencyTable.read(dir.resolve("latency.json").toFile()).gaugeMs(),
                latency.path("gaugeProfiledMs").asDouble(), 1e-9);
        assertTrue(latency.path("gaugeMeasuredMs").asDouble() > 0 && latency.path("measuredAtTableSpeedMs").asDouble() > 0,
                latency.toString());
        assertEquals(latency.path("predictedMs").asDouble() / latency.path("measuredAtTableSpeedMs").asDouble() - 1,
                latency.path("relativeErrorAtTableSpeed").asDouble(), 1e-9);
        // The fill: only upwards, never above the target, every step recorded.
        assertTrue(outcome.predictedMs >= outcome.searchedPredictedMs, summary.toString());
        if (outcome.searchedPredictedMs <= outcome.targetMs) {
            assertTrue(outcome.predictedMs <= outcome.targetMs, summary.toString());
        }
        assertEquals(outcome.fillSteps.isEmpty(), outcome.predictedMs == outcome.searchedPredictedMs, summary.toString());
        assertEquals(outcome.fillSteps.size(), latency.path("fillSteps").size());
        double accuracy = summary.path("slim").path("testAccuracy").asDouble(-1);
        assertTrue(accuracy >= 0 && accuracy <= 1, summary.toString());
        assertTrue(summary.path("export").path("maxAbsDifference").asDouble(1) <= 1e-4, summary.toString());
        assertEquals(7, summary.path("slim").path("choices").size());
        assertEquals(7, summary.path("blocks").size());
        assertEquals(2, summary.path("history").size());
        assertEquals("28x28x1", summary.path("settings").path("input").asText());
        assertEquals(20, summary.path("settings").path("trainImages").asInt());
        assertEquals(7, CandidateLatencyTable.read(dir.resolve("latency.json").toFile()).entries().size());

        for (String file : new String[] {"report.html", "latency.png", "block-latency.png", "curves.png"}) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file);
        }
        String html = Files.readString(dir.resolve("report.html"));
        for (String part : new String[] {"<img src=\"latency.png\"", "<img src=\"block-latency.png\"",
                "<img src=\"curves.png\"", "<a href=\"slim-model.zip\">", "s1b0", "s4b1",
                "Chosen blocks", "Choices over the epochs", "(warm-up)"}) {
            assertTrue(html.contains(part), part + " missing from the report");
        }
        ComputationGraph slim = ModelSerializer.restoreComputationGraph(dir.resolve("slim-model.zip").toFile(), false);
        assertTrue(!slim.getConfiguration().toJson().contains("io.dl4jdms"), "the slim network uses stock layers only");
        assertEquals(outcome.slimParameters, slim.numParams());
    }

    /**
     * A search interrupted after its first epoch and run again resumes from the checkpoint and ends with the
     * structure, weights and accuracy of the uninterrupted search with the same seed. Both use one latency table (a
     * measured table is noisy, so two profilings alone would make two searches differ).
     */
    @Test
    void anInterruptedSearchResumesToTheSameResult(@TempDir Path dir) throws IOException {
        SinglePathSearch.Settings straight = new SinglePathSearch.Settings().perClass(2, 1).batchSize(10)
                .epochs(1, 1, 1).profile(0, 1).latencyBatch(1).timing(1, 0.5).targetFraction(0.5).seed(7);
        SinglePathOutcome expected = new SinglePathSearch(straight, SearchProgress.NONE, line -> { })
                .run(dir.resolve("straight"));
        SinglePathSearch.Settings settings = straight
                .latencyTable(dir.resolve("straight").resolve(SinglePathSearch.LATENCY_TABLE));
        // Stops the run when the first search epoch starts, after the warm-up epoch's checkpoint was written.
        SearchProgress interrupting = InterruptingProgress.at("search 1/", 0);
        Path resumedDir = dir.resolve("resumed");
        assertThrows(InterruptingProgress.Interrupt.class, () -> new SinglePathSearch(settings, interrupting, line -> { }).run(resumedDir));
        assertTrue(Files.exists(new SearchCheckpoint(resumedDir).latest().orElseThrow().resolve(SearchCheckpoint.STATE)));
        List<String> log = new ArrayList<>();
        SinglePathOutcome actual = new SinglePathSearch(settings, SearchProgress.NONE, log::add).run(resumedDir);
        assertTrue(log.stream().anyMatch(line -> line.startsWith("resuming")), log.toString());

        assertEquals(expected.choices(), actual.choices(), "the same structure");
        ComputationGraph a = ModelSerializer.restoreComputationGraph(new SearchCheckpoint(dir.resolve("straight")).latest()
                .orElseThrow().resolve(SearchCheckpoint.MODEL).toFile());
        ComputationGraph b = ModelSerializer.restoreComputationGraph(new SearchCheckpoint(resumedDir).latest()
                .orElseThrow().resolve(SearchCheckpoint.MODEL).toFile());
        assertEquals(a.params(), b.params(), "the same supernet weights");
        ComputationGraph slimA = ModelSerializer.restoreComputationGraph(dir.resolve("straight/slim-model.zip").toFile());
        ComputationGraph slimB = ModelSerializer.restoreComputationGraph(resumedDir.resolve("slim-model.zip").toFile());
        assertEquals(slimA.params(), slimB.params(), "the same retrained slim weights");
        assertEquals(expected.slimTestAccuracy, actual.slimTestAccuracy, 0.0);
        assertEquals(expected.predictedMs, actual.predictedMs, 0.0);
        assertEquals(expected.epochs.size(), actual.epochs.size());
        assertEquals(expected.steps.size(), actual.steps.size(), "the latency of every iteration, across the restart");
        assertEquals(expected.history.epochs.size(), actual.history.epochs.size());

        // The provenance of the slim model: the settings map that is also the checkpoint's identity.
        Provenance provenance = Provenance.read(resumedDir.resolve(SinglePathSearch.SLIM_MODEL)).orElseThrow();
        assertEquals("dms spnas", provenance.pipeline);
        assertEquals(7L, provenance.seed);
        assertEquals(1, ((Number) provenance.settings.get("warmupEpochs")).intValue());
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class,
                () -> new SinglePathSearch.Settings().targetFraction(1.5).check());
        assertTrue(fraction.getMessage().contains("fraction") && fraction.getMessage().contains("1.5"),
                fraction.getMessage());
        IllegalArgumentException epochs = assertThrows(IllegalArgumentException.class,
                () -> new SinglePathSearch.Settings().epochs(0, 0, 1).check());
        assertTrue(epochs.getMessage().contains("search epochs"), epochs.getMessage());
        IllegalArgumentException perClass = assertThrows(IllegalArgumentException.class,
                () -> new SinglePathSearch.Settings().perClass(5, 0).check());
        assertTrue(perClass.getMessage().contains("per class"), perClass.getMessage());
    }
}
