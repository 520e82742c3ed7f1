package io.dl4jdms.pipeline;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchDataTest {

    private static DataSet table(int rows, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, rows, 4).muli(10).addi(50);
        INDArray y = Nd4j.zeros(DataType.FLOAT, rows, 3);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return new DataSet(x, y);
    }

    @Test
    void ownIteratorsAreReadOnceAndTheirNormaliserIsKept() {
        DataSet train = table(30, 1);
        DataSet test = table(12, 2);
        NormalizerStandardize normalizer = new NormalizerStandardize();
        normalizer.fit(train);
        DataSetIterator trainIterator = new ListDataSetIterator<>(train.asList(), 7);
        DataSetIterator testIterator = new ListDataSetIterator<>(test.asList(), 5);
        trainIterator.setPreProcessor(normalizer);
        testIterator.setPreProcessor(normalizer);

        SearchData data = SearchData.of(trainIterator, testIterator, InputType.feedForward(4));
        assertSame(normalizer, data.normalizer());
        assertSame(normalizer, trainIterator.getPreProcessor(), "the user's iterator keeps its pre-processor");
        assertEquals(30, data.numTrain());
        assertEquals(3, data.classes());
        assertEquals(4, data.features());
        assertTrue(!data.isImages());
        // the test split comes back normalised once (not twice): standardised with the training statistics
        DataSet expected = test.copy();
        normalizer.preProcess(expected);
        assertEquals(0, expected.getFeatures().sub(data.testSet().getFeatures()).amaxNumber().doubleValue(), 1e-5);
        // every minibatch is normalised: the training split has mean 0 and deviation 1 per feature
        List<DataSet> batches = new java.util.ArrayList<>();
        DataSetIterator it = data.train(8, 3);
        it.forEachRemaining(batches::add);
        INDArray all = DataSet.merge(batches).getFeatures();
        assertEquals(0, all.mean(0).amaxNumber().doubleValue(), 1e-4);
        assertEquals(1, all.std(false, 0).meanNumber().doubleValue(), 1e-3);
    }

    @Test
    void featuresThatDoNotFitTheInputTypeAreNamed() {
        DataSet train = table(6, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SearchData.of(
                new ListDataSetIterator<>(train.asList(), 3), new ListDataSetIterator<>(train.asList(), 3),
                InputType.convolutional(2, 2, 1)));
        assertTrue(e.getMessage().contains("[6, 4]") && e.getMessage().contains("[6, 1, 2, 2]"), e.getMessage());
    }
}
