package io.dl4jdms.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {

    private static FashionMnist data;

    @BeforeAll
    static void load() {
        data = FashionMnist.embedded();
    }

    private static int[] classCounts(DataSet set) {
        int[] counts = new int[10];
        INDArray labels = set.getLabels();
        for (int i = 0; i < labels.rows(); i++) {
            counts[labels.getRow(i).argMax().getInt(0)]++;
            assertEquals(1.0, labels.getRow(i).sumNumber().doubleValue(), 0.0, "one-hot row " + i);
        }
        return counts;
    }

    @Test
    void embeddedSubsetIsStratified() {
        assertEquals(6000, data.numTrain());
        assertEquals(2000, data.numTest());
        int[] train = classCounts(data.trainSet());
        int[] test = classCounts(data.testSet());
        for (int c = 0; c < 10; c++) {
            assertEquals(600, train[c], "train class " + c);
            assertEquals(200, test[c], "test class " + c);
        }
        assertEquals(10, FashionMnist.classNames().size());
        assertEquals("Ankle boot", FashionMnist.classNames().get(9));
    }

    @Test
    void featuresAreNchwInTheUnitInterval() {
        DataSet test = data.testSet();
        assertArrayEquals(new long[] {2000, 1, 28, 28}, test.getFeatures().shape());
        assertArrayEquals(new long[] {2000, 10}, test.getLabels().shape());
        assertTrue(test.getFeatures().minNumber().doubleValue() >= 0.0);
        assertEquals(1.0, test.getFeatures().maxNumber().doubleValue(), 1e-6);
        DataSet nhwc = data.withFormat(CNN2DFormat.NHWC).testSet();
        assertArrayEquals(new long[] {2000, 28, 28, 1}, nhwc.getFeatures().shape());
        assertEquals(test.getFeatures().getDouble(5, 0, 10, 12), nhwc.getFeatures().getDouble(5, 10, 12, 0), 0.0);
    }

    @Test
    void shuffledIteratorIsRepeatablePerSeedAndReshufflesPerEpoch() {
        DataSetIterator a = data.trainIterator(32, 7);
        DataSetIterator b = data.trainIterator(32, 7);
        DataSetIterator c = data.trainIterator(32, 8);
        INDArray firstA = a.next().getFeatures();
        assertEquals(firstA, b.next().getFeatures());
        assertNotEquals(firstA, c.next().getFeatures());
        int batches = 1;
        while (a.hasNext()) {
            a.next();
            batches++;
        }
        assertEquals(188, batches, "6000 / 32 rounded up");
        a.reset();
        b.reset();
        INDArray secondEpoch = a.next().getFeatures();
        assertEquals(secondEpoch, b.next().getFeatures(), "same seed, same second epoch");
        assertNotEquals(firstA, secondEpoch, "a new epoch is reshuffled");
    }

    @Test
    void testIteratorKeepsFileOrder() {
        DataSetIterator it = data.testIterator(500);
        assertEquals(data.testSet().getFeatures().slice(0), it.next().getFeatures().slice(0));
    }

    @Test
    void subsetIsStratifiedAndDeterministic() {
        FashionMnist small = data.subset(30, 5, 3);
        assertEquals(300, small.numTrain());
        assertEquals(50, small.numTest());
        for (int count : classCounts(small.trainSet())) {
            assertEquals(30, count);
        }
        assertEquals(small.trainSet().getFeatures(), data.subset(30, 5, 3).trainSet().getFeatures());
        assertNotEquals(small.trainSet().getFeatures(), data.subset(30, 5, 4).trainSet().getFeatures());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> data.subset(601, 5, 1));
        assertTrue(e.getMessage().contains("601"), e.getMessage());
    }

    @Test
    void embeddedImagesAreImagesOfTheOriginalDebianFiles() throws IOException {
        Path original = Paths.get("/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isDirectory(original), "Debian's dataset-fashion-mnist is not installed");
        FashionMnist full = FashionMnist.fromDirectory(original);
        assertEquals(60000, full.numTrain());
        assertEquals(10000, full.numTest());
        Set<String> originals = new HashSet<>();
        INDArray all = full.testSet().getFeatures();
        for (int i = 0; i < all.size(0); i++) {
            originals.add(Arrays.toString(all.slice(i).reshape(784).toFloatVector()));
        }
        INDArray embedded = data.testSet().getFeatures();
        for (int i = 0; i < embedded.size(0); i += 97) {
            assertTrue(originals.contains(Arrays.toString(embedded.slice(i).reshape(784).toFloatVector())),
                    "embedded test image " + i + " is not in the original test set");
        }
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), new byte[0]);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.fromDirectory(dir));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte") && e.getMessage().contains("t10k-images-idx3-ubyte")
                && !e.getMessage().contains("train-images-idx3-ubyte["), e.getMessage());
        IOException notThere = assertThrows(IOException.class, () -> FashionMnist.fromDirectory(dir.resolve("nope")));
        assertTrue(notThere.getMessage().contains("nope"), notThere.getMessage());
    }

    private static InputStream idx(int magic, int... header) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * header.length);
        buffer.putInt(magic);
        for (int h : header) {
            buffer.putInt(h);
        }
        return new ByteArrayInputStream(buffer.array());
    }

    @Test
    void badIdxFilesGiveMessagesNamingTheFile() {
        IOException magic = assertThrows(IOException.class, () -> IdxReader.readImages(idx(1234, 1, 2, 2), "x.idx"));
        assertTrue(magic.getMessage().contains("x.idx") && magic.getMessage().contains("1234"), magic.getMessage());
        IOException truncated = assertThrows(IOException.class, () -> IdxReader.readImages(idx(2051, 2, 2, 2), "t.idx"));
        assertTrue(truncated.getMessage().contains("t.idx") && truncated.getMessage().contains("truncated"),
                truncated.getMessage());
        byte[] labels = {0, 0, 8, 1, 0, 0, 0, 2, 3, 12};
        IOException label = assertThrows(IOException.class,
                () -> IdxReader.readLabels(new ByteArrayInputStream(labels), "l.idx"));
        assertTrue(label.getMessage().contains("l.idx") && label.getMessage().contains("label 12"), label.getMessage());
        IOException header = assertThrows(IOException.class, () -> IdxReader.readLabels(idx(2049), "h.idx"));
        assertTrue(header.getMessage().contains("h.idx"), header.getMessage());
    }
}
