package io.dl4jdms.search;

import io.dl4jdms.checkpoint.CheckpointException;
import io.dl4jdms.checkpoint.CheckpointFiles;
import io.dl4jdms.listeners.DivergenceException;
import io.dl4jdms.pipeline.InterruptingProgress;
import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchHistory;
import io.dl4jdms.pipeline.SearchProgress;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a search does with a damaged checkpoint, an output it cannot write and a run that diverges. */
class DmsSearchFaultsTest {

    private static SearchData data;

    @BeforeAll
    static void load() throws IOException {
        data = DmsSearchTest.tinyData();
    }

    private static SearchSettings.Builder tiny(Path out) {
        return DmsSearchTest.tiny(out);
    }

    /** A valid checkpoint of the tiny settings, as a search writes it after its first epoch. */
    private static Path validCheckpoint(Path out) throws IOException {
        ComputationGraph net = new ComputationGraph(DefaultSupernet.configuration(data, 1.5, 1.0, 5));
        net.init();
        SearchCheckpoint.State state = SearchCheckpoint.start(tiny(out).build(), new SearchCheckpoint.State(), "search");
        state.completedEpochs = 1;
        return new SearchCheckpoint(out).save(net, state);
    }

    /** Runs the tiny search on a damaged checkpoint: refused, naming the file, with nothing overwritten. */
    private static CheckpointException refused(Path out, Path damagedFile) throws IOException {
        byte[] before = Files.readAllBytes(damagedFile);
        Map<Path, Long> sizes = sizes(out);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> new DmsSearch(tiny(out).build(), SearchProgress.NONE, s -> { }).run(data));
        assertEquals(damagedFile, e.file());
        assertTrue(e.getMessage().contains(damagedFile.toString()) && e.getMessage().contains("--restart")
                && e.getMessage().contains("nothing was overwritten"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(damagedFile), "the damaged file is left as it was");
        assertEquals(sizes, sizes(out), "no file was written or removed");
        return e;
    }

    private static Map<Path, Long> sizes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).collect(java.util.stream.Collectors.toMap(p -> p, p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    @Test
    void aTruncatedModelIsRefusedNamingTheFile(@TempDir Path out) throws IOException {
        Path model = validCheckpoint(out).resolve(SearchCheckpoint.MODEL);
        byte[] bytes = Files.readAllBytes(model);
        Files.write(model, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertTrue(refused(out, model).getMessage().contains("damaged"));
    }

    @Test
    void aTruncatedStateIsRefusedNamingTheFile(@TempDir Path out) throws IOException {
        Path state = validCheckpoint(out).resolve(SearchCheckpoint.STATE);
        String json = Files.readString(state);
        Files.writeString(state, json.substring(0, json.length() / 2));
        assertTrue(refused(out, state).getMessage().contains("not valid JSON"));
    }

    @Test
    void aCheckpointOfAnotherVersionIsRefused(@TempDir Path out) throws IOException {
        Path state = validCheckpoint(out).resolve(SearchCheckpoint.STATE);
        Files.writeString(state, Files.readString(state).replace("\"format\" : " + SearchCheckpoint.FORMAT, "\"format\" : 7"));
        assertTrue(refused(out, state).getMessage().contains("format 7"));

        Path old = out.resolve("checkpoint").resolve(SearchCheckpoint.STATE);
        Files.writeString(old, "{}");
        assertTrue(refused(out, old).getMessage().contains("earlier version"));
    }

    @Test
    void aCheckpointOfOtherSettingsNamesTheSetting(@TempDir Path out) throws IOException {
        Path state = validCheckpoint(out).resolve(SearchCheckpoint.STATE);
        Files.writeString(state, Files.readString(state).replace("\"seed\" : 5", "\"seed\" : 6"));
        assertTrue(refused(out, state).getMessage().contains("seed: checkpoint 6, now 5"));
    }

    @Test
    void restartDeletesADamagedCheckpointAndStartsOver(@TempDir Path out) throws IOException {
        Path model = validCheckpoint(out).resolve(SearchCheckpoint.MODEL);
        Files.write(model, new byte[] {1, 2, 3});
        assertThrows(RuntimeException.class, () -> new DmsSearch(tiny(out).build(),
                InterruptingProgress.at("search 1/", 4), s -> { }).checkpointEvery(3).restart().run(data));
        SearchCheckpoint checkpoint = new SearchCheckpoint(out);
        assertEquals(1, new CheckpointFiles(checkpoint.directory()).all().size(), "only the new search's checkpoint");
        assertEquals(3, checkpoint.load(tiny(out).build()).orElseThrow().batchesDone);
    }

    @Test
    void anOutputPathThatIsAFileIsRefusedBeforeAnythingRuns(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out");
        Files.writeString(file, "a file");
        IOException e = assertThrows(IOException.class,
                () -> new DmsSearch(tiny(file).build(), SearchProgress.NONE, s -> { }).run(data));
        assertTrue(e.getMessage().contains(file + " is a file"), e.getMessage());
        IOException under = assertThrows(IOException.class,
                () -> new DmsSearch(tiny(file.resolve("run1")).build(), SearchProgress.NONE, s -> { }).run(data));
        assertTrue(under.getMessage().contains(file + " is a file"), under.getMessage());
        assertEquals("a file", Files.readString(file));
    }

    /**
     * Each result file that cannot be written (a directory sits where it should go, which stops root as well as any
     * other user) ends the run with a message naming the output directory, the cause and the checkpoint that is kept;
     * the same command then resumes after the search (no search epoch is run again) and goes on to the next file.
     */
    @Test
    void resultsThatCannotBeWrittenKeepTheLastGoodCheckpointAndTheSameCommandFinishes(@TempDir Path out)
            throws IOException {
        SearchSettings settings = tiny(out).build();
        Path checkpointAfterSearch = null;
        for (String result : new String[] {"structure.json", "slim-model.zip", "summary.json"}) {
            Path blocker = Files.createDirectories(out.resolve(result));
            Files.writeString(blocker.resolve("in-the-way"), "a directory where " + result + " should go");
            java.util.List<String> log = new java.util.ArrayList<>();
            IOException e = assertThrows(IOException.class,
                    () -> new DmsSearch(settings, SearchProgress.NONE, log::add).run(data), result);
            Path kept = new SearchCheckpoint(out).latest().orElseThrow();
            assertTrue(e.getMessage().startsWith("cannot write the results into " + out)
                    && e.getMessage().contains(result) && e.getMessage().contains("the last good checkpoint " + kept
                    + " is kept") && e.getMessage().contains("run the same command again"), e.getMessage());
            SearchCheckpoint.State state = new SearchCheckpoint(out).load(settings).orElseThrow();
            assertEquals("done", state.phase, "the finished search is kept");
            if (checkpointAfterSearch == null) {
                checkpointAfterSearch = kept;
            } else {
                assertEquals(checkpointAfterSearch, kept, "a resumed run writes no new checkpoint");
                assertTrue(log.stream().anyMatch(line -> line.startsWith("resuming from " + kept + " (done")),
                        "resumed after the search: " + log);
            }
            assertTrue(!Files.exists(out.resolve("report.html")), "no report before every result is written");
            Files.delete(blocker.resolve("in-the-way"));
            Files.delete(blocker);
        }
        SearchOutcome finished = new DmsSearch(settings, SearchProgress.NONE, s -> { }).run(data);
        assertEquals(checkpointAfterSearch, new SearchCheckpoint(out).latest().orElseThrow());
        for (String result : new String[] {"structure.json", "slim-model.zip", "summary.json", "report.html"}) {
            assertTrue(Files.isRegularFile(out.resolve(result)) && Files.size(out.resolve(result)) > 0, result);
        }
        ComputationGraph slim = ModelSerializer.restoreComputationGraph(out.resolve("slim-model.zip").toFile());
        assertEquals(finished.slimTestAccuracy, io.dl4jdms.pipeline.PhaseTrainer.accuracy(slim, data), 0,
                "the saved slim network is the one reported");
    }

    /** The default supernet, whose learning rate jumps to 1e38 at iteration {@code at}: the parameters overflow soon after. */
    private static DmsSearch.SupernetConfiguration divergingSupernets(int at) {
        return (data, widthMultiplier, depthMultiplier, seed) -> diverging(
                DefaultSupernet.configuration(data, widthMultiplier, depthMultiplier, seed), at);
    }

    static ComputationGraphConfiguration diverging(ComputationGraphConfiguration conf, int at) {
        MapSchedule schedule = new MapSchedule(ScheduleType.ITERATION, Map.of(0, 3e-3, at, 1e38));
        conf.getVertices().values().forEach(v -> {
            if (v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof BaseLayer) {
                ((BaseLayer) ((LayerVertex) v).getLayerConf().getLayer()).setIUpdater(new Adam(schedule));
            }
        });
        return conf;
    }

    @Test
    void aDivergingSearchStopsNamingPhaseAndIterationKeepsTheLastGoodCheckpointAndExportsNothing(@TempDir Path out)
            throws IOException {
        DmsSearch search = new DmsSearch(tiny(out).build(), SearchProgress.NONE, s -> { }, divergingSupernets(7))
                .checkpointEvery(3);
        DivergenceException e = assertThrows(DivergenceException.class, () -> search.run(data));
        assertTrue(e.iteration() >= 7, "diverged at " + e.iteration());
        assertTrue(e.getMessage().contains("phase 'search 1/2' at iteration " + e.iteration())
                && e.getMessage().contains("learning rate") && e.getMessage().contains("last good checkpoint")
                && e.getMessage().contains("nothing was exported"), e.getMessage());
        SearchCheckpoint checkpoint = new SearchCheckpoint(out);
        SearchCheckpoint.State state = checkpoint.load(tiny(out).build()).orElseThrow();
        ComputationGraph kept = checkpoint.restoreSupernet();
        assertTrue(kept.getConfiguration().getIterationCount() <= e.iteration(), "a checkpoint from before");
        assertTrue(Double.isFinite(kept.params().sumNumber().doubleValue()), "the kept supernet is finite");
        assertEquals("search", state.phase);
        for (String result : new String[] {"structure.json", "slim-model.zip", "summary.json", "report.html"}) {
            assertTrue(!Files.exists(out.resolve(result)), result + " must not be written");
        }
    }

    @Test
    void aDivergingRetrainingNamesItsPhase() {
        ComputationGraph slim = new ComputationGraph(diverging(DefaultSupernet.configuration(data, 0.5, 1.0, 5), 2));
        slim.init();
        SearchSettings settings = tiny(Path.of("unused")).build();
        DivergenceException e = assertThrows(DivergenceException.class, () -> PhaseTrainer.train(slim, data,
                settings.batchSize, settings.seed, "slim", 1, 1, new SearchHistory(), SearchProgress.NONE, null, epoch -> { }));
        assertTrue(e.getMessage().contains("phase 'slim 1/1' at iteration " + e.iteration()), e.getMessage());
        assertTrue(e.iteration() >= 2 && e.iteration() < 13, "diverged at " + e.iteration());
    }
}
