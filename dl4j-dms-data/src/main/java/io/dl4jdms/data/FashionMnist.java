package io.dl4jdms.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Fashion-MNIST (Zalando SE, MIT licence): 28x28 grey images of 10 kinds of clothing. Either the
 * stratified subset embedded in this jar ({@link #embedded()}: 600 training and 200 test images per
 * class) or the full set read from a directory of IDX files ({@link #fromDirectory}, which reads
 * MNIST just as well).
 *
 * <p>Features are float32 in [0, 1], shaped {@code [n, 1, 28, 28]} (NCHW) or {@code [n, 28, 28, 1]}
 * (NHWC, see {@link #withFormat}); labels are one-hot {@code [n, 10]}.
 */
public final class FashionMnist {

    /** The resource folder of the embedded subset. */
    static final String EMBEDDED = "/io/dl4jdms/data/fashion-mnist-subset/";
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** Number of classes. */
    public static final int CLASSES = 10;

    private static final List<String> CLASS_NAMES = Collections.unmodifiableList(Arrays.asList("T-shirt/top",
            "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"));

    private final Split train;
    private final Split test;
    private final CNN2DFormat format;

    private FashionMnist(Split train, Split test, CNN2DFormat format) {
        this.train = train;
        this.test = test;
        this.format = format;
    }

    /** The committed stratified subset: 6,000 training and 2,000 test images. */
    public static FashionMnist embedded() {
        try {
            return new FashionMnist(
                    Split.read(resource(TRAIN_IMAGES), resource(TRAIN_LABELS), "embedded " + TRAIN_IMAGES),
                    Split.read(resource(TEST_IMAGES), resource(TEST_LABELS), "embedded " + TEST_IMAGES),
                    CNN2DFormat.NCHW);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded Fashion-MNIST subset", e);
        }
    }

    /**
     * Reads {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}
     * and {@code t10k-labels-idx1-ubyte}, each raw or with {@code .gz}, from a directory (for example
     * {@code /usr/share/datasets/fashion-mnist} of Debian's dataset-fashion-mnist).
     *
     * @throws IOException naming the directory and the missing files, or the bad file
     */
    public static FashionMnist fromDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("data directory " + directory + " does not exist or is not a directory");
        }
        List<String> missing = new ArrayList<>();
        Path[] files = new Path[4];
        String[] names = {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS};
        for (int i = 0; i < names.length; i++) {
            files[i] = find(directory, names[i]);
            if (files[i] == null) {
                missing.add(names[i] + "[.gz]");
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("data directory " + directory + " lacks the IDX files " + missing);
        }
        try (InputStream trainImages = Files.newInputStream(files[0]);
             InputStream trainLabels = Files.newInputStream(files[1]);
             InputStream testImages = Files.newInputStream(files[2]);
             InputStream testLabels = Files.newInputStream(files[3])) {
            return new FashionMnist(Split.read(trainImages, trainLabels, files[0].toString()),
                    Split.read(testImages, testLabels, files[2].toString()), CNN2DFormat.NCHW);
        }
    }

    /** The same data with features in the given layout. */
    public FashionMnist withFormat(CNN2DFormat format) {
        return new FashionMnist(train, test, format);
    }

    /**
     * A class-balanced subset: the first {@code trainPerClass} / {@code testPerClass} images of each class
     * in an order shuffled by {@code seed}.
     */
    public FashionMnist subset(int trainPerClass, int testPerClass, long seed) {
        return new FashionMnist(train.stratified(trainPerClass, seed), test.stratified(testPerClass, seed), format);
    }

    public int numTrain() {
        return train.labels.length;
    }

    public int numTest() {
        return test.labels.length;
    }

    /** The ten class names, by label. */
    public static List<String> classNames() {
        return CLASS_NAMES;
    }

    /** The whole training split as one data set. */
    public DataSet trainSet() {
        return train.toDataSet(allIndices(train), format);
    }

    /** The whole test split as one data set. */
    public DataSet testSet() {
        return test.toDataSet(allIndices(test), format);
    }

    /** Training minibatches, reshuffled every epoch ({@code reset()}) in an order fixed by {@code seed}. */
    public DataSetIterator trainIterator(int batchSize, long seed) {
        return new ShuffledBatches(trainSet(), batchSize, seed);
    }

    /** Test minibatches in file order. */
    public DataSetIterator testIterator(int batchSize) {
        return new ShuffledBatches(testSet(), batchSize, null);
    }

    /** The raw training split (images and labels), e.g. for writing a subset. */
    Split train() {
        return train;
    }

    Split test() {
        return test;
    }

    private static int[] allIndices(Split split) {
        int[] all = new int[split.labels.length];
        Arrays.setAll(all, i -> i);
        return all;
    }

    private static Path find(Path directory, String name) {
        for (String candidate : new String[] {name, name + ".gz"}) {
            Path path = directory.resolve(candidate);
            if (Files.isRegularFile(path)) {
                return path;
            }
        }
        return null;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = FashionMnist.class.getResourceAsStream(EMBEDDED + name + ".gz");
        if (in == null) {
            throw new IOException("resource " + EMBEDDED + name + ".gz is missing from the classpath");
        }
        return in;
    }

    /** Images and labels of one split. */
    static final class Split {
        final byte[][] images;
        final int[] labels;
        final int rows;
        final int columns;

        Split(byte[][] images, int[] labels, int rows, int columns) {
            this.images = images;
            this.labels = labels;
            this.rows = rows;
            this.columns = columns;
        }

        static Split read(InputStream images, InputStream labels, String name) throws IOException {
            IdxReader.Images read = IdxReader.readImages(images, name);
            int[] labelValues = IdxReader.readLabels(labels, name.replace("images-idx3", "labels-idx1"));
            if (read.pixels.length != labelValues.length) {
                throw new IOException(name + ": " + read.pixels.length + " images but " + labelValues.length
                        + " labels");
            }
            return new Split(read.pixels, labelValues, read.rows, read.columns);
        }

        Split stratified(int perClass, long seed) {
            if (perClass <= 0) {
                throw new IllegalArgumentException("images per class must be positive, got " + perClass);
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(seed));
            int[] taken = new int[CLASSES];
            List<Integer> chosen = new ArrayList<>();
            for (int index : order) {
                if (taken[labels[index]] < perClass) {
                    taken[labels[index]]++;
                    chosen.add(index);
                }
            }
            for (int c = 0; c < CLASSES; c++) {
                if (taken[c] < perClass) {
                    throw new IllegalArgumentException("class " + c + " has only " + taken[c] + " images, "
                            + perClass + " requested");
                }
            }
            Collections.sort(chosen);
            byte[][] images = new byte[chosen.size()][];
            int[] subsetLabels = new int[chosen.size()];
            for (int i = 0; i < chosen.size(); i++) {
                images[i] = this.images[chosen.get(i)];
                subsetLabels[i] = labels[chosen.get(i)];
            }
            return new Split(images, subsetLabels, rows, columns);
        }

        DataSet toDataSet(int[] indices, CNN2DFormat format) {
            int pixels = rows * columns;
            float[] features = new float[indices.length * pixels];
            float[] oneHot = new float[indices.length * CLASSES];
            for (int i = 0; i < indices.length; i++) {
                byte[] image = images[indices[i]];
                for (int p = 0; p < pixels; p++) {
                    features[i * pixels + p] = (image[p] & 0xFF) / 255f;
                }
                oneHot[i * CLASSES + labels[indices[i]]] = 1f;
            }
            long[] shape = format == CNN2DFormat.NHWC
                    ? new long[] {indices.length, rows, columns, 1}
                    : new long[] {indices.length, 1, rows, columns};
            INDArray x = Nd4j.create(features, shape, DataType.FLOAT);
            INDArray y = Nd4j.create(oneHot, new long[] {indices.length, CLASSES}, DataType.FLOAT);
            return new DataSet(x, y);
        }
    }
}
