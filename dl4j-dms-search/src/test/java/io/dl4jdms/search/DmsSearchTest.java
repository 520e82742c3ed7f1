package io.dl4jdms.search;

import io.dl4jdms.pipeline.InterruptingProgress;
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

import io.dl4jdms.checkpoint.CheckpointFiles;

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
        data = tinyData();
    }

    /** 40 training and 10 test images per class of the embedded subset: 13 minibatches of 32 per epoch. */
    static SearchData tinyData() throws IOException {
        return SearchData.load(null, 1).subset(40, 10);
    }

    /** Two search epochs and one of retraining, minibatches of 32. */
    static SearchSettings.Builder tiny(Path out) {
        return SearchSettings.builder().out(out).searchEpochs(2).retrainEpochs(1).batchSize(32).seed(5);
    }

    /** Checks what a finished scratch search leaves in its output directory. */
    private static void checkReportAndSlimNetwork(Path out, SearchOutcome outcome) throws IOException {
        for (String file : new String[] {"summary.json", "report.html", "resource.png", "kept-sizes.png", "widths.png",
                "curves.png", "structure.json", "slim-model.zip"}) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        Path checkpoint = new SearchCheckpoint(out).latest().orElseThrow();
        assertTrue(Files.size(checkpoint.resolve(SearchCheckpoint.MODEL)) > 0);
        assertTrue(Files.size(checkpoint.resolve(SearchCheckpoint.STATE)) > 0);
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
        assertEquals(outcome.budgetFitAdded, summary.path("searched").path("budgetFitAdded").asInt(-1));
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

    /**
     * A scratch search writes its report and an exact slim network; the same search interrupted in the
     * middle of its second epoch, past the point where the depth masks freeze, and run again resumes from
     * its last checkpoint within the epoch to the same supernet, structure, slim network and accuracy.
     * The search time counts the work of both runs up to the end of the search.
     */
    @Test
    void scratchSearchReportsAndResumesWithinAnEpochToTheSameResult(@TempDir Path dir) throws IOException {
        SearchSettings straight = tiny(dir.resolve("straight")).build();
        long start = System.nanoTime();
        SearchOutcome expected = new DmsSearch(straight, SearchProgress.NONE, s -> { }).run(data);
        double wall = (System.nanoTime() - start) / 1e9;
        checkReportAndSlimNetwork(dir.resolve("straight"), expected);
        assertTrue(expected.searchSeconds > 0 && expected.searchSeconds + expected.retrainSeconds <= wall,
                "search " + expected.searchSeconds + " s + retraining " + expected.retrainSeconds + " s within the run's "
                        + wall + " s");

        // 400 images in minibatches of 32: 13 per epoch. Search epoch 2 is iterations 13..25; the depth masks
        // freeze after iteration 20 (80% of 26); checkpoints at iteration counts 15, 18, 21; interrupted at
        // iteration 23, so the run resumes at count 21 with 8 minibatches of epoch 2 done.
        SearchSettings resumed = tiny(dir.resolve("resumed")).build();
        assertThrows(InterruptingProgress.Interrupt.class, () -> new DmsSearch(resumed,
                InterruptingProgress.at("search 2/", 11), s -> { })
                .checkpointEvery(3).run(data));
        SearchCheckpoint checkpoint = new SearchCheckpoint(dir.resolve("resumed"));
        assertEquals(CheckpointFiles.KEEP, new CheckpointFiles(checkpoint.directory()).all().size(), "the newest two are kept");
        SearchCheckpoint.State saved = checkpoint.load(resumed).orElseThrow();
        assertEquals(1, saved.completedEpochs);
        assertEquals(8, saved.batchesDone);
        assertEquals(21, checkpoint.restoreSupernet().getConfiguration().getIterationCount());
        assertTrue(saved.searchSeconds > 0);
        assertTrue(!Files.exists(dir.resolve("resumed/summary.json")), "nothing reported before the search ended");

        StringBuilder log = new StringBuilder();
        SearchOutcome actual = new DmsSearch(resumed, SearchProgress.NONE, log::append).checkpointEvery(3).run(data);
        assertTrue(log.toString().contains("8 minibatch(es) done"), log.toString());
        ComputationGraph a = ModelSerializer.restoreComputationGraph(
                new SearchCheckpoint(dir.resolve("straight")).latest().orElseThrow().resolve(SearchCheckpoint.MODEL).toFile());
        ComputationGraph b = ModelSerializer.restoreComputationGraph(
                checkpoint.latest().orElseThrow().resolve(SearchCheckpoint.MODEL).toFile());
        assertEquals(a.params(), b.params(), "the resumed search ends with the same supernet");
        assertEquals(a.getUpdater().getStateViewArray(), b.getUpdater().getStateViewArray(), "and the same updater state");
        assertEquals(expected.searchedFlops, actual.searchedFlops, 0);
        assertEquals(expected.slimTestAccuracy, actual.slimTestAccuracy, 0);
        assertEquals(expected.baselineTestAccuracy, actual.baselineTestAccuracy, 0);
        assertEquals(Files.readString(dir.resolve("straight/structure.json")), Files.readString(dir.resolve("resumed/structure.json")));
        ComputationGraph slimA = ModelSerializer.restoreComputationGraph(dir.resolve("straight/slim-model.zip").toFile());
        ComputationGraph slimB = ModelSerializer.restoreComputationGraph(dir.resolve("resumed/slim-model.zip").toFile());
        assertEquals(slimA.params(), slimB.params(), "the same retrained slim network");
        assertEquals(expected.history.steps.size(), actual.history.steps.size(), "one history step per iteration");
        for (int i = 0; i < expected.history.epochs.size(); i++) {
            assertEquals(expected.history.epochs.get(i).trainLoss, actual.history.epochs.get(i).trainLoss, 0,
                    "mean training loss of epoch " + i);
        }
        assertTrue(actual.searchSeconds >= saved.searchSeconds, "the resumed search counts the first run's "
                + saved.searchSeconds + " s: " + actual.searchSeconds);
    }

    /** What every pipeline's finished search must show: the budget, an exact slim network, a baseline of equal FLOPs. */
    private static void checkBudgetAndBaseline(SearchOutcome o) {
        assertTrue(o.slimFlops <= (1 + DmsSearch.BUDGET_TOLERANCE) * o.targetFlops + 1e-6,
                "slim " + o.slimFlops + " more than 1% above the target " + o.targetFlops);
        // A structure below the target gets its most important pruned channels back while it stays at most at it.
        assertTrue(o.slimFlops >= 0.97 * o.targetFlops, "slim " + o.slimFlops + " more than 3% below the target "
                + o.targetFlops + " (search end " + o.searchEndFlops + ", " + o.budgetFitAdded + " added back)");
        assertTrue(o.budgetFitAdded == 0 || o.slimFlops <= o.targetFlops, "added back past the target: " + o.slimFlops);
        assertEquals(o.searchedFlops, o.slimFlops, 1e-6 * o.slimFlops);
        assertTrue(o.slimMaxAbsDiffVsHardMasked <= 1e-4, "slim vs hard-masked max |diff| " + o.slimMaxAbsDiffVsHardMasked);
        assertTrue(o.baselineFlops <= (1 + DmsSearch.BUDGET_TOLERANCE) * o.slimFlops + 1e-6
                && o.baselineFlops >= 0.97 * o.slimFlops, "baseline " + o.baselineFlops + " vs slim " + o.slimFlops);
        assertTrue(o.pretrainedTestAccuracy >= 0 && o.pretrainedTestAccuracy <= 1, "pretrained " + o.pretrainedTestAccuracy);
        assertTrue(o.baselineKeptFraction > 0 && o.baselineKeptFraction < 1, "kept " + o.baselineKeptFraction);
    }

    private static long epochsOf(SearchOutcome o, String phase) {
        return o.history.epochs.stream().filter(e -> phase.equals(e.phase)).count();
    }

    /**
     * The structure-only pipeline end to end: the base network is pretrained, only the ratios search, nothing is
     * retrained; the baseline is the same pretrained network pruned uniformly by filter magnitude to the same FLOPs,
     * not retrained either: its accuracy is that of the pretrained network, pruned, as saved beside the checkpoints.
     */
    @Test
    void structureOnlyPipelineAgainstUniformMagnitudePruningWithoutRetraining(@TempDir Path out) throws IOException {
        SearchSettings settings = tiny(out).pipeline(Pipeline.STRUCTURE_ONLY).pretrainEpochs(1).structureIterations(40)
                .build();
        SearchOutcome o = new DmsSearch(settings, SearchProgress.NONE, s -> { }).run(data);
        checkBudgetAndBaseline(o);
        assertEquals(0, o.slimTrainingEpochs);
        assertEquals(0, o.baselineTrainingEpochs);
        assertEquals(1, epochsOf(o, "pretrain"));
        assertEquals(0, epochsOf(o, "slim") + epochsOf(o, "baseline"), "neither side is trained after the pretraining");

        ComputationGraph pretrained = ModelSerializer.restoreComputationGraph(new SearchCheckpoint(out).directory()
                .resolve(DmsSearch.PRETRAINED_MODEL).toFile());
        assertEquals(o.pretrainedTestAccuracy, io.dl4jdms.pipeline.PhaseTrainer.accuracy(pretrained, data), 1e-9,
                "the saved pretrained network is the one evaluated after the pretraining");
        io.dl4jdms.resource.ResourceModel model = io.dl4jdms.resource.ResourceModel.of(pretrained, data.inputType());
        UniformPruning.prune(pretrained, model, o.slimFlops, DmsSearch.BUDGET_TOLERANCE);
        ComputationGraph pruned = io.dl4jdms.export.SlimExporter.export(pretrained);
        assertEquals(o.baselineTestAccuracyBeforeRecalibration, io.dl4jdms.pipeline.PhaseTrainer.accuracy(pruned, data), 0,
                "the baseline is the pretrained network pruned, untrained");
        // both sides get the same batch-norm recalibration on the same minibatches, and nothing else
        assertEquals(settings.recalibrationBatches, o.recalibrationBatches);
        assertTrue(io.dl4jdms.pipeline.BatchNormRecalibration.recalibrate(pruned, data.train(32, 5),
                settings.recalibrationBatches) > 0);
        assertEquals(o.baselineTestAccuracy, io.dl4jdms.pipeline.PhaseTrainer.accuracy(pruned, data), 0,
                "the baseline is the pretrained network pruned, its normalisation re-estimated, untrained");
        ComputationGraph slim = ModelSerializer.restoreComputationGraph(out.resolve("slim-model.zip").toFile());
        assertEquals(o.slimTestAccuracy, io.dl4jdms.pipeline.PhaseTrainer.accuracy(slim, data), 0);
        assertTrue(o.slimTestAccuracyBeforeRecalibration >= 0 && o.slimTestAccuracyBeforeRecalibration <= 1,
                "slim before recalibration " + o.slimTestAccuracyBeforeRecalibration);

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(0, summary.path("baseline").path("trainingEpochs").asInt(-1));
        assertEquals("none", summary.path("slim").path("training").asText());
        assertTrue(summary.path("baseline").path("method").asText().contains("not retrained"), summary.toString());
        assertEquals(o.pretrainedTestAccuracy, summary.path("pretrained").path("testAccuracy").asDouble(), 0);
        assertEquals(o.baselineTestAccuracyBeforeRecalibration,
                summary.path("baseline").path("testAccuracyBeforeRecalibration").asDouble(), 0);
        assertEquals(o.slimTestAccuracyBeforeRecalibration,
                summary.path("slim").path("testAccuracyBeforeRecalibration").asDouble(), 0);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("pretrained network, unpruned") && html.contains("not retrained"), html);
    }

    /**
     * The pretrained pipeline end to end: after the pretraining, the slim network's weights train in the search (1
     * epoch) and in the fine-tuning (1 epoch); the baseline (the pretrained network pruned uniformly by filter
     * magnitude to the same FLOPs) takes no part in the search and is fine-tuned for both, 2 epochs on the same data.
     */
    @Test
    void pretrainedPipelineAgainstUniformMagnitudePruningWithTheSameFineTuning(@TempDir Path out) throws IOException {
        SearchSettings settings = tiny(out).pipeline(Pipeline.PRETRAINED).pretrainEpochs(1).searchEpochs(1)
                .retrainEpochs(1).build();
        SearchOutcome o = new DmsSearch(settings, SearchProgress.NONE, s -> { }).run(data);
        checkBudgetAndBaseline(o);
        assertEquals("fine-tuned", o.slimTraining);
        assertEquals(1, epochsOf(o, "pretrain"));
        assertEquals(1, epochsOf(o, "search"));
        assertEquals(1, epochsOf(o, "slim"), "the slim network is fine-tuned for the retraining epochs");
        assertEquals(2, epochsOf(o, "baseline"), "the baseline is fine-tuned for the search and retraining epochs");
        assertEquals(2, o.slimTrainingEpochs, "search + fine-tuning");
        assertEquals(1, o.slimSearchEpochs);
        assertEquals(2, o.baselineTrainingEpochs);
        assertEquals("1 search epoch(s) + fine-tuned 1 epoch(s)", o.slimTrainingInWords());
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertTrue(summary.path("baseline").path("method").asText().contains("fine-tuned"), summary.toString());
        assertEquals(2, summary.path("baseline").path("trainingEpochs").asInt(-1));
        assertEquals(2, summary.path("slim").path("trainingEpochs").asInt(-1));
        assertEquals(1, summary.path("slim").path("searchEpochs").asInt(-1));
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("1 search epoch(s) + fine-tuned 1 epoch(s)") && html.contains("(2 epoch(s))"), html);
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
    void aCheckpointFromOtherSettingsIsRefusedNamingTheSetting(@TempDir Path out) throws IOException {
        new SearchCheckpoint(out).save(newSupernet(), state(tiny(out).targetFlops(0.3).build().toMap()));
        IOException e = assertThrows(IOException.class,
                () -> new DmsSearch(tiny(out).build(), SearchProgress.NONE, s -> { }).run(data));
        assertTrue(e.getMessage().contains("targetFlops: checkpoint 0.3, now 0.5"), e.getMessage());
        assertTrue(!e.getMessage().contains("seed"), "only the setting that differs: " + e.getMessage());
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
