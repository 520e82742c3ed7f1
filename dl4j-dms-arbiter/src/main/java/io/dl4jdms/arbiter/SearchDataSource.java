package io.dl4jdms.arbiter;

import io.dl4jdms.pipeline.SearchData;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import io.dl4jdms.data.FashionMnist;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * An Arbiter {@link DataSource} over the images a DMS search uses ({@link SearchData}): the embedded Fashion-MNIST
 * subset, a directory of IDX files or of class-named image folders. Nothing is downloaded. Properties:
 * {@value #DATA} (a directory; absent for the embedded subset), {@value #BATCH_SIZE} (default 64) and
 * {@value #SEED} (the order of the training batches; default 42). {@link #trainData()} and {@link #testData()} return
 * {@link DataSetIterator}s; the test split is the held-out data candidates are scored on.
 */
public class SearchDataSource implements DataSource {

    /** The data directory; absent for the embedded subset. */
    public static final String DATA = "dl4jdms.data";
    public static final String BATCH_SIZE = "dl4jdms.batchSize";
    public static final String SEED = "dl4jdms.seed";

    private Path directory;
    private int batchSize = 64;
    private long seed = 42;
    private transient SearchData data;

    /** Properties for the embedded subset ({@code directory} null) or a data directory. */
    public static Properties properties(Path directory, int batchSize) {
        Properties p = new Properties();
        if (directory != null) {
            p.setProperty(DATA, directory.toString());
        }
        p.setProperty(BATCH_SIZE, Integer.toString(batchSize));
        return p;
    }

    /** The data directory the properties name, or null for the embedded subset. */
    public static Path directory(Properties properties) {
        String d = properties == null ? null : properties.getProperty(DATA);
        return d == null ? null : Path.of(d);
    }

    /**
     * Writes a class-balanced part of the embedded subset ({@code trainPerClass} training and {@code testPerClass}
     * test images per class, chosen by {@code seed}) as raw IDX files into {@code directory}: data for quick studies
     * and smoke tests, read like any IDX directory.
     *
     * @return {@code directory}
     */
    public static Path writeEmbeddedSubset(Path directory, int trainPerClass, int testPerClass, long seed)
            throws IOException {
        FashionMnist data = FashionMnist.embedded().subset(trainPerClass, testPerClass, seed);
        Files.createDirectories(directory);
        writeIdx(directory, "train", data.trainSet());
        writeIdx(directory, "t10k", data.testSet());
        return directory;
    }

    private static void writeIdx(Path dir, String prefix, DataSet set) throws IOException {
        INDArray f = set.getFeatures();
        int n = (int) f.size(0);
        int h = (int) f.size(2);
        int w = (int) f.size(3);
        float[][] pixels = f.reshape(n, (long) h * w).toFloatMatrix();
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                Files.newOutputStream(dir.resolve(prefix + "-images-idx3-ubyte"))))) {
            out.writeInt(0x00000803);
            out.writeInt(n);
            out.writeInt(h);
            out.writeInt(w);
            for (float[] row : pixels) {
                for (float v : row) {
                    out.writeByte(Math.round(v * 255f));
                }
            }
        }
        INDArray labels = set.getLabels().argMax(1);
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte"))))) {
            out.writeInt(0x00000801);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(labels.getInt(i));
            }
        }
    }

    @Override
    public void configure(Properties properties) {
        this.directory = directory(properties);
        if (properties != null) {
            this.batchSize = positive(properties, BATCH_SIZE, batchSize);
            this.seed = Long.parseLong(properties.getProperty(SEED, Long.toString(seed)));
        }
    }

    private static int positive(Properties p, String key, int fallback) {
        String value = p.getProperty(key);
        if (value == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SearchDataSource: property " + key + " must be a positive integer, got \""
                    + value + "\"");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("SearchDataSource: property " + key + " must be positive, got " + n);
        }
        return n;
    }

    /** The images (loaded once). */
    public synchronized SearchData data() {
        if (data == null) {
            try {
                data = SearchData.load(directory, seed);
            } catch (IOException e) {
                throw new UncheckedIOException("SearchDataSource: cannot load " + (directory == null ? "the embedded subset"
                        : directory), e);
            }
        }
        return data;
    }

    @Override
    public DataSetIterator trainData() {
        return data().train(batchSize, seed);
    }

    @Override
    public DataSetIterator testData() {
        return data().test(batchSize);
    }

    @Override
    public Class<?> getDataType() {
        return DataSetIterator.class;
    }
}
