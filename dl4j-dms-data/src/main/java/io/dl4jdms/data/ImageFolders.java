package io.dl4jdms.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a folder of class-named image folders (the layout DataVec's {@code ParentPathLabelGenerator}
 * reads): {@code DIR/<class>/*.png}, or {@code DIR/train/<class>/...} and {@code DIR/test/<class>/...}.
 * Without train/test folders, a fifth of each class (chosen by the seed) is the test split. Images are
 * read with {@code javax.imageio} (PNG, JPEG, BMP, GIF), turned grey and scaled to [0, 1]; all must have
 * the size of the first one.
 */
public final class ImageFolders {

    /** Images and one-hot labels of both splits, with the class names in label order. */
    public static final class Splits {
        public final DataSet train;
        public final DataSet test;
        public final List<String> classes;
        public final int height;
        public final int width;

        Splits(DataSet train, DataSet test, List<String> classes, int height, int width) {
            this.train = train;
            this.test = test;
            this.classes = classes;
            this.height = height;
            this.width = width;
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

    /** Reads the folders; errors name the directory or file at fault. */
    public static Splits read(Path directory, long seed) throws IOException {
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
                java.util.Collections.shuffle(shuffled, random);
                int testCount = Math.max(1, shuffled.size() / 5);
                testFiles.add(shuffled.subList(0, testCount));
                trainFiles.add(shuffled.subList(testCount, shuffled.size()));
            }
        }
        if (classes.size() < 2) {
            throw new IOException(directory + ": needs at least 2 class folders, found " + classes);
        }
        int[] size = size(trainFiles.get(0).get(0));
        return new Splits(dataSet(trainFiles, classes.size(), size), dataSet(testFiles, classes.size(), size),
                classes, size[0], size[1]);
    }

    private static List<String> classNames(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            return children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
                    .collect(Collectors.toList());
        }
    }

    private static List<List<Path>> files(Path directory, List<String> classes) throws IOException {
        List<List<Path>> out = new ArrayList<>();
        for (String c : classes) {
            try (Stream<Path> children = Files.list(directory.resolve(c))) {
                List<Path> images = children.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
                if (images.isEmpty()) {
                    throw new IOException("class folder " + directory.resolve(c) + " holds no images");
                }
                out.add(images);
            }
        }
        return out;
    }

    private static int[] size(Path file) throws IOException {
        BufferedImage image = image(file);
        return new int[] {image.getHeight(), image.getWidth()};
    }

    private static BufferedImage image(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException(file + " is not an image javax.imageio can read");
        }
        return image;
    }

    private static DataSet dataSet(List<List<Path>> filesPerClass, int classes, int[] size) throws IOException {
        int n = filesPerClass.stream().mapToInt(List::size).sum();
        int pixels = size[0] * size[1];
        float[] features = new float[n * pixels];
        float[] labels = new float[n * classes];
        int i = 0;
        for (int c = 0; c < filesPerClass.size(); c++) {
            for (Path file : filesPerClass.get(c)) {
                BufferedImage image = image(file);
                if (image.getHeight() != size[0] || image.getWidth() != size[1]) {
                    throw new IOException(file + " is " + image.getHeight() + "x" + image.getWidth()
                            + "; every image must be " + size[0] + "x" + size[1]);
                }
                for (int y = 0; y < size[0]; y++) {
                    for (int x = 0; x < size[1]; x++) {
                        int rgb = image.getRGB(x, y);
                        float grey = (((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / (3f * 255f);
                        features[i * pixels + y * size[1] + x] = grey;
                    }
                }
                labels[i * classes + c] = 1f;
                i++;
            }
        }
        INDArray x = Nd4j.create(features, new long[] {n, 1, size[0], size[1]}, DataType.FLOAT);
        INDArray y = Nd4j.create(labels, new long[] {n, classes}, DataType.FLOAT);
        return new DataSet(x, y);
    }
}
