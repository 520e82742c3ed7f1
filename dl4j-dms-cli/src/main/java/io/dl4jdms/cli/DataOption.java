package io.dl4jdms.cli;

import io.dl4jdms.data.ImageFolders;
import io.dl4jdms.pipeline.SearchData;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The data options of the commands that train (a picocli mixin): {@code --data} (IDX files or class-named
 * image folders, read by DataVec), {@code --image-size}, {@code --channels}, {@code --test-fraction}, and
 * {@code --csv} with {@code --label-column} for a table. All of them end in a {@link SearchData}.
 */
final class DataOption {

    @Option(names = "--data", paramLabel = "DIR",
            description = "A directory of Fashion-MNIST/MNIST IDX files (e.g. /usr/share/datasets/fashion-mnist) "
                    + "or of class-named image folders (DIR/<class>/*.png, or DIR/train/<class>, DIR/test/<class>; "
                    + "PNG, JPEG, BMP, ... read by DataVec). Default: the embedded Fashion-MNIST subset.")
    Path directory;

    @Option(names = "--image-size", paramLabel = "HxW",
            description = "Resize every image of --data folders to H x W (e.g. 32x32). Default: the images' own "
                    + "size, which all must share.")
    String imageSize;

    @Option(names = "--channels", paramLabel = "C",
            description = "Read --data folder images as 1 (grey) or 3 (colour) channels. Default: the first image's.")
    Integer channels;

    @Option(names = "--test-fraction", paramLabel = "F",
            description = "The part of each class folder (or of the CSV rows) held out for testing when the data "
                    + "has no train/test split, in (0, 1) (default 0.2).")
    Double testFraction;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "A CSV table (one example a line, an optional header) instead of images: searches an MLP "
                    + "supernet of TopkDense layers. Needs --label-column.")
    Path csv;

    @Option(names = "--label-column", paramLabel = "N",
            description = "The 0-based column of the class label (0, 1, 2, ...) in --csv.")
    Integer labelColumn;

    /**
     * The data directory, or null for the embedded subset, for the commands that take only {@code --data}.
     *
     * @throws IllegalArgumentException naming the option and the path when it is not a directory, or an
     *                                  option this command does not take
     */
    Path checked() {
        if (imageSize != null || channels != null || testFraction != null || csv != null || labelColumn != null) {
            throw new IllegalArgumentException("this command takes --data only, not --image-size, --channels, "
                    + "--test-fraction, --csv or --label-column");
        }
        return directory();
    }

    /**
     * A path that exists but is not a usable directory (a file, an empty folder, bad IDX files) is found by the
     * data readers, with exit code 1; only a path where nothing is is a usage error.
     */
    private Path directory() {
        if (directory != null && !Files.exists(directory)) {
            throw new IllegalArgumentException("Invalid value for option '--data': " + directory
                    + " does not exist");
        }
        return directory;
    }

    /** What decides the data besides its path, for a checkpoint's identity (empty for the defaults). */
    String options() {
        StringBuilder s = new StringBuilder();
        if (imageSize != null) {
            s.append("imageSize=").append(imageSize.toLowerCase(Locale.ROOT)).append(' ');
        }
        if (channels != null) {
            s.append("channels=").append(channels).append(' ');
        }
        if (testFraction != null) {
            s.append("testFraction=").append(testFraction).append(' ');
        }
        if (labelColumn != null) {
            s.append("labelColumn=").append(labelColumn);
        }
        return s.toString().trim();
    }

    /** The path the data comes from: the CSV file, the directory, or null for the embedded subset. */
    Path source() {
        return csv != null ? csv : directory;
    }

    /**
     * Loads the data the options name.
     *
     * @throws IllegalArgumentException naming the option and value when the options are invalid or clash
     * @throws IOException              naming the file and value when the data cannot be read
     */
    SearchData load(long seed) throws IOException {
        double fraction = testFraction == null ? ImageFolders.DEFAULT_TEST_FRACTION : testFraction;
        if (testFraction != null && !(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("Invalid value for option '--test-fraction': " + testFraction
                    + " is not in (0, 1)");
        }
        if (csv != null) {
            if (directory != null || imageSize != null || channels != null) {
                throw new IllegalArgumentException("--csv cannot be combined with --data, --image-size or --channels");
            }
            if (labelColumn == null) {
                throw new IllegalArgumentException("--csv needs --label-column N (the 0-based column of the class)");
            }
            if (!Files.isRegularFile(csv)) {
                throw new IllegalArgumentException("Invalid value for option '--csv': " + csv + " is not a readable file");
            }
            return SearchData.csv(csv, labelColumn, fraction, seed);
        }
        if (labelColumn != null) {
            throw new IllegalArgumentException("--label-column applies to --csv only");
        }
        int[] size = size();
        if (channels != null && channels != 1 && channels != 3) {
            throw new IllegalArgumentException("Invalid value for option '--channels': " + channels
                    + " (1 grey or 3 colour)");
        }
        Path dir = directory();
        boolean folders = dir != null && Files.isDirectory(dir) && ImageFolders.looksLikeImageFolders(dir);
        if (!folders && (size[0] > 0 || channels != null || testFraction != null)) {
            throw new IllegalArgumentException("--image-size, --channels and --test-fraction apply to image folders; "
                    + (dir == null ? "the embedded subset" : dir + " (IDX files)") + " has its own");
        }
        return folders ? SearchData.images(dir, size[0], size[1], channels == null ? 0 : channels, fraction, seed)
                : SearchData.idx(dir);
    }

    /** {@code --image-size} as {height, width}, or {0, 0}. */
    private int[] size() {
        if (imageSize == null) {
            return new int[] {0, 0};
        }
        String[] parts = imageSize.toLowerCase(Locale.ROOT).split("x");
        try {
            if (parts.length == 2) {
                int h = Integer.parseInt(parts[0].trim());
                int w = Integer.parseInt(parts[1].trim());
                if (h > 0 && w > 0) {
                    return new int[] {h, w};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("Invalid value for option '--image-size': '" + imageSize
                + "' is not HxW with positive numbers (e.g. 32x32)");
    }
}
