package io.dl4jdms.cli;

import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.data.SubsetWriter;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dms search} on the three kinds of data the command reads (colour image folders of another size,
 * IDX files, a CSV table), each ending with an exactly exported slim network, a report, and the data's
 * DL4J normaliser inside {@code slim-model.zip}.
 */
class SearchDataSourcesTest {

    private static JsonNode searchAndCheck(Path out, String... dataOptions) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("search", "--out", out.toString(),
                "--epochs", "1", "--seed", "7"));
        if (!java.util.List.of(dataOptions).contains("--retrain-epochs")) {
            args.addAll(java.util.List.of("--retrain-epochs", "1"));
        }
        args.addAll(java.util.List.of(dataOptions));
        String[] r = DmsCommandTest.run(args.toArray(new String[0]));
        assertEquals("0", r[0], r[2]);
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        double diff = summary.get("slim").get("maxAbsDiffVsHardMasked").asDouble();
        assertTrue(diff <= 1e-4, "slim network differs from the hard-masked supernet by " + diff);
        return summary;
    }

    /** A colour version of a grey Fashion-MNIST image, scaled to {@code size x size}. */
    private static BufferedImage colour(DataSet one, int size) {
        BufferedImage small = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int g = (int) Math.round(255 * one.getFeatures().getDouble(0, 0, y, x));
                small.setRGB(x, y, (g << 16) | ((g / 2) << 8) | (255 - g));
            }
        }
        BufferedImage big = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = big.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(small, 0, 0, size, size, null);
        g.dispose();
        return big;
    }

    /** Trousers, sneakers and bags: three classes a short training tells apart. */
    private static final java.util.Set<Integer> CLASSES = java.util.Set.of(1, 7, 8);

    private static void writePngs(DataSet set, Path directory, int size) throws Exception {
        for (int i = 0; i < set.numExamples(); i++) {
            DataSet one = set.get(i);
            int label = one.getLabels().argMax(1).getInt(0);
            if (!CLASSES.contains(label)) {
                continue;
            }
            Path folder = Files.createDirectories(directory.resolve("c" + label));
            ImageIO.write(colour(one, size), "png", folder.resolve(String.format(Locale.ROOT, "%04d.png", i)).toFile());
        }
    }

    @Test
    void colourPngFoldersOfAnotherSizeAreSearchedAndTheSlimZipRestoresWithPlainDl4j(@TempDir Path dir) throws Exception {
        FashionMnist subset = FashionMnist.embedded().subset(20, 10, 5);
        Path data = dir.resolve("png");
        writePngs(subset.trainSet(), data.resolve("train"), 32);
        writePngs(subset.testSet(), data.resolve("test"), 32);
        Path out = dir.resolve("out");
        JsonNode summary = searchAndCheck(out, "--data", data.toString(), "--retrain-epochs", "10");
        assertTrue(summary.get("data").asText().contains("32x32x3"), summary.get("data").asText());
        double recorded = summary.get("slim").get("testAccuracy").asDouble();
        assertTrue(recorded > 0.4, "a slim network above chance (1/3) makes the comparison below telling: " + recorded);

        // Only DL4J and DataVec from here on: restore the model and its normaliser, read the test folder.
        Path zip = out.resolve("slim-model.zip");
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
        DataNormalization normalizer = ModelSerializer.restoreNormalizerFromFile(zip.toFile());
        assertInstanceOf(ImagePreProcessingScaler.class, normalizer);
        ImageRecordReader reader = new ImageRecordReader(32, 32, 3, new ParentPathLabelGenerator());
        reader.initialize(new FileSplit(data.resolve("test").toFile(), NativeImageLoader.ALLOWED_FORMATS));
        DataSetIterator test = new RecordReaderDataSetIterator(reader, 16, 1, CLASSES.size());
        test.setPreProcessor(normalizer);
        double accuracy = restored.evaluate(test).accuracy();
        assertEquals(recorded, accuracy, 1e-9);
    }

    @Test
    void anIdxDirectoryIsSearched(@TempDir Path dir) throws Exception {
        Path full = Files.createDirectories(dir.resolve("embedded"));
        for (String name : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            try (InputStream in = FashionMnist.class.getResourceAsStream("/io/dl4jdms/data/fashion-mnist-subset/" + name)) {
                Files.copy(in, full.resolve(name));
            }
        }
        Path idx = dir.resolve("idx");
        SubsetWriter.main(new String[] {full.toString(), idx.toString(), "12", "6", "3"});
        Path out = dir.resolve("out");
        JsonNode summary = searchAndCheck(out, "--data", idx.toString());
        assertTrue(summary.get("data").asText().contains("IDX files"), summary.get("data").asText());
        assertInstanceOf(ImagePreProcessingScaler.class,
                ModelSerializer.restoreNormalizerFromFile(out.resolve("slim-model.zip").toFile()));
    }

    @Test
    void aCsvTableIsSearchedWithAnMlpSupernet(@TempDir Path dir) throws Exception {
        // three classes of points around different centres in 6 dimensions, on scales far from 1
        Path csv = dir.resolve("table.csv");
        Random random = new Random(11);
        StringBuilder s = new StringBuilder("f0,f1,f2,class,f3,f4,f5\n");
        for (int i = 0; i < 240; i++) {
            int label = i % 3;
            double[] f = new double[6];
            for (int j = 0; j < 6; j++) {
                f[j] = 100 * (j + 1) + 40 * (j == label ? 1 : j == label + 3 ? -1 : 0) + 15 * random.nextGaussian();
            }
            s.append(String.format(Locale.ROOT, "%.3f,%.3f,%.3f,%d,%.3f,%.3f,%.3f%n", f[0], f[1], f[2], label, f[3], f[4], f[5]));
        }
        Files.writeString(csv, s.toString());
        Path out = dir.resolve("out");
        JsonNode summary = searchAndCheck(out, "--csv", csv.toString(), "--label-column", "3", "--test-fraction", "0.25");
        assertTrue(summary.get("data").asText().contains("6 features") && summary.get("data").asText().contains("60 test"),
                summary.get("data").asText());
        assertTrue(summary.get("slim").get("testAccuracy").asDouble() > 0.5, summary.toString());
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(out.resolve("slim-model.zip").toFile(), false);
        assertEquals(6, restored.layerInputSize(0));
        assertInstanceOf(NormalizerStandardize.class,
                ModelSerializer.restoreNormalizerFromFile(out.resolve("slim-model.zip").toFile()));
    }

    @Test
    void badDataOptionsNameTheOptionAndValue(@TempDir Path dir) throws Exception {
        String[] size = DmsCommandTest.run("search", "--data", dir.toString(), "--image-size", "32by32",
                "--out", dir.resolve("o").toString());
        assertEquals("2", size[0]);
        assertTrue(size[2].contains("--image-size") && size[2].contains("32by32"), size[2]);
        String[] noLabel = DmsCommandTest.run("search", "--csv", dir.resolve("t.csv").toString(),
                "--out", dir.resolve("o").toString());
        assertEquals("2", noLabel[0]);
        assertTrue(noLabel[2].contains("--label-column"), noLabel[2]);
        Path csv = dir.resolve("t.csv");
        Files.writeString(csv, "1,2,0\n3,x,1\n");
        String[] value = DmsCommandTest.run("search", "--csv", csv.toString(), "--label-column", "2",
                "--out", dir.resolve("o").toString());
        assertEquals("1", value[0]);
        assertTrue(value[2].contains("t.csv") && value[2].contains("'x'"), value[2]);
    }
}
