package io.dl4jdms.pipeline;

import io.dl4jdms.data.CsvTable;
import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.data.ImageFolders;
import io.dl4jdms.data.ShuffledBatches;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The data a search trains and tests on, held in memory, with the {@link InputType} of its features and
 * the DL4J {@link DataNormalization} that turns the stored features into network inputs. The normaliser
 * is applied to every minibatch and to {@link #testSet()}; the pipelines save it with the model they
 * export ({@code ModelSerializer.addNormalizerToModel}), so a plain DL4J user restores both.
 *
 * <p>Sources: any pair of {@link DataSetIterator}s ({@link #of}), the embedded Fashion-MNIST subset or
 * a directory of IDX files ({@link #load}), class-named image folders read by DataVec ({@link #images}),
 * and a CSV table read by DataVec ({@link #csv}). Images are stored as pixel values in [0, 255] with an
 * {@link ImagePreProcessingScaler} to [0, 1]; tables as read, with a {@link NormalizerStandardize}
 * fitted on the training split.
 */
public final class SearchData {

    private final DataSet train;
    private final DataSet test;
    private final int classes;
    private final InputType inputType;
    private final DataNormalization normalizer;
    private final String description;

    private SearchData(DataSet train, DataSet test, int classes, InputType inputType, DataNormalization normalizer,
                       String description) {
        this.train = train;
        this.test = test;
        this.classes = classes;
        this.inputType = inputType;
        this.normalizer = normalizer;
        this.description = description;
    }

    /**
     * A user's own data: every minibatch of both iterators, read once into memory (the search reshuffles
     * the training data every epoch and resumes at epoch boundaries). When the training iterator's
     * pre-processor is a fitted {@link DataNormalization} (e.g. a {@code NormalizerStandardize} or an
     * {@code ImagePreProcessingScaler}, set as DL4J's examples do), the examples are read without it and
     * it becomes this data's normaliser, saved with the exported model; any other pre-processor is applied
     * while reading. Both iterators are reset first and their pre-processors are left as they were.
     *
     * @param inputType the features' type: {@code InputType.convolutional(h, w, c)} (NCHW) or
     *                  {@code InputType.feedForward(n)}
     * @throws IllegalArgumentException naming the value when an iterator is empty or its features do not fit
     *                                  {@code inputType}, or the two disagree in classes
     */
    public static SearchData of(DataSetIterator train, DataSetIterator test, InputType inputType) {
        Objects.requireNonNull(inputType, "inputType");
        DataSetPreProcessor pre = train.getPreProcessor();
        DataNormalization normalizer = pre instanceof DataNormalization ? (DataNormalization) pre : null;
        DataSet trainSet = drain(train, "training", normalizer != null);
        DataSet testSet = drain(test, "test", normalizer != null && test.getPreProcessor() != null);
        checkShape(trainSet, inputType, "training");
        checkShape(testSet, inputType, "test");
        if (trainSet.getLabels().size(1) != testSet.getLabels().size(1)) {
            throw new IllegalArgumentException("the training iterator has " + trainSet.getLabels().size(1)
                    + " classes, the test iterator " + testSet.getLabels().size(1));
        }
        return new SearchData(trainSet, testSet, (int) trainSet.getLabels().size(1), inputType, normalizer,
                "own iterators (" + trainSet.numExamples() + " training, " + testSet.numExamples() + " test examples"
                        + (normalizer == null ? "" : ", " + normalizer.getClass().getSimpleName()) + ")");
    }

    private static DataSet drain(DataSetIterator iterator, String which, boolean withoutPreProcessor) {
        DataSetPreProcessor pre = iterator.getPreProcessor();
        if (withoutPreProcessor) {
            iterator.setPreProcessor(null);
        }
        try {
            if (iterator.resetSupported()) {
                iterator.reset();
            }
            List<DataSet> batches = new ArrayList<>();
            while (iterator.hasNext()) {
                batches.add(iterator.next());
            }
            if (batches.isEmpty()) {
                throw new IllegalArgumentException("the " + which + " iterator gave no examples");
            }
            DataSet all = DataSet.merge(batches);
            return new DataSet(all.getFeatures().castTo(DataType.FLOAT), all.getLabels().castTo(DataType.FLOAT));
        } finally {
            iterator.setPreProcessor(pre);
        }
    }

    private static void checkShape(DataSet set, InputType type, String which) {
        long[] shape = set.getFeatures().shape();
        long[] expected;
        if (type instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) type;
            expected = new long[] {shape[0], c.getChannels(), c.getHeight(), c.getWidth()};
        } else if (type instanceof InputType.InputTypeFeedForward) {
            expected = new long[] {shape[0], ((InputType.InputTypeFeedForward) type).getSize()};
        } else {
            throw new IllegalArgumentException("input type must be convolutional or feed-forward, got " + type);
        }
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("the " + which + " features are shaped " + Arrays.toString(shape)
                    + " but input type " + type + " needs " + Arrays.toString(expected));
        }
    }

    /**
     * A data directory that exists, is a directory and is not empty.
     *
     * @throws IOException naming the path and what it is instead
     */
    private static void requireDataDirectory(Path directory) throws IOException {
        if (Files.isRegularFile(directory)) {
            throw new IOException("data directory " + directory + " is a file (" + Files.size(directory)
                    + " bytes), not a directory of IDX files or class-named image folders");
        }
        if (!Files.isDirectory(directory)) {
            throw new IOException("data directory " + directory + " does not exist or is not a directory");
        }
        try (java.util.stream.Stream<Path> children = Files.list(directory)) {
            if (children.findAny().isEmpty()) {
                throw new IOException("data directory " + directory + " is empty: expected Fashion-MNIST/MNIST IDX"
                        + " files or class-named image folders");
            }
        }
    }

    /** Loads the embedded subset (null) or a directory: IDX files, or class-named image folders at their own size. */
    public static SearchData load(Path directory, long seed) throws IOException {
        if (directory != null && Files.isDirectory(directory) && ImageFolders.looksLikeImageFolders(directory)) {
            return images(directory, 0, 0, 0, ImageFolders.DEFAULT_TEST_FRACTION, seed);
        }
        return idx(directory);
    }

    /**
     * The embedded subset (null) or a directory of IDX files.
     *
     * @throws IOException naming the directory or file that cannot be read
     */
    public static SearchData idx(Path directory) throws IOException {
        FashionMnist data;
        String name;
        if (directory == null) {
            data = FashionMnist.embedded();
            name = "embedded Fashion-MNIST subset";
        } else {
            requireDataDirectory(directory);
            data = FashionMnist.fromDirectory(directory);
            name = "IDX files in " + directory;
        }
        DataSet train = pixels(data.trainSet());
        DataSet test = pixels(data.testSet());
        return new SearchData(train, test, FashionMnist.CLASSES, inputType(train), new ImagePreProcessingScaler(),
                name + " (" + data.numTrain() + " training, " + data.numTest() + " test images)");
    }

    /** Features in [0, 1] back to the pixel values 0..255 they came from. */
    private static DataSet pixels(DataSet set) {
        return new DataSet(set.getFeatures().mul(255).addi(0.5).castTo(DataType.INT32).castTo(DataType.FLOAT),
                set.getLabels());
    }

    private static InputType inputType(DataSet images) {
        long[] s = images.getFeatures().shape();
        return InputType.convolutional(s[2], s[3], s[1]);
    }

    /**
     * Class-named image folders through DataVec (see {@link ImageFolders#read(Path, int, int, int, double, long)}).
     *
     * @param height   resize to this height; 0 (with width 0) to keep the images' one size
     * @param channels 1 or 3; 0 for the first image's
     * @throws IOException naming the directory, file or value at fault
     */
    public static SearchData images(Path directory, int height, int width, int channels, double testFraction,
                                    long seed) throws IOException {
        requireDataDirectory(directory);
        ImageFolders.Splits s = ImageFolders.read(directory, height, width, channels, testFraction, seed);
        return new SearchData(s.train, s.test, s.classes.size(), inputType(s.train), new ImagePreProcessingScaler(),
                "image folders " + directory + " (" + s.height + "x" + s.width + "x" + s.channels + ", "
                        + s.train.numExamples() + " training, " + s.test.numExamples() + " test images, classes "
                        + s.classes + ")");
    }

    /**
     * A CSV table through DataVec (see {@link CsvTable}), standardised with a {@link NormalizerStandardize}
     * fitted on the training rows.
     *
     * @throws IOException naming the file, line or value at fault
     */
    public static SearchData csv(Path file, int labelColumn, double testFraction, long seed) throws IOException {
        CsvTable.Splits s = CsvTable.read(file, labelColumn, testFraction, seed);
        NormalizerStandardize normalizer = new NormalizerStandardize();
        normalizer.fit(s.train);
        return new SearchData(s.train, s.test, s.classes, InputType.feedForward(s.features), normalizer,
                "CSV " + file + " (" + s.features + " features, label column " + labelColumn + ", " + s.classes
                        + " classes, " + s.train.numExamples() + " training, " + s.test.numExamples() + " test rows)");
    }

    /** A class-balanced part of this data: the first {@code perClassTrain} / {@code perClassTest} per class. */
    public SearchData subset(int perClassTrain, int perClassTest) {
        return new SearchData(firstPerClass(train, perClassTrain), firstPerClass(test, perClassTest), classes,
                inputType, normalizer, description + ", " + perClassTrain + "/" + perClassTest + " per class");
    }

    private DataSet firstPerClass(DataSet set, int perClass) {
        int[] taken = new int[classes];
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < set.numExamples(); i++) {
            int label = set.getLabels().getRow(i).argMax().getInt(0);
            if (taken[label] < perClass) {
                taken[label]++;
                chosen.add(i);
            }
        }
        return set.get(chosen.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The type of the features: convolutional (images, NCHW) or feed-forward (a table). */
    public InputType inputType() {
        return inputType;
    }

    /** Whether the features are images ({@link #height()}, {@link #width()}, {@link #channels()} apply). */
    public boolean isImages() {
        return inputType instanceof InputType.InputTypeConvolutional;
    }

    private InputType.InputTypeConvolutional image() {
        if (!isImages()) {
            throw new IllegalStateException("the data are " + inputType + ", not images");
        }
        return (InputType.InputTypeConvolutional) inputType;
    }

    public int height() {
        return (int) image().getHeight();
    }

    public int width() {
        return (int) image().getWidth();
    }

    public int channels() {
        return (int) image().getChannels();
    }

    /** The number of features of a table ({@code InputType.feedForward}); for images height x width x channels. */
    public int features() {
        return (int) inputType.arrayElementsPerExample();
    }

    public int classes() {
        return classes;
    }

    public int numTrain() {
        return train.numExamples();
    }

    public String describe() {
        return description;
    }

    /** The DL4J normaliser applied to every minibatch, or null if the features are used as stored. */
    public DataNormalization normalizer() {
        return normalizer;
    }

    /** The whole test split, normalised. */
    public DataSet testSet() {
        DataSet copy = test.copy();
        if (normalizer != null) {
            normalizer.preProcess(copy);
        }
        return copy;
    }

    /** Training minibatches, normalised, in an order reshuffled every epoch, repeatable for a seed. */
    public DataSetIterator train(int batchSize, long seed) {
        return normalized(new ShuffledBatches(train, batchSize, seed));
    }

    /** Test minibatches in order, normalised. */
    public DataSetIterator test(int batchSize) {
        return normalized(new ShuffledBatches(test, batchSize, null));
    }

    private DataSetIterator normalized(DataSetIterator iterator) {
        if (normalizer != null) {
            iterator.setPreProcessor(normalizer);
        }
        return iterator;
    }
}
