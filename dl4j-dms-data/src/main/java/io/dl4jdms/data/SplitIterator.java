package io.dl4jdms.data;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Minibatches over one split. With a seed, the order is shuffled anew at every {@link #reset()}, from
 * {@code seed} and the epoch number, so a run is repeatable; without one it is the file order.
 */
final class SplitIterator implements DataSetIterator {

    private final FashionMnist.Split split;
    private final CNN2DFormat format;
    private final int batchSize;
    private final Long seed;
    private int[] order;
    private int epoch;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    SplitIterator(FashionMnist.Split split, CNN2DFormat format, int batchSize, Long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.split = split;
        this.format = format;
        this.batchSize = batchSize;
        this.seed = seed;
        shuffle();
    }

    private void shuffle() {
        int n = split.labels.length;
        order = new int[n];
        Arrays.setAll(order, i -> i);
        if (seed != null) {
            List<Integer> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(i);
            }
            Collections.shuffle(list, new Random(seed * 1_000_003L + epoch));
            for (int i = 0; i < n; i++) {
                order[i] = list.get(i);
            }
        }
        cursor = 0;
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("no more minibatches; call reset()");
        }
        int end = Math.min(cursor + num, order.length);
        DataSet batch = split.toDataSet(Arrays.copyOfRange(order, cursor, end), format);
        cursor = end;
        if (preProcessor != null) {
            preProcessor.preProcess(batch);
        }
        return batch;
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
        shuffle();
    }

    @Override
    public int inputColumns() {
        return split.rows * split.columns;
    }

    @Override
    public int totalOutcomes() {
        return FashionMnist.CLASSES;
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
        return FashionMnist.classNames();
    }
}
