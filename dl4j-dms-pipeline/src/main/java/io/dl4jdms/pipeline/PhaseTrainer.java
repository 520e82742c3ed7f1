package io.dl4jdms.pipeline;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Locale;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Trains a graph for whole epochs while reporting each iteration to a {@link SearchProgress}, and
 * evaluates it after every epoch into a {@link SearchHistory}.
 */
public final class PhaseTrainer {

    private static final int EVALUATION_BATCH = 500;

    private PhaseTrainer() {
    }

    /** Called after each finished epoch (e.g. to write a checkpoint). */
    public interface EpochDone {
        void accept(int epoch) throws java.io.IOException;
    }

    /**
     * Runs epochs {@code firstEpoch .. lastEpoch} (1-based) of one phase; epoch {@code e} sees the training data
     * shuffled with seed {@code seed + e}, so a phase resumed at any epoch sees what it would have seen. The
     * progress bar shows {@code "<phase> e/lastEpoch"}.
     *
     * @param status a short status for the progress bar after each iteration (may be null)
     */
    public static void train(ComputationGraph net, SearchData data, int batchSize, long seed, String phase,
                             int firstEpoch, int lastEpoch, SearchHistory history, SearchProgress progress,
                             Supplier<String> status, EpochDone epochDone) throws java.io.IOException {
        train(net, data, batchSize, seed, phase, epoch -> String.format(Locale.ROOT, "%s %d/%d", phase, epoch, lastEpoch),
                firstEpoch, lastEpoch, history, progress, status, epochDone);
    }

    /**
     * As {@link #train(ComputationGraph, SearchData, int, long, String, int, int, SearchHistory, SearchProgress,
     * Supplier, EpochDone)}, recording the epochs as {@code historyPhase} and naming each on the progress bar
     * with {@code progressLabel}.
     */
    public static void train(ComputationGraph net, SearchData data, int batchSize, long seed, String historyPhase,
                             IntFunction<String> progressLabel, int firstEpoch, int lastEpoch, SearchHistory history,
                             SearchProgress progress, Supplier<String> status, EpochDone epochDone)
            throws java.io.IOException {
        int batchesPerEpoch = (data.numTrain() + batchSize - 1) / batchSize;
        ProgressListener listener = new ProgressListener(progress, status);
        java.util.List<org.deeplearning4j.optimize.api.TrainingListener> previous = new java.util.ArrayList<>(net.getListeners());
        net.addListeners(listener);
        try {
            for (int epoch = firstEpoch; epoch <= lastEpoch; epoch++) {
                progress.startPhase(progressLabel.apply(epoch), batchesPerEpoch);
                listener.resetLoss();
                DataSetIterator train = data.train(batchSize, seed + epoch);
                try {
                    net.fit(train);
                } finally {
                    progress.endPhase();
                }
                history.epochs.add(new SearchHistory.Epoch(historyPhase, epoch, listener.meanLoss(), accuracy(net, data)));
                epochDone.accept(epoch);
            }
        } finally {
            net.setListeners(previous);
        }
    }

    /** Test-set accuracy. */
    public static double accuracy(ComputationGraph net, SearchData data) {
        Evaluation evaluation = net.evaluate(data.test(EVALUATION_BATCH));
        return evaluation.accuracy();
    }

    /** Steps the progress bar and averages the training loss of an epoch. */
    private static final class ProgressListener extends BaseTrainingListener {
        private final SearchProgress progress;
        private final Supplier<String> status;
        private double lossSum;
        private int iterations;

        ProgressListener(SearchProgress progress, Supplier<String> status) {
            this.progress = progress;
            this.status = status;
        }

        void resetLoss() {
            lossSum = 0;
            iterations = 0;
        }

        double meanLoss() {
            return iterations == 0 ? Double.NaN : lossSum / iterations;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            lossSum += model.score();
            iterations++;
            progress.step(status == null ? String.format(Locale.ROOT, "loss %.3f", model.score()) : status.get());
        }
    }
}
