package io.dl4jdms.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The embedded subset, its data sets and iterators, and its provenance. */
class FashionMnistTest {

    private static final Path DEBIAN = Paths.get("/usr/share/datasets/fashion-mnist");

    private static FashionMnist data;

    @BeforeAll
    static void load() {
        data = FashionMnist.embedded();
    }

    /** Images per class, checking on the way that every label row is one-hot. */
    private static int[] classCounts(INDArray labels) {
        int[] counts = new int[10];
        for (int i = 0; i < labels.rows(); i++) {
            INDArray row = labels.getRow(i);
            assertEquals(1.0, row.sumNumber().doubleValue(), 0.0, "label row " + i + " sums to 1");
            assertEquals(1.0, row.maxNumber().doubleValue(), 0.0, "label row " + i + " is one-hot");
            counts[row.argMax().getInt(0)]++;
        }
        return counts;
    }

    @Test
    void embeddedSubsetHas600TrainingAnd200TestImagesPerClass() {
        assertEquals(6000, data.numTrain());
        assertEquals(2000, data.numTest());
        int[] train = classCounts(data.trainSet().getLabels());
        int[] test = classCounts(data.testSet().getLabels());
        for (int c = 0; c < 10; c++) {
            assertEquals(600, train[c], "training images of class " + c);
            assertEquals(200, test[c], "test images of class " + c);
        }
        assertEquals(Arrays.asList("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle boot"), FashionMnist.classNames());
    }

    @Test
    void featuresAreFloatNchwInTheUnitIntervalAndNhwcOnRequest() {
        for (DataSet set : new DataSet[] {data.trainSet(), data.testSet()}) {
            INDArray features = set.getFeatures();
            assertEquals(DataType.FLOAT, features.dataType());
            assertEquals(DataType.FLOAT, set.getLabels().dataType());
            assertArrayEquals(new long[] {set.numExamples(), 1, 28, 28}, features.shape());
            assertArrayEquals(new long[] {set.numExamples(), 10}, set.getLabels().shape());
            assertEquals(0.0, features.minNumber().doubleValue(), 0.0);
            assertEquals(1.0, features.maxNumber().doubleValue(), 1e-6);
        }
        FashionMnist nhwc = data.withFormat(CNN2DFormat.NHWC);
        assertEquals(CNN2DFormat.NHWC, nhwc.format());
        INDArray nchwFeatures = data.testSet().getFeatures();
        INDArray nhwcFeatures = nhwc.testSet().getFeatures();
        assertArrayEquals(new long[] {2000, 28, 28, 1}, nhwcFeatures.shape());
        assertEquals(nchwFeatures.permute(0, 2, 3, 1), nhwcFeatures);
        assertArrayEquals(new long[] {32, 28, 28, 1}, nhwc.trainIterator(32, 1).next().getFeatures().shape());
    }

    @Test
    void trainIteratorIsRepeatablePerSeedDiffersBetweenSeedsAndCoversEveryImageOncePerEpoch() {
        DataSetIterator a = data.trainIterator(32, 7);
        DataSetIterator b = data.trainIterator(32, 7);
        DataSet firstA = a.next();
        DataSet firstB = b.next();
        assertEquals(firstA.getFeatures(), firstB.getFeatures());
        assertEquals(firstA.getLabels(), firstB.getLabels());
        assertNotEquals(firstA.getFeatures(), data.trainIterator(32, 8).next().getFeatures());
        INDArray labelSum = firstA.getLabels().sum(0);
        int batches = 1;
        while (a.hasNext()) {
            DataSet batch = a.next();
            labelSum.addi(batch.getLabels().sum(0));
            batches++;
        }
        assertEquals(188, batches, "6000 / 32 rounded up");
        for (int c = 0; c < 10; c++) {
            assertEquals(600.0, labelSum.getDouble(c), 0.0, "class " + c + " seen once per image in an epoch");
        }
        assertTrue(a.resetSupported());
        a.reset();
        b.reset();
        INDArray secondEpoch = a.next().getFeatures();
        assertEquals(secondEpoch, b.next().getFeatures(), "same seed, same second epoch");
        assertNotEquals(firstA.getFeatures(), secondEpoch, "each epoch has a new order");
    }

    @Test
    void testIteratorKeepsFileOrderAndResetGivesTheSameFirstBatch() {
        DataSetIterator it = data.testIterator(500);
        DataSet first = it.next();
        assertEquals(data.testSet().getFeatures().get(NDArrayIndex.interval(0, 500)),
                first.getFeatures());
        it.next();
        it.reset();
        DataSet again = it.next();
        assertEquals(first.getFeatures(), again.getFeatures());
        assertEquals(first.getLabels(), again.getLabels());
    }

    @Test
    void subsetIsStratifiedAndDeterministic() {
        FashionMnist small = data.subset(30, 5, 3);
        assertEquals(300, small.numTrain());
        assertEquals(50, small.numTest());
        int[] train = classCounts(small.trainSet().getLabels());
        int[] test = classCounts(small.testSet().getLabels());
        for (int c = 0; c < 10; c++) {
            assertEquals(30, train[c], "training images of class " + c);
            assertEquals(5, test[c], "test images of class " + c);
        }
        assertEquals(small.trainSet().getFeatures(), data.subset(30, 5, 3).trainSet().getFeatures());
        assertNotEquals(small.trainSet().getFeatures(), data.subset(30, 5, 4).trainSet().getFeatures());
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> data.subset(601, 5, 1));
        assertTrue(tooMany.getMessage().contains("600 images, 601 requested"), tooMany.getMessage());
        assertThrows(IllegalArgumentException.class, () -> data.subset(10, 0, 1));
    }

    @Test
    void embeddedImagesAreByteIdenticalToImagesOfTheDebianFiles() throws IOException {
        assumeTrue(Files.isDirectory(DEBIAN), "Debian's dataset-fashion-mnist is not installed");
        for (String split : new String[] {LabeledImages.TRAIN, LabeledImages.TEST}) {
            LabeledImages original = LabeledImages.read(DEBIAN, split);
            LabeledImages embedded = LabeledImages.read(
                    FashionMnist.class.getResourceAsStream(FashionMnist.EMBEDDED + LabeledImages.imagesFile(split) + ".gz"),
                    "embedded images",
                    FashionMnist.class.getResourceAsStream(FashionMnist.EMBEDDED + LabeledImages.labelsFile(split) + ".gz"),
                    "embedded labels");
            Map<ByteBuffer, Integer> originalLabels = new HashMap<>();
            for (int i = 0; i < original.size(); i++) {
                originalLabels.put(ByteBuffer.wrap(original.images[i]), original.labels[i]);
            }
            for (int i = 0; i < embedded.size(); i += 97) {
                assertEquals(embedded.labels[i], originalLabels.get(ByteBuffer.wrap(embedded.images[i])),
                        split + " image " + i + " is an original image with its original label");
            }
            int perClass = split.equals(LabeledImages.TRAIN) ? 600 : 200;
            LabeledImages remade = original.stratified(perClass, 42);
            assertTrue(Arrays.deepEquals(remade.images, embedded.images), split + " images are SubsetWriter's, seed 42");
            assertArrayEquals(remade.labels, embedded.labels, split + " labels are SubsetWriter's, seed 42");
        }
    }
}
