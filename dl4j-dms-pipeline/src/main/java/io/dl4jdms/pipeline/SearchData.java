package io.dl4jdms.pipeline;

import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.data.ImageFolders;
import io.dl4jdms.data.ShuffledBatches;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The images a search trains and tests on, held in memory: the embedded Fashion-MNIST subset, a
 * directory of IDX files, or a directory of class-named image folders. Features are NCHW in [0, 1].
 */
public final class SearchData {

    private final DataSet train;
    private final DataSet test;
    private final int classes;
    private final String description;

    private SearchData(DataSet train, DataSet test, int classes, String description) {
        this.train = train;
        this.test = test;
        this.classes = classes;
        this.description = description;
    }

    /**
     * Loads the data of a search.
     *
     * @param directory null for the embedded subset; else IDX files or class-named image folders
     * @throws IOException naming the directory or file that cannot be read
     */
    public static SearchData load(Path directory, long seed) throws IOException {
        if (directory == null) {
            FashionMnist data = FashionMnist.embedded();
            return new SearchData(data.trainSet(), data.testSet(), FashionMnist.CLASSES,
                    "embedded Fashion-MNIST subset (" + data.numTrain() + " training, " + data.numTest() + " test images)");
        }
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
        if (ImageFolders.looksLikeImageFolders(directory)) {
            ImageFolders.Splits splits = ImageFolders.read(directory, seed);
            return new SearchData(splits.train, splits.test, splits.classes.size(), "image folders " + directory
                    + " (" + splits.train.numExamples() + " training, " + splits.test.numExamples() + " test images)");
        }
        FashionMnist data = FashionMnist.fromDirectory(directory);
        return new SearchData(data.trainSet(), data.testSet(), FashionMnist.CLASSES, "IDX files in " + directory
                + " (" + data.numTrain() + " training, " + data.numTest() + " test images)");
    }

    /** A class-balanced part of this data: the first {@code perClassTrain} / {@code perClassTest} per class. */
    public SearchData subset(int perClassTrain, int perClassTest) {
        return new SearchData(firstPerClass(train, perClassTrain), firstPerClass(test, perClassTest), classes,
                description + ", " + perClassTrain + "/" + perClassTest + " per class");
    }

    private DataSet firstPerClass(DataSet set, int perClass) {
        int[] taken = new int[classes];
        java.util.List<Integer> chosen = new java.util.ArrayList<>();
        for (int i = 0; i < set.numExamples(); i++) {
            int label = set.getLabels().getRow(i).argMax().getInt(0);
            if (taken[label] < perClass) {
                taken[label]++;
                chosen.add(i);
            }
        }
        return set.get(chosen.stream().mapToInt(Integer::intValue).toArray());
    }

    public int height() {
        return (int) train.getFeatures().size(2);
    }

    public int width() {
        return (int) train.getFeatures().size(3);
    }

    public int channels() {
        return (int) train.getFeatures().size(1);
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

    /** The whole test split. */
    public DataSet testSet() {
        return test;
    }

    /** Training minibatches in an order reshuffled every epoch, repeatable for a seed. */
    public DataSetIterator train(int batchSize, long seed) {
        return new ShuffledBatches(train, batchSize, seed);
    }

    /** Test minibatches in order. */
    public DataSetIterator test(int batchSize) {
        return new ShuffledBatches(test, batchSize, null);
    }
}
