package io.dl4jdms.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.dl4jdms.cli.DmsCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dms rank} and {@code dms scale} on tiny image folders with few points, initialisations and images. */
class TrainingFreeCommandsTest {

    private static final String[] QUICK = {"--points", "4", "--initialisations", "1", "--batch-size", "4", "--seed", "3"};

    private static String[] with(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void ranksSettingsFilesAndWritesTheRanking(@TempDir Path dir) throws IOException {
        Path small = Files.writeString(dir.resolve("small.json"), "{\"family\":\"resnet\",\"stemWidth\":4,"
                + "\"stageWidths\":[4,8],\"blocksPerStage\":[1,1],\"strides\":[1,2]}");
        Path large = Files.writeString(dir.resolve("large.json"), "{\"family\":\"resnet\",\"stemWidth\":4,"
                + "\"stageWidths\":[4,8],\"blocksPerStage\":[2,2],\"strides\":[1,2],\"widthMultiplier\":1.5}");
        Path out = dir.resolve("out");
        String[] r = run(with(new String[] {"rank", small.toString(), large.toString(), "--data",
                SpnasCommandTest.imageFolders(dir.resolve("images")).toString(), "--out", out.toString()}, QUICK));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("small.json") && r[1].contains("large.json") && r[1].contains("best: "), r[1]);
        JsonNode ranking = new ObjectMapper().readTree(out.resolve("ranking.json").toFile());
        assertEquals(2, ranking.path("architectures").size());
        int sums = 0;
        for (JsonNode a : ranking.path("architectures")) {
            assertTrue(a.path("lengthDistortion").asDouble() > 0, a.toString());
            assertTrue(a.path("flops").asDouble() > 0, a.toString());
            assertEquals(a.path("kappaRank").asInt() + a.path("lengthDistortionRank").asInt(), a.path("rankSum").asInt());
            sums += a.path("rankSum").asInt();
        }
        assertTrue(sums >= 4 && sums <= 6, "two architectures: ranks 1 and 2 on each score (sum 6), fewer with ties");
        assertTrue(ranking.path("architectures").get(1).path("flops").asDouble()
                > ranking.path("architectures").get(0).path("flops").asDouble());
    }

    @Test
    void rankNamesABadFileAndABadOption(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"family\":\"vgg\"}");
        String[] r = run("rank", dir.resolve("missing.json").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("missing.json") && r[2].contains("not a readable file"), r[2]);
        r = run("rank", bad.toString(), "--points", "1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("'--points': 1"), r[2]);
        r = run(with(new String[] {"rank", bad.toString(), "--data",
                SpnasCommandTest.imageFolders(dir.resolve("images")).toString()}, QUICK));
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("'vgg'"), r[2]);
    }

    @Test
    void scalesASeedToAFlopsBudgetAndWritesTheReport(@TempDir Path dir) throws IOException {
        Path seed = Files.writeString(dir.resolve("seed.json"), "{\"family\":\"resnet\",\"stemWidth\":4,\"stemStride\":1,"
                + "\"stageWidths\":[4,8],\"blocksPerStage\":[1,1],\"strides\":[1,2]}");
        Path out = dir.resolve("out");
        String[] r = run(with(new String[] {"scale", "--seed-architecture", seed.toString(), "--target-flops", "250000",
                "--data", SpnasCommandTest.imageFolders(dir.resolve("images")).toString(), "--out", out.toString()},
                QUICK));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("chosen after") && r[1].contains("report: "), r[1]);
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        double flops = summary.path("chosen").path("flops").asDouble();
        assertTrue(flops > 0 && flops <= 250000, "chosen FLOPs " + flops);
        assertEquals("flops", summary.path("budget").path("resource").asText());
        assertTrue(summary.path("trajectory").size() >= 2, summary.toString());
        assertTrue(summary.path("chosen").path("lengthDistortion").asDouble() > 0);
        for (String file : new String[] {"report.html", "scores.png", "resource.png", "architecture.json",
                "configuration.json"}) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        assertTrue(Files.readString(out.resolve("configuration.json")).contains("\"vertices\""));
        assertTrue(Files.readString(out.resolve("report.html")).contains("<img src=\"scores.png\""));
    }

    @Test
    void scaleNeedsExactlyOneBudget() {
        String[] r = run("scale");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--target-flops or --target-params"), r[2]);
        r = run("scale", "--target-flops", "-1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("'--target-flops': -1.0"), r[2]);
    }

    @Test
    void helpListsTheOptions() {
        for (String command : new String[] {"rank", "scale"}) {
            String[] r = run(command, "--help");
            assertEquals("0", r[0]);
            for (String option : new String[] {"--data", "--points", "--initialisations", "--batch-size", "--logits",
                    "--seed"}) {
                assertTrue(r[1].contains(option), command + ": " + option + " missing from:\n" + r[1]);
            }
        }
        assertTrue(run("--help")[1].contains("scale"));
    }
}
