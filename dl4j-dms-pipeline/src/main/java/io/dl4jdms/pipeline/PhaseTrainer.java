package io.dl4jdms.pipeline;

import io.dl4jdms.listeners.DivergenceGuard;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Trains a graph for whole epochs while reporting each iteration to a {@link SearchProgress}, and
 * evaluates it after every epoch into a {@link SearchHistory}. A {@link DivergenceGuard} stops the phase
 * at the first loss or parameter that is not finite. A phase can start in the middle of an epoch (the
 * minibatches already done are skipped: each epoch's order is fixed by the seed and the epoch) and can
 * save a checkpoint every N iterations.
 */
public final class PhaseTrainer {

    private static final int EVALUATION_BATCH = 500;

    private PhaseTrainer() {
    }

    /** Called after each finished epoch (e.g. to write a checkpoint). */
    public interface EpochDone {
        void accept(int epoch) throws IOException;
    }

    /** Called every N iterations within an epoch (not at its last minibatch, where {@link EpochDone} follows). */
    public interface WithinEpoch {
        /**
         * @param epoch       the epoch under way (1-based)
         * @param batchesDone its minibatches done
         * @param lossSum     the sum of their training losses
         * @param lossCount   how many losses {@code lossSum} adds up
         */
        void accept(int epoch, int batchesDone, double lossSum, int lossCount) throws IOException;
    }

    /** Where a phase starts: an epoch, the minibatches of it already done and their losses. */
    public static final class Start {
        final int epoch;
        final int batchesDone;
        final double lossSum;
        final int lossCount;

        public Start(int epoch, int batchesDone, double lossSum, int lossCount) {
            this.epoch = epoch;
            this.batchesDone = batchesDone;
            this.lossSum = lossSum;
            this.lossCount = lossCount;
        }

        /** The beginning of an epoch. */
        public static Start epoch(int epoch) {
            return new Start(epoch, 0, 0, 0);
        }
    }

    /**
     * Runs epochs {@code firstEpoch .. lastEpoch} (1-based) of one phase, from their beginning; epoch {@code e}
     * sees the training data shuffled with seed {@code seed + e}, so a phase resumed at any epoch sees what it
     * would have seen. The progress bar shows {@code "<phase> e/lastEpoch"}.
     *
     * @param status a short status for the progress bar after each iteration (may be null)
     */
    public static void train(ComputationGraph net, SearchData data, int batchSize, long seed, String phase,
                             int firstEpoch, int lastEpoch, SearchHistory history, SearchProgress progress,
                             Supplier<String> status, EpochDone epochDone) throws IOException {
        train(net, data, batchSize, seed, phase, epoch -> String.format(Locale.ROOT, "%s %d/%d", phase, epoch, lastEpoch),
                Start.epoch(firstEpoch), lastEpoch, history, progress, status, 0, null, epochDone);
    }

    /**
     * Runs one phase from {@code start} to the end of epoch {@code lastEpoch}, recording the epochs as
     * {@code historyPhase} and naming each on the progress bar (and in a {@link io.dl4jdms.listeners.DivergenceException})
     * with {@code progressLabel}. The minibatches {@code start} has done of its epoch are skipped (each epoch's order
     * is fixed by the seed and the epoch), and the epoch's mean loss goes on from {@code start}'s.
     *
     * @param status          a short status for the progress bar after each iteration (may be null)
     * @param checkpointEvery call {@code withinEpoch} when the network's iteration count is a multiple of
     *                        this; 0 for never
     */
    public static void train(ComputationGraph net, SearchData data, int batchSize, long seed, String historyPhase,
                             IntFunction<String> progressLabel, Start start, int lastEpoch, SearchHistory history,
                             SearchProgress progress, Supplier<String> status, int checkpointEvery,
                             WithinEpoch withinEpoch, EpochDone epochDone) throws IOException {
        int batchesPerEpoch = (data.numTrain() + batchSize - 1) / batchSize;
        ProgressListener listener = new ProgressListener(progress, status);
        List<TrainingListener> previous = new ArrayList<>(net.getListeners());
        try {
            for (int epoch = start.epoch; epoch <= lastEpoch; epoch++) {
                String name = progressLabel.apply(epoch);
                List<TrainingListener> listeners = new ArrayList<>();
                listeners.add(new DivergenceGuard(name));
                listeners.addAll(previous);
                listeners.add(listener);
                int skip = epoch == start.epoch ? start.batchesDone : 0;
                if (checkpointEvery > 0 && withinEpoch != null) {
                    listeners.add(new WithinEpochCheckpoint(listener, epoch, skip, batchesPerEpoch, checkpointEvery,
                            withinEpoch));
                }
                net.setListeners(listeners);
                progress.startPhase(name, batchesPerEpoch);
                listener.resetLoss();
                DataSetIterator train = data.train(batchSize, seed + epoch);
                try {
                    if (skip > 0) {
                        listener.resume(start.lossSum, start.lossCount);
                        for (int i = 0; i < skip && train.hasNext(); i++) {
                            train.next();
                            progress.step("");
                        }
                    }
                    if (train.hasNext()) {
                        net.fit(train);
                    }
                } finally {
                    progress.endPhase();
                }
                history.epochs.add(new SearchHistory.Epoch(historyPhase, epoch, listener.meanLoss(), accuracy(net, data)));
                epochDone.accept(epoch);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
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

        void resume(double lossSum, int iterations) {
            this.lossSum = lossSum;
            this.iterations = iterations;
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

    /** Saves a checkpoint within an epoch every N iterations, after every other listener has run. */
    private static final class WithinEpochCheckpoint extends BaseTrainingListener {
        private final ProgressListener losses;
        private final int epoch;
        private final int batchesPerEpoch;
        private final int every;
        private final WithinEpoch save;
        private int batchesDone;

        WithinEpochCheckpoint(ProgressListener losses, int epoch, int batchesDone, int batchesPerEpoch, int every,
                              WithinEpoch save) {
            this.losses = losses;
            this.epoch = epoch;
            this.batchesDone = batchesDone;
            this.batchesPerEpoch = batchesPerEpoch;
            this.every = every;
            this.save = save;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epochCount) {
            batchesDone++;
            // DL4J counts this iteration after its listeners: iteration + 1 are done.
            if ((iteration + 1L) % every == 0 && batchesDone < batchesPerEpoch) {
                try {
                    save.accept(epoch, batchesDone, losses.lossSum, losses.iterations);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
