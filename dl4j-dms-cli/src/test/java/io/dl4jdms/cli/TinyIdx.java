package io.dl4jdms.cli;

import io.dl4jdms.data.FashionMnist;
import org.nd4j.linalg.dataset.DataSet;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a small Fashion-MNIST directory of raw IDX files (from the embedded subset) for command-line tests. */
final class TinyIdx {

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private TinyIdx() {
    }

    static Path write(Path directory, int trainPerClass, int testPerClass) throws IOException {
        FashionMnist subset = FashionMnist.embedded().subset(trainPerClass, testPerClass, 3);
        Files.createDirectories(directory);
        write(subset.trainSet(), directory.resolve(TRAIN_IMAGES), directory.resolve(TRAIN_LABELS));
        write(subset.testSet(), directory.resolve(TEST_IMAGES), directory.resolve(TEST_LABELS));
        return directory;
    }

    private static void write(DataSet set, Path images, Path labels) throws IOException {
        int n = set.numExamples();
        float[] pixels = set.getFeatures().dup().reshape(n * 28L * 28).toFloatVector();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000803);
        out.writeInt(n);
        out.writeInt(28);
        out.writeInt(28);
        for (float p : pixels) {
            out.writeByte(Math.round(p * 255));
        }
        Files.write(images, bytes.toByteArray());
        bytes.reset();
        out.writeInt(0x00000801);
        out.writeInt(n);
        for (int i = 0; i < n; i++) {
            out.writeByte(set.getLabels().getRow(i).argMax().getInt(0));
        }
        Files.write(labels, bytes.toByteArray());
    }
}
