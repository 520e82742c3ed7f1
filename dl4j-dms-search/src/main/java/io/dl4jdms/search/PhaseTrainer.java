package io.dl4jdms.search;

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
import java.util.function.Supplier;

/**
 * Trains a graph for whole epochs while reporting each iteration to a {@link SearchProgress}, and
 * evaluates it after every epoch into a {@link SearchHistory}. A {@link DivergenceGuard} stops the phase
 * at the first loss or parameter that is not finite. A phase can start in the middle of an epoch (the
 * minibatches already done are skipped: each epoch's order is fixed by the seed and the epoch) and can
 * save a checkpoint every N iterations.
 */
final class PhaseTrainer {

    private static final int EVALUATION_BATCH = 500;

    private PhaseTrainer() {
    }

    /** Called after each finished epoch (e.g. to write a checkpoint). */
    interface EpochDone {
        void accept(int epoch) throws IOException;
    }

    /** Called every N iterations within an epoch (not at its last minibatch, where {@link EpochDone} follows). */
    interface WithinEpoch {
        /**
         * @param epoch       the epoch under way (1-based)
         * @param batchesDone its minibatches done
         * @param lossSum     the sum of their training losses
         */
        void accept(int epoch, int batchesDone, double lossSum, int lossCount) throws IOException;
    }

    /** Where a phase starts: an epoch, the minibatches of it already done and their losses. */
    static final class Start {
        final int epoch;
        final int batchesDone;
        final double lossSum;
        final int lossCount;

        Start(int epoch, int batchesDone, double lossSum, int lossCount) {
            this.epoch = epoch;
            this.batchesDone = batchesDone;
            this.lossSum = lossSum;
            this.lossCount = lossCount;
        }

        /** The beginning of an epoch. */
        static Start epoch(int epoch) {
            return new Start(epoch, 0, 0, 0);
        }
    }

    /** Runs epochs {@code firstEpoch .. lastEpoch} (1-based) of one phase, from their beginning. */
    static void train(ComputationGraph net, SearchData data, SearchSettings settings, String phase, int firstEpoch,
                      int lastEpoch, SearchHistory history, SearchProgress progress, Supplier<String> status,
                      EpochDone epochDone) throws IOException {
        train(net, data, settings, phase, Start.epoch(firstEpoch), lastEpoch, history, progress, status, 0, null,
                epochDone);
    }

    /**
     * Runs one phase from {@code start} to the end of epoch {@code lastEpoch}.
     *
     * @param status          a short status for the progress bar after each iteration (may be null)
     * @param checkpointEvery call {@code withinEpoch} when the network's iteration count is a multiple of
     *                        this; 0 for never
     */
    static void train(ComputationGraph net, SearchData data, SearchSettings settings, String phase, Start start,
                      int lastEpoch, SearchHistory history, SearchProgress progress, Supplier<String> status,
                      int checkpointEvery, WithinEpoch withinEpoch, EpochDone epochDone) throws IOException {
        int batchesPerEpoch = (data.numTrain() + settings.batchSize - 1) / settings.batchSize;
        ProgressListener listener = new ProgressListener(progress, status);
        List<TrainingListener> previous = new ArrayList<>(net.getListeners());
        try {
            for (int epoch = start.epoch; epoch <= lastEpoch; epoch++) {
                String name = String.format(Locale.ROOT, "%s %d/%d", phase, epoch, lastEpoch);
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
                DataSetIterator train = data.train(settings.batchSize, settings.seed + epoch);
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
                progress.endPhase();
                history.epochs.add(new SearchHistory.Epoch(phase, epoch, listener.meanLoss(), accuracy(net, data)));
                epochDone.accept(epoch);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            net.setListeners(previous);
        }
    }

    /** Test-set accuracy. */
    static double accuracy(ComputationGraph net, SearchData data) {
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
