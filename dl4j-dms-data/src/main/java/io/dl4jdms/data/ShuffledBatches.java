package io.dl4jdms.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Minibatches of an in-memory data set. With a seed the order is shuffled anew at every
 * {@link #reset()}, from the seed and the epoch number, so a run is repeatable; without one it is the
 * data set's order.
 */
public final class ShuffledBatches implements DataSetIterator {
    private final DataSet data;
    private final int batchSize;
    private final Long seed;
    private int[] order;
    private int epoch;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    /**
     * @param seed null for file order; else the order is reshuffled at every reset() from the seed and the epoch
     */
    public ShuffledBatches(DataSet data, int batchSize, Long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
        arrange();
    }

    private void arrange() {
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < data.numExamples(); i++) {
            indices.add(i);
        }
        if (seed != null) {
            Collections.shuffle(indices, new Random(seed * 1_000_003L + epoch));
        }
        order = indices.stream().mapToInt(Integer::intValue).toArray();
        cursor = 0;
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("no more minibatches; call reset()");
        }
        int end = Math.min(cursor + num, order.length);
        long[] indices = Arrays.stream(order, cursor, end).asLongStream().toArray();
        DataSet batch = new DataSet(rows(data.getFeatures(), indices), rows(data.getLabels(), indices),
                rows(data.getFeaturesMaskArray(), indices), rows(data.getLabelsMaskArray(), indices));
        cursor = end;
        if (preProcessor != null) {
            preProcessor.preProcess(batch);
        }
        return batch;
    }

    /** The examples {@code indices} of an array (or null), copied at once: DataSet.get(int[]) merges them one by one. */
    private static INDArray rows(INDArray array, long[] indices) {
        return array == null ? null : array.get(NDArrayIndex.indices(indices));
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public void reset() {
        epoch++;
        arrange();
    }

    @Override
    public int inputColumns() {
        return (int) (data.getFeatures().length() / data.numExamples());
    }

    @Override
    public int totalOutcomes() {
        return (int) data.getLabels().size(1);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
