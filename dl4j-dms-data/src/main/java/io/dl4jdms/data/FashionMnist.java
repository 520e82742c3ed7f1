package io.dl4jdms.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

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

    /** Number of classes. */
    public static final int CLASSES = LabeledImages.CLASSES;
    /** The classpath folder of the embedded subset. */
    static final String EMBEDDED = "/io/dl4jdms/data/fashion-mnist-subset/";

    private static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final LabeledImages train;
    private final LabeledImages test;
    private final CNN2DFormat format;

    private FashionMnist(LabeledImages train, LabeledImages test, CNN2DFormat format) {
        this.train = train;
        this.test = test;
        this.format = format;
    }

    /**
     * The stratified subset committed in this jar: 600 training and 200 test images per class (6,000 and
     * 2,000), so tests and examples run without downloading anything. NOTICE.md next to the files says how
     * they were made.
     */
    public static FashionMnist embedded() {
        try {
            return new FashionMnist(embedded(LabeledImages.TRAIN), embedded(LabeledImages.TEST), CNN2DFormat.NCHW);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded Fashion-MNIST subset", e);
        }
    }

    /**
     * Reads {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}
     * and {@code t10k-labels-idx1-ubyte}, each raw or with {@code .gz}, from a directory: the full
     * Fashion-MNIST (e.g. {@code /usr/share/datasets/fashion-mnist} of Debian's dataset-fashion-mnist) or MNIST.
     *
     * @throws IOException naming the directory and the missing files, or the bad file and value
     */
    public static FashionMnist fromDirectory(Path directory) throws IOException {
        return new FashionMnist(LabeledImages.read(directory, LabeledImages.TRAIN),
                LabeledImages.read(directory, LabeledImages.TEST), CNN2DFormat.NCHW);
    }

    /** The same images with features laid out as {@code format}: NCHW (the default) or NHWC. */
    public FashionMnist withFormat(CNN2DFormat format) {
        return new FashionMnist(train, test, Objects.requireNonNull(format, "format"));
    }

    /** The layout of the features. */
    public CNN2DFormat format() {
        return format;
    }

    /**
     * A smaller class-balanced copy, e.g. for quick tests: per class, the first {@code trainPerClass}
     * training and {@code testPerClass} test images in an order shuffled by {@code seed}, kept in their
     * original order. The same arguments always give the same images.
     *
     * @throws IllegalArgumentException if a count is not positive or exceeds a class's images
     */
    public FashionMnist subset(int trainPerClass, int testPerClass, long seed) {
        return new FashionMnist(train.stratified(trainPerClass, seed), test.stratified(testPerClass, seed), format);
    }

    public int numTrain() {
        return train.size();
    }

    public int numTest() {
        return test.size();
    }

    /** The ten Fashion-MNIST class names, indexed by label. */
    public static List<String> classNames() {
        return CLASS_NAMES;
    }

    /** The whole training split: float32 features in [0, 1] and one-hot labels {@code [n, 10]}. */
    public DataSet trainSet() {
        return toDataSet(train);
    }

    /** The whole test split: float32 features in [0, 1] and one-hot labels {@code [n, 10]}. */
    public DataSet testSet() {
        return toDataSet(test);
    }

    /**
     * Training minibatches of {@code batchSize}, the last one smaller. Every {@code reset()} starts a new epoch
     * in a new order; the sequence of orders is fixed by {@code seed}.
     */
    public DataSetIterator trainIterator(int batchSize, long seed) {
        return new ShuffledBatches(trainSet(), batchSize, seed);
    }

    /** Test minibatches of {@code batchSize} in file order, the same after every {@code reset()}. */
    public DataSetIterator testIterator(int batchSize) {
        return new ShuffledBatches(testSet(), batchSize, null);
    }

    private static LabeledImages embedded(String split) throws IOException {
        return LabeledImages.read(resource(LabeledImages.imagesFile(split) + ".gz"),
                "embedded " + LabeledImages.imagesFile(split) + ".gz",
                resource(LabeledImages.labelsFile(split) + ".gz"), "embedded " + LabeledImages.labelsFile(split) + ".gz");
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = FashionMnist.class.getResourceAsStream(EMBEDDED + name);
        if (in == null) {
            throw new IOException("resource " + EMBEDDED + name + " is missing from the classpath");
        }
        return in;
    }

    private DataSet toDataSet(LabeledImages split) {
        int n = split.size();
        int pixels = split.rows * split.columns;
        float[] features = new float[n * pixels];
        float[] oneHot = new float[n * CLASSES];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < pixels; p++) {
                features[i * pixels + p] = (split.images[i][p] & 0xFF) / 255f;
            }
            oneHot[i * CLASSES + split.labels[i]] = 1f;
        }
        // With one channel, NCHW and NHWC hold the same numbers; only the shape differs.
        long[] shape = format == CNN2DFormat.NHWC
                ? new long[] {n, split.rows, split.columns, 1}
                : new long[] {n, 1, split.rows, split.columns};
        return new DataSet(Nd4j.create(features, shape, DataType.FLOAT),
                Nd4j.create(oneHot, new long[] {n, CLASSES}, DataType.FLOAT));
    }
}
