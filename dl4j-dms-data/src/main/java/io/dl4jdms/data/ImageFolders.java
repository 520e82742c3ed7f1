package io.dl4jdms.data;

import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a folder of class-named image folders with DataVec ({@link ImageRecordReader},
 * {@link ParentPathLabelGenerator}, {@link RecordReaderDataSetIterator}): {@code DIR/<class>/*.png}, or
 * {@code DIR/train/<class>/...} and {@code DIR/test/<class>/...}. Without train/test folders a fraction of
 * each class (chosen by the seed) is the test split. Every format DataVec's {@link NativeImageLoader}
 * reads (PNG, JPEG, BMP, GIF, TIFF, ...) is accepted; other files are ignored.
 *
 * <p>Features are NCHW float pixel values in [0, 255], as DataVec reads them: scale them with
 * {@code ImagePreProcessingScaler}. With a size, every image is resized to it; without one, every image
 * must have the size of the first one. Without a channel count, that of the first image is used
 * (1 grey, 3 colour); with one, images are converted to it.
 */
public final class ImageFolders {

    /** The part of each class folder that becomes the test split when there are no train/test folders. */
    public static final double DEFAULT_TEST_FRACTION = 0.2;

    private static final Set<String> FORMATS = Set.of(NativeImageLoader.ALLOWED_FORMATS);

    /** Images (raw pixel values) and one-hot labels of both splits, with the class names in label order. */
    public static final class Splits {
        public final DataSet train;
        public final DataSet test;
        public final List<String> classes;
        public final int height;
        public final int width;
        public final int channels;

        Splits(DataSet train, DataSet test, List<String> classes, int height, int width, int channels) {
            this.train = train;
            this.test = test;
            this.classes = classes;
            this.height = height;
            this.width = width;
            this.channels = channels;
        }
    }

    private ImageFolders() {
    }

    /** Whether a directory looks like class-named image folders (rather than IDX files). */
    public static boolean looksLikeImageFolders(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            return children.anyMatch(Files::isDirectory);
        }
    }

    /** Reads the folders at the first image's size and channels, a fifth of each class as test split. */
    public static Splits read(Path directory, long seed) throws IOException {
        return read(directory, 0, 0, 0, DEFAULT_TEST_FRACTION, seed);
    }

    /**
     * Reads the folders; errors name the directory, file or value at fault.
     *
     * @param height       image height to resize to; 0 (with width 0) for the first image's size, which all must have
     * @param width        image width to resize to, or 0
     * @param channels     1 (grey) or 3 (colour); 0 for the first image's
     * @param testFraction the part of each class held out for testing when there are no train/test folders, in (0, 1)
     */
    public static Splits read(Path directory, int height, int width, int channels, double testFraction, long seed)
            throws IOException {
        if ((height > 0) != (width > 0) || height < 0 || width < 0) {
            throw new IllegalArgumentException("image size must be two positive numbers (or neither), got "
                    + height + "x" + width);
        }
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (colour), got " + channels);
        }
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
        }
        Path train = directory.resolve("train");
        Path test = directory.resolve("test");
        List<String> classes;
        List<List<Path>> trainFiles;
        List<List<Path>> testFiles;
        if (Files.isDirectory(train) && Files.isDirectory(test)) {
            classes = classNames(train);
            if (!classes.equals(classNames(test))) {
                throw new IOException(directory + ": train classes " + classes + " differ from test classes "
                        + classNames(test));
            }
            trainFiles = files(train, classes);
            testFiles = files(test, classes);
        } else {
            classes = classNames(directory);
            trainFiles = new ArrayList<>();
            testFiles = new ArrayList<>();
            Random random = new Random(seed);
            List<List<Path>> all = files(directory, classes);
            for (int c = 0; c < classes.size(); c++) {
                List<Path> files = all.get(c);
                if (files.size() < 2) {
                    throw new IOException("class folder " + directory.resolve(classes.get(c)) + " holds "
                            + files.size() + " image; at least 2 are needed to split off a test image");
                }
                List<Path> shuffled = new ArrayList<>(files);
                Collections.shuffle(shuffled, random);
                int testCount = Math.min(shuffled.size() - 1, Math.max(1, (int) Math.round(shuffled.size() * testFraction)));
                testFiles.add(shuffled.subList(0, testCount));
                trainFiles.add(shuffled.subList(testCount, shuffled.size()));
            }
        }
        if (classes.size() < 2) {
            throw new IOException(directory + ": needs at least 2 class folders, found " + classes);
        }
        long[] first = probe(trainFiles.get(0).get(0));
        int c = channels > 0 ? channels : (int) first[1];
        int h = height > 0 ? height : (int) first[2];
        int w = width > 0 ? width : (int) first[3];
        // Every file is decoded once before reading, so that a file DataVec cannot read, or one of another
        // size when no size is given, is named.
        checkImages(trainFiles, height == 0 ? h : -1, w);
        checkImages(testFiles, height == 0 ? h : -1, w);
        return new Splits(load(trainFiles, classes, h, w, c), load(testFiles, classes, h, w, c), classes, h, w, c);
    }

    private static List<String> classNames(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            return children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
                    .collect(Collectors.toList());
        }
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && FORMATS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static List<List<Path>> files(Path directory, List<String> classes) throws IOException {
        List<List<Path>> out = new ArrayList<>();
        for (String c : classes) {
            try (Stream<Path> children = Files.list(directory.resolve(c))) {
                List<Path> images = children.filter(Files::isRegularFile).filter(ImageFolders::isImage).sorted()
                        .collect(Collectors.toList());
                if (images.isEmpty()) {
                    throw new IOException("class folder " + directory.resolve(c) + " holds no images (formats "
                            + new java.util.TreeSet<>(FORMATS) + ")");
                }
                out.add(images);
            }
        }
        return out;
    }

    /** The shape {@code [1, channels, height, width]} of an image as DataVec decodes it, unresized. */
    private static long[] probe(Path file) throws IOException {
        try {
            return new NativeImageLoader().asMatrix(file.toFile()).shape();
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not an image DataVec can read: " + e.getMessage(), e);
        }
    }

    /** Decodes every file; with {@code height >= 0} each must be {@code height x width}. */
    private static void checkImages(List<List<Path>> filesPerClass, int height, int width) throws IOException {
        for (List<Path> files : filesPerClass) {
            for (Path file : files) {
                long[] shape = probe(file);
                if (height >= 0 && (shape[2] != height || shape[3] != width)) {
                    throw new IOException(file + " is " + shape[2] + "x" + shape[3] + "; every image must be "
                            + height + "x" + width + " (or give an image size to resize them to)");
                }
            }
        }
    }

    /** The images of one split through ImageRecordReader and RecordReaderDataSetIterator, in one DataSet. */
    private static DataSet load(List<List<Path>> filesPerClass, List<String> classes, int height, int width,
                                int channels) throws IOException {
        List<URI> uris = new ArrayList<>();
        filesPerClass.forEach(files -> files.forEach(f -> uris.add(f.toUri())));
        ImageRecordReader reader = new ImageRecordReader(height, width, channels, new ParentPathLabelGenerator());
        reader.initialize(new CollectionInputSplit(uris));
        if (!reader.getLabels().equals(classes)) {
            throw new IllegalStateException("DataVec labels " + reader.getLabels() + " differ from the class folders "
                    + classes);
        }
        DataSet all = new RecordReaderDataSetIterator(reader, uris.size(), 1, classes.size()).next();
        return new DataSet(all.getFeatures().castTo(DataType.FLOAT), all.getLabels().castTo(DataType.FLOAT));
    }
}
