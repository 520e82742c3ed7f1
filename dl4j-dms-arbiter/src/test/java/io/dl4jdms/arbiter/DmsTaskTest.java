package io.dl4jdms.arbiter;

import io.dl4jdms.arbiter.scores.HeldOutAccuracy;
import io.dl4jdms.arbiter.spaces.DmsSettingsSpace;
import io.dl4jdms.arbiter.tasks.DmsCandidate;
import io.dl4jdms.arbiter.tasks.DmsTaskCreator;
import io.dl4jdms.search.DmsSearch;
import io.dl4jdms.search.SearchOutcome;
import io.dl4jdms.pipeline.SearchProgress;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A DMS task gives the slim network DmsSearch gives with the same settings and seed, and scores it on held-out data. */
class DmsTaskTest {

    @Test
    void theTaskSlimNetworkIsDmsSearchs(@TempDir Path dir) throws Exception {
        Path data = SearchDataSource.writeEmbeddedSubset(dir.resolve("data"), 10, 5, 1);
        DmsSettingsSpace space = new DmsSettingsSpace.Builder().targetFlops(0.4).resourceWeight(3.0).searchEpochs(1)
                .retrainEpochs(1).widthMultiplier(1.0).batchSize(32).seed(7).build();
        Study.Result r = Study.builder(space, new DmsTaskCreator(dir.resolve("study")), new HeldOutAccuracy())
                .dataSource(SearchDataSource.class, SearchDataSource.properties(data, 32))
                .maxCandidates(1).maxTime(Duration.ofMinutes(5)).output(dir.resolve("study")).build().run();
        assertEquals(1, r.candidates().size());
        assertEquals("Complete", r.candidates().get(0).status(), String.valueOf(r.candidates().get(0).error()));
        ComputationGraph fromTask = ModelSerializer.restoreComputationGraph(
                dir.resolve("study").resolve("candidate-0").resolve("slim-model.zip").toFile(), true);

        DmsCandidate candidate = new DmsCandidate(io.dl4jdms.search.Pipeline.SCRATCH, "flops", 0.4, 3.0, 1, 1, 2, 1.0,
                1.0, 32, 7);
        SearchOutcome direct = new DmsSearch(candidate.toSettings(data, dir.resolve("direct")), SearchProgress.NONE,
                s -> { }).run();
        ComputationGraph fromSearch = ModelSerializer.restoreComputationGraph(
                dir.resolve("direct").resolve("slim-model.zip").toFile(), true);

        assertEquals(fromSearch.getConfiguration().toJson(), fromTask.getConfiguration().toJson());
        assertEquals(fromSearch.params(), fromTask.params());
        // The task's score is the slim network's accuracy on the held-out split: what DmsSearch reports.
        assertEquals(direct.slimTestAccuracy, r.candidates().get(0).score(), 1e-12);
        @SuppressWarnings("unchecked")
        Map<String, Object> extras = (Map<String, Object>) r.candidates().get(0).extras();
        assertNotNull(extras);
        assertEquals(direct.slimFlops, (Double) extras.get("slimFlops"), 0.0);
        // Arbiter's result saver holds the slim network too.
        assertEquals(fromSearch.params(), ((ComputationGraph) r.candidates().get(0).reference().getResultModel()).params());
    }
}
