package io.dl4jdms.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a stratified subset of an IDX data set as four gzip IDX files; it made the embedded subset:
 * {@code SubsetWriter /usr/share/datasets/fashion-mnist <target> 600 200 42}.
 */
public final class SubsetWriter {

    private SubsetWriter() {
    }

    /** Arguments: source directory, target directory, training images per class, test images per class, seed. */
    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: SubsetWriter SOURCE_DIR TARGET_DIR TRAIN_PER_CLASS TEST_PER_CLASS SEED");
            System.exit(2);
        }
        FashionMnist subset = FashionMnist.fromDirectory(Paths.get(args[0]))
                .subset(Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]));
        Path target = Files.createDirectories(Paths.get(args[1]));
        write(subset.train(), target, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS);
        write(subset.test(), target, FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS);
        System.out.println("wrote " + subset.numTrain() + " training and " + subset.numTest() + " test images to " + target);
    }

    static void write(FashionMnist.Split split, Path directory, String imagesName, String labelsName) throws IOException {
        try (DataOutputStream out = gzip(directory.resolve(imagesName + ".gz"))) {
            out.writeInt(IdxReader.IMAGES_MAGIC);
            out.writeInt(split.images.length);
            out.writeInt(split.rows);
            out.writeInt(split.columns);
            for (byte[] image : split.images) {
                out.write(image);
            }
        }
        try (DataOutputStream out = gzip(directory.resolve(labelsName + ".gz"))) {
            out.writeInt(IdxReader.LABELS_MAGIC);
            out.writeInt(split.labels.length);
            for (int label : split.labels) {
                out.writeByte(label);
            }
        }
    }

    private static DataOutputStream gzip(Path file) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        return new DataOutputStream(new GZIPOutputStream(raw, 1 << 16));
    }
}
