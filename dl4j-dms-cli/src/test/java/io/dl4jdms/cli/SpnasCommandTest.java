package io.dl4jdms.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static io.dl4jdms.cli.DmsCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpnasCommandTest {

    /** Three class folders of five 12x12 images, each class a different brightness plus noise. */
    static Path imageFolders(Path dir) throws IOException {
        Random random = new Random(3);
        for (int c = 0; c < 3; c++) {
            Path folder = Files.createDirectories(dir.resolve("class" + c));
            for (int i = 0; i < 5; i++) {
                BufferedImage image = new BufferedImage(12, 12, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 12; y++) {
                    for (int x = 0; x < 12; x++) {
                        int grey = Math.min(255, 60 * c + random.nextInt(80));
                        image.setRGB(x, y, grey << 16 | grey << 8 | grey);
                    }
                }
                ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
            }
        }
        return dir;
    }

    /** A whole, tiny run on image folders: the summary's numbers, the report, the plots and the slim network. */
    @Test
    void searchesUnderAnAbsoluteTargetAndWritesTheReport(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        String[] r = run("spnas", "--data", imageFolders(dir.resolve("images")).toString(), "--epochs", "1",
                "--warmup-epochs", "0", "--retrain-epochs", "1", "--target-latency-ms", "0.5", "--seed", "7",
                "--profile-warmup", "1", "--profile-repeats", "2", "--latency-batch", "1", "--out", out.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("predicted") && r[1].contains("measured") && r[1].contains("report: "), r[1]);

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(0.5, summary.path("latency").path("targetMs").asDouble(), 0.0);
        for (String key : new String[] {"latency.predictedMs", "latency.measuredMs", "latency.supernetPredictedMs",
                "latency.supernetMeasuredMs", "timing.searchSeconds", "timing.retrainSeconds"}) {
            String[] path = key.split("\\.");
            double value = summary.path(path[0]).path(path[1]).asDouble(Double.NaN);
            assertTrue(Double.isFinite(value) && value > 0, key + " = " + value + " in " + summary);
        }
        double accuracy = summary.path("slim").path("testAccuracy").asDouble(Double.NaN);
        assertTrue(accuracy >= 0 && accuracy <= 1, "slim.testAccuracy " + accuracy);
        assertEquals("12x12x1", summary.path("settings").path("input").asText(), "the supernet's input follows the data");
        assertEquals(3, summary.path("settings").path("classes").asInt());
        assertEquals(7, summary.path("settings").path("seed").asInt());
        assertEquals(2, summary.path("settings").path("profileRepeats").asInt());
        assertEquals(1, summary.path("history").size(), "one search epoch, no warm-up");
        for (String file : new String[] {"report.html", "latency.png", "block-latency.png", "curves.png",
                "latency.json", "slim-model.zip"}) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        assertTrue(org.deeplearning4j.util.ModelSerializer.restoreNormalizerFromFile(out.resolve("slim-model.zip").toFile())
                instanceof org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler, "the zip carries the normaliser");
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Single-Path NAS report") && html.contains("<img src=\"latency.png\""), html);
    }

    @Test
    void helpListsEveryOption() {
        String[] r = run("spnas", "--help");
        assertEquals("0", r[0]);
        for (String option : new String[] {"--out", "--target-latency-ms", "--target-latency", "--data", "--epochs",
                "--warmup-epochs", "--retrain-epochs", "--seed", "--help", "dms-spnas-out"}) {
            assertTrue(r[1].contains(option), option + " missing from:\n" + r[1]);
        }
        assertTrue(run("--help")[1].contains("spnas"), "dms lists the subcommand");
    }

    @Test
    void badOptionsExitWithUsageErrorNamingOptionAndValue(@TempDir Path dir) {
        String[][] cases = {
            {"--target-latency", "1.5"},
            {"--target-latency", "0"},
            {"--target-latency-ms", "-2.5"},
            {"--epochs", "0"},
            {"--retrain-epochs", "-1"},
            {"--profile-repeats", "0"},
            {"--data", dir.resolve("missing").toString()},
            {"--epochs", "many"},
        };
        for (String[] c : cases) {
            String[] r = run("spnas", c[0], c[1], "--out", dir.resolve("out").toString());
            assertEquals("2", r[0], String.join(" ", c));
            assertTrue(r[2].contains("'" + c[0] + "'") && r[2].contains(c[1]), r[2]);
        }
        String[] both = run("spnas", "--target-latency", "0.5", "--target-latency-ms", "2", "--out", dir.toString());
        assertEquals("2", both[0]);
        assertTrue(both[2].contains("not both"), both[2]);
        assertTrue(Files.notExists(dir.resolve("out")), "nothing is written after a usage error");
    }

    @Test
    void unreadableDataFailsWithExitOneAndTheFileName(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.write(dir.resolve("data/train-images-idx3-ubyte"), new byte[] {1, 2});
        String[] r = run("spnas", "--data", dir.resolve("data").toString(), "--out", dir.resolve("out").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].startsWith("dms: ") && r[2].contains("lacks the IDX files"), r[2]);
    }
}
