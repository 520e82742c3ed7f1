package io.dl4jdms.examples.arbiter;

import io.dl4jdms.arbiter.Study;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both Arbiter examples run end to end with tiny budgets and write what they promise. */
class ArbiterExamplesSmokeTest {

    @Test
    void theSupernetScreenThenSearchRuns(@TempDir Path dir) throws Exception {
        Path data = io.dl4jdms.arbiter.SearchDataSource.writeEmbeddedSubset(dir.resolve("data"), 20, 10, 1);
        JsonNode search = SupernetScreen.run("--candidates", "3", "--initialisations", "1", "--search-epochs", "1",
                "--retrain-epochs", "0", "--out", dir.toString(), "--data", data.toString());
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("screen").resolve("summary.json").toFile());
        assertEquals(3, summary.get("candidates").size());
        assertEquals(search.get("bestCandidate").asInt(), summary.get("bestIndex").asInt());
        assertTrue(search.get("slimFlops").asDouble() < search.get("supernetFlops").asDouble(), search.toString());
        double accuracy = search.get("slimTestAccuracy").asDouble();
        assertTrue(accuracy >= 0.0 && accuracy <= 1.0, "an accuracy: " + accuracy);
        assertTrue(Files.exists(dir.resolve("slim-model.zip")));
        assertTrue(Files.exists(dir.resolve("search.json")));
    }

    @Test
    void theDmsSettingsStudyRuns(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        io.dl4jdms.arbiter.SearchDataSource.writeEmbeddedSubset(data, 10, 5, 1);
        Study.Result r = DmsSettingsStudy.run(DmsSettingsStudy.Options.parse("--candidates", "1", "--minutes", "5",
                "--max-search-epochs", "1", "--out", dir.resolve("study").toString(), "--data", data.toString()));
        assertEquals(1, r.candidates().size());
        assertNotNull(r.best(), String.valueOf(r.candidates().get(0).error()));
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("study").resolve("summary.json").toFile());
        assertEquals(0, summary.get("bestIndex").asInt());
        assertTrue(summary.get("best").get("settings").has("resourceWeight"), summary.toString());
        assertTrue(summary.get("best").get("results").has("slimFlops"), summary.toString());
    }
}
