package io.dl4jdms.search;

import io.dl4jdms.pipeline.Provenance;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchProgress;
import io.dl4jdms.pipeline.Version;

import io.dl4jdms.export.SearchedStructure;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end searches on a small part of the embedded Fashion-MNIST subset. */
class DmsSearchTest {

    private static SearchData data;

    @BeforeAll
    static void load() throws IOException {
        data = SearchData.load(null, 1).subset(40, 10);
    }

    private static SearchSettings.Builder tiny(Path out) {
        return SearchSettings.builder().out(out).searchEpochs(2).retrainEpochs(1).batchSize(32).seed(5);
    }

    /** Checks what a finished scratch search leaves in its output directory. */
    private static void checkReportAndSlimNetwork(Path out, SearchOutcome outcome) throws IOException {
        for (String file : new String[] {"summary.json", "report.html", "resource.png", "kept-sizes.png", "widths.png",
                "curves.png", "structure.json", "slim-model.zip", "checkpoint/supernet.zip", "checkpoint/state.json"}) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        for (String key : new String[] {"supernet.flops", "supernet.params", "target.flops", "searched.flops",
                "slim.flops", "slim.params", "slim.testAccuracy", "slim.maxAbsDiffVsHardMasked", "baseline.flops",
                "baseline.testAccuracy", "timing.searchSeconds", "timing.retrainSeconds"}) {
            String[] path = key.split("\\.");
            assertTrue(summary.path(path[0]).path(path[1]).isNumber(), key + " in " + summary);
        }
        assertTrue(outcome.slimMaxAbsDiffVsHardMasked <= 1e-4, "max |diff| " + outcome.slimMaxAbsDiffVsHardMasked);
        assertEquals(outcome.searchedFlops, outcome.slimFlops, 1e-6 * outcome.slimFlops,
                "the slim network has the FLOPs the resource model gave the hard-masked supernet");
        assertEquals(0.5 * outcome.supernetFlops, outcome.targetFlops, 1e-6);
        assertTrue(outcome.slimFlops < outcome.supernetFlops, "something was pruned");
        // The budget fit guarantees the upper side; the resource loss holds the search near the target from below.
        assertTrue(outcome.slimFlops <= (1 + DmsSearch.BUDGET_TOLERANCE) * outcome.targetFlops + 1e-6,
                "slim " + outcome.slimFlops + " above the target " + outcome.targetFlops);
        assertTrue(Math.abs(outcome.slimFlops / outcome.targetFlops - 1) <= 0.03,
                "slim " + outcome.slimFlops + " not within 3% of the target " + outcome.targetFlops);
        assertTrue(summary.path("searched").path("flopsAtSearchEnd").isNumber(), summary.toString());
        assertEquals(outcome.budgetFitRemoved, summary.path("searched").path("budgetFitRemoved").asInt(-1));
        assertTrue(Math.abs(outcome.baselineFlops / outcome.slimFlops - 1) < 0.1,
                "baseline FLOPs " + outcome.baselineFlops + " vs slim " + outcome.slimFlops);
        SearchedStructure structure = SearchedStructure.read(out.resolve("structure.json").toFile());
        assertEquals(outcome.operators.size(), structure.operators().size());
        ComputationGraph slim = ModelSerializer.restoreComputationGraph(out.resolve("slim-model.zip").toFile(), false);
        assertTrue(!slim.getConfiguration().toJson().contains("io.dl4jdms"), "the slim network uses stock layers only");
        assertEquals(2 + 1 + 1, outcome.history.epochs.size(), "search 2, slim 1, baseline 1");
        // Where the result came from: in summary.json and in the slim model's zip, the same settings map.
        JsonNode provenance = summary.path("provenance");
        assertEquals("dms search", provenance.path("pipeline").asText());
        assertEquals(Version.current(), provenance.path("version").asText());
        assertEquals(0.5, provenance.path("settings").path("targetFlops").asDouble(), 0);
        Provenance stored = Provenance.read(out.resolve("slim-model.zip")).orElseThrow();
        assertEquals(5, stored.seed);
        assertEquals(data.describe(), stored.data);
        assertEquals(new ObjectMapper().convertValue(provenance.path("settings"), Map.class), stored.settings);
    }

    /** Stops the run when the second search epoch starts, after the first epoch's checkpoint was written. */
    private static final class Interrupt extends RuntimeException {
    }

    /**
     * A scratch search writes its report and an exact slim network; the same search interrupted after its
     * first epoch and run again resumes from the checkpoint to the same result.
     */
    @Test
    void scratchSearchReportsAndResumesToTheSameResult(@TempDir Path dir) throws IOException {
        SearchSettings straight = tiny(dir.resolve("straight")).build();
        SearchOutcome expected = new DmsSearch(straight, SearchProgress.NONE, s -> { }).run(data);
        checkReportAndSlimNetwork(dir.resolve("straight"), expected);

        SearchSettings resumed = tiny(dir.resolve("resumed")).build();
        SearchProgress interrupting = new SearchProgress() {
            @Override
            public void startPhase(String phase, long steps) {
                if (phase.startsWith("search 2/")) {
                    throw new Interrupt();
                }
            }

            @Override
            public void step(String detail) {
            }

            @Override
            public void endPhase() {
            }
        };
        assertThrows(Interrupt.class, () -> new DmsSearch(resumed, interrupting, s -> { }).run(data));
        assertTrue(Files.exists(dir.resolve("resumed/checkpoint/state.json")));
        StringBuilder log = new StringBuilder();
        SearchOutcome actual = new DmsSearch(resumed, SearchProgress.NONE, log::append).run(data);
        assertTrue(log.toString().contains("resuming"), log.toString());
        assertEquals(expected.searchedFlops, actual.searchedFlops, 0);
        assertEquals(expected.slimMaxAbsDiffVsHardMasked <= 1e-4, actual.slimMaxAbsDiffVsHardMasked <= 1e-4);
        ComputationGraph a = ModelSerializer.restoreComputationGraph(dir.resolve("straight/checkpoint/supernet.zip").toFile());
        ComputationGraph b = ModelSerializer.restoreComputationGraph(dir.resolve("resumed/checkpoint/supernet.zip").toFile());
        assertEquals(a.params(), b.params(), "the resumed search ends with the same supernet");
    }

    @Test
    void theSearchLeavesTheDefaultDataTypesAsTheyWere(@TempDir Path out) throws IOException {
        DataType previous = Nd4j.dataType();
        DataType previousFloating = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            SearchSettings settings = tiny(out).pipeline(Pipeline.STRUCTURE_ONLY).pretrainEpochs(1)
                    .structureIterations(3).build();
            new DmsSearch(settings, SearchProgress.NONE, s -> { }).run(data);
            assertEquals(DataType.DOUBLE, Nd4j.dataType());
            assertEquals(DataType.DOUBLE, Nd4j.defaultFloatingPointType());
            ComputationGraph slim = ModelSerializer.restoreComputationGraph(out.resolve("slim-model.zip").toFile(), false);
            assertEquals(DataType.FLOAT, slim.params().dataType(), "the networks are float by their configuration");
        } finally {
            Nd4j.setDefaultDataTypes(previous, previousFloating);
        }
    }

    @Test
    void aCheckpointFromOtherSettingsIsRefusedNamingBoth(@TempDir Path out) throws IOException {
        new SearchCheckpoint(out).save(newSupernet(), state(Map.of("pipeline", "scratch", "targetFlops", 0.3)));
        IOException e = assertThrows(IOException.class,
                () -> new DmsSearch(tiny(out).build(), SearchProgress.NONE, s -> { }).run(data));
        assertTrue(e.getMessage().contains("targetFlops=0.3") && e.getMessage().contains("targetFlops=0.5"), e.getMessage());
    }

    private static ComputationGraph newSupernet() {
        ComputationGraph net = new ComputationGraph(DefaultSupernet.configuration(data, 0.5, 1.0, 1));
        net.init();
        return net;
    }

    private static SearchCheckpoint.State state(Map<String, Object> settings) {
        SearchCheckpoint.State state = new SearchCheckpoint.State();
        state.settings = settings;
        state.phase = "search";
        return state;
    }
}
