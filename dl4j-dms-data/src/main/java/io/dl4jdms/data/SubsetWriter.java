package io.dl4jdms.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a stratified subset of an IDX data set as four gzip IDX files with the original names; it made
 * the embedded Fashion-MNIST subset, so that its provenance can be checked by running it again:
 *
 * <pre>java -cp dl4j-dms-data/target/classes io.dl4jdms.data.SubsetWriter \
 *     /usr/share/datasets/fashion-mnist dl4j-dms-data/src/main/resources/io/dl4jdms/data/fashion-mnist-subset 600 200 42</pre>
 *
 * Plain Java: it needs no other jar on the class path.
 */
public final class SubsetWriter {

    private SubsetWriter() {
    }

    /**
     * Arguments: source directory, target directory, training images per class, test images per class, seed
     * (see {@link FashionMnist#subset} for how images are chosen).
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            throw new IllegalArgumentException(
                    "usage: SubsetWriter SOURCE_DIR TARGET_DIR TRAIN_PER_CLASS TEST_PER_CLASS SEED");
        }
        Path source = Paths.get(args[0]);
        Path target = Files.createDirectories(Paths.get(args[1]));
        long seed = Long.parseLong(args[4]);
        LabeledImages train = LabeledImages.read(source, LabeledImages.TRAIN).stratified(Integer.parseInt(args[2]), seed);
        LabeledImages test = LabeledImages.read(source, LabeledImages.TEST).stratified(Integer.parseInt(args[3]), seed);
        write(train, target, LabeledImages.TRAIN);
        write(test, target, LabeledImages.TEST);
        System.out.println("wrote " + train.size() + " training and " + test.size() + " test images to " + target);
    }

    private static void write(LabeledImages split, Path directory, String name) throws IOException {
        try (DataOutputStream out = gzip(directory.resolve(LabeledImages.imagesFile(name) + ".gz"))) {
            out.writeInt(IdxReader.IMAGES_MAGIC);
            out.writeInt(split.size());
            out.writeInt(split.rows);
            out.writeInt(split.columns);
            for (byte[] image : split.images) {
                out.write(image);
            }
        }
        try (DataOutputStream out = gzip(directory.resolve(LabeledImages.labelsFile(name) + ".gz"))) {
            out.writeInt(IdxReader.LABELS_MAGIC);
            out.writeInt(split.size());
            for (int label : split.labels) {
                out.writeByte(label);
            }
        }
    }

    private static DataOutputStream gzip(Path file) throws IOException {
        return new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file), 1 << 16));
    }
}
