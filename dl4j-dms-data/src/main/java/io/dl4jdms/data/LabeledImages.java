package io.dl4jdms.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * One split (train or test) of an IDX data set in memory: unsigned-byte images and their labels 0..9.
 * Plain Java, shared by {@link FashionMnist} and {@link SubsetWriter}.
 */
final class LabeledImages {

    static final String TRAIN = "train";
    static final String TEST = "t10k";
    static final int CLASSES = 10;

    final byte[][] images;
    final int[] labels;
    final int rows;
    final int columns;

    private LabeledImages(byte[][] images, int[] labels, int rows, int columns) {
        this.images = images;
        this.labels = labels;
        this.rows = rows;
        this.columns = columns;
    }

    /** The file name of a split's images without {@code .gz}, e.g. {@code train-images-idx3-ubyte}. */
    static String imagesFile(String split) {
        return split + "-images-idx3-ubyte";
    }

    /** The file name of a split's labels without {@code .gz}, e.g. {@code t10k-labels-idx1-ubyte}. */
    static String labelsFile(String split) {
        return split + "-labels-idx1-ubyte";
    }

    /**
     * Reads a split ({@link #TRAIN} or {@link #TEST}) of a directory holding the four IDX files, each raw or
     * with {@code .gz}.
     *
     * @throws IOException naming the directory and every missing file, or the file at fault
     */
    static LabeledImages read(Path directory, String split) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("data directory " + directory + " does not exist or is not a directory");
        }
        List<String> missing = new ArrayList<>();
        for (String s : new String[] {TRAIN, TEST}) {
            for (String name : new String[] {imagesFile(s), labelsFile(s)}) {
                if (find(directory, name) == null) {
                    missing.add(name + "[.gz]");
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("data directory " + directory + " lacks the IDX files " + missing);
        }
        Path images = find(directory, imagesFile(split));
        Path labels = find(directory, labelsFile(split));
        return of(IdxReader.readImages(images), images.toString(), IdxReader.readLabels(labels), labels.toString());
    }

    /** Reads and closes an image and a label stream; the names identify them in error messages. */
    static LabeledImages read(InputStream images, String imagesName, InputStream labels, String labelsName)
            throws IOException {
        try (images; labels) {
            return of(IdxReader.readImages(images, imagesName), imagesName,
                    IdxReader.readLabels(labels, labelsName), labelsName);
        }
    }

    private static LabeledImages of(IdxReader.Images images, String imagesName, int[] labels, String labelsName)
            throws IOException {
        if (images.pixels.length != labels.length) {
            throw new IOException(imagesName + " holds " + images.pixels.length + " images but " + labelsName
                    + " holds " + labels.length + " labels");
        }
        return new LabeledImages(images.pixels, labels, images.rows, images.columns);
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

    int size() {
        return labels.length;
    }

    /**
     * A class-balanced subset: visiting the images in an order shuffled by {@code seed}, the first
     * {@code perClass} of each class; they keep their original order.
     *
     * @throws IllegalArgumentException if {@code perClass} is not positive or a class has fewer images
     */
    LabeledImages stratified(int perClass, long seed) {
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
                        + perClass + " requested per class");
            }
        }
        Collections.sort(chosen);
        byte[][] subsetImages = new byte[chosen.size()][];
        int[] subsetLabels = new int[chosen.size()];
        for (int i = 0; i < chosen.size(); i++) {
            subsetImages[i] = images[chosen.get(i)];
            subsetLabels[i] = labels[chosen.get(i)];
        }
        return new LabeledImages(subsetImages, subsetLabels, rows, columns);
    }
}
