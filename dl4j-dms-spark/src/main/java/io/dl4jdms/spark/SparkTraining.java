package io.dl4jdms.spark;

import io.dl4jdms.listeners.DivergenceGuard;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.topk.TopK;
import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchHistory;
import io.dl4jdms.search.SearchPhase;
import io.dl4jdms.search.SupernetTraining;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a DMS search's supernet data-parallel on Spark: a {@link SparkComputationGraph} with DL4J's
 * {@link ParameterAveragingTrainingMaster} ({@link SearchTrainingMaster}: its workers keep the supernet's parameter
 * layout and iteration count). Every averaging round, each of the {@code workers} workers trains a copy
 * of the driver's supernet on {@code averagingFrequency} minibatches of its own, with the importance and resource-loss
 * listeners ({@link WorkerListeners}); the driver then averages the parameters (weights, BatchNorm statistics, the
 * ratios {@code a} and the importance vectors, which are all parameters) and the updater state, and makes the step
 * of every ratio the sum of the workers' steps (docs/DESIGN.md, "DMS on Spark").
 *
 * <p>Iterations are counted globally: one round advances the network's iteration count by the minibatches each
 * worker took in it ({@code averagingFrequency}, fewer in an epoch's last round), so the target schedule and the depth
 * freeze move once per synchronous step, and one epoch is {@code ceil(minibatches / workers)} iterations
 * ({@link #iterationsPerEpoch}). The minibatches of an epoch are those of {@link SearchData#train} (the same order
 * as on one machine); each round's {@code workers x averagingFrequency} of them go out as an RDD of
 * {@code workers} partitions, worker {@code w} taking the {@code w}-th run of {@code averagingFrequency}: every
 * minibatch travels to one worker, nothing holds the whole set but the driver's reader.
 *
 * <p>After every round the driver records a history step (the averaged network's resource and target), checks for
 * divergence and writes a checkpoint (the minibatches done of the epoch, the averaged network with its updater state
 * and iteration count); a search resumed from it runs the remaining rounds of the epoch as the uninterrupted one
 * would. Writing a checkpoint per round costs one {@code ModelSerializer} write of the supernet.
 */
public final class SparkTraining implements SupernetTraining {

    private final JavaSparkContext sc;
    private final int workers;
    private final int averagingFrequency;

    /**
     * @param workers            data-parallel workers (Spark partitions per round), e.g. the context's default
     *                           parallelism
     * @param averagingFrequency minibatches each worker trains between two averagings
     */
    public SparkTraining(JavaSparkContext sc, int workers, int averagingFrequency) {
        if (sc == null) {
            throw new IllegalArgumentException("SparkTraining: the Spark context must not be null");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("SparkTraining: workers must be at least 1, got " + workers);
        }
        if (averagingFrequency < 1) {
            throw new IllegalArgumentException("SparkTraining: the averaging frequency must be at least 1 minibatch,"
                    + " got " + averagingFrequency);
        }
        this.sc = sc;
        this.workers = workers;
        this.averagingFrequency = averagingFrequency;
    }

    public int workers() {
        return workers;
    }

    public int averagingFrequency() {
        return averagingFrequency;
    }

    @Override
    public long iterationsPerEpoch(SearchData data, int batchSize) {
        long minibatches = (data.numTrain() + batchSize - 1) / batchSize;
        long perRound = (long) workers * averagingFrequency;
        long fullRounds = minibatches / perRound;
        long rest = minibatches % perRound;
        return fullRounds * averagingFrequency + (rest + workers - 1) / workers;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("sparkWorkers", workers);
        map.put("averagingFrequency", averagingFrequency);
        return map;
    }

    @Override
    public void train(ComputationGraph supernet, SearchData data, SearchPhase phase) throws IOException {
        WorkerListeners hook = new WorkerListeners(phase.listeners);
        ParameterAveragingTrainingMaster master = new SearchTrainingMaster(new ParameterAveragingTrainingMaster.Builder(workers, phase.batchSize)
                .batchSizePerWorker(phase.batchSize)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                .saveUpdater(true)
                // The rounds are cut here: each RDD is one round of exactly `workers` partitions.
                .repartionData(Repartition.Never)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(null)
                .trainingHooks(hook));
        SparkComputationGraph spark = new SparkComputationGraph(sc, supernet, master);
        ComputationGraphConfiguration conf = supernet.getConfiguration();
        // The driver's copy of the resource loss: history and status of the averaged network, and its depth freeze.
        ResourceLossListener resource = phase.listeners.resourceLoss(phase.model);
        SearchCheckpoint.State state = phase.state;
        int firstEpoch = state.completedEpochs + 1;
        int minibatches = (data.numTrain() + phase.batchSize - 1) / phase.batchSize;
        int perRound = workers * averagingFrequency;
        for (int epoch = firstEpoch; epoch <= phase.lastEpoch; epoch++) {
            String label = phase.label(epoch);
            DivergenceGuard guard = new DivergenceGuard(label);
            int done = epoch == firstEpoch ? state.batchesDone : 0;
            double lossSum = epoch == firstEpoch ? state.epochLossSum : 0;
            int lossCount = epoch == firstEpoch ? state.epochLossCount : 0;
            phase.progress.startPhase(label, minibatches);
            try {
                DataSetIterator train = data.train(phase.batchSize, phase.seed + epoch);
                for (int i = 0; i < done && train.hasNext(); i++) {
                    train.next();
                    phase.progress.step("");
                }
                while (train.hasNext()) {
                    List<DataSet> round = new ArrayList<>(perRound);
                    while (round.size() < perRound && train.hasNext()) {
                        round.add(train.next());
                    }
                    int steps = (round.size() + workers - 1) / workers;
                    int iteration = conf.getIterationCount();
                    int epochCount = conf.getEpochCount();
                    double[] before = ratios(supernet);
                    spark.fit(partitioned(round));
                    sumRatioSteps(supernet, before, Math.min(workers, round.size()));
                    // dl4j-spark advances the count by the averaging frequency and the epoch count by one per fit;
                    // a round is `steps` synchronous iterations of the same epoch.
                    conf.setIterationCount(iteration + steps);
                    conf.setEpochCount(epochCount);
                    guard.iterationDone(supernet, iteration + steps - 1, epoch);
                    done += round.size();
                    lossSum += spark.getScore() * round.size();
                    lossCount += round.size();
                    String status = recordStep(supernet, resource, phase, iteration + steps - 1, epoch, spark.getScore());
                    for (int i = 0; i < round.size(); i++) {
                        phase.progress.step(status);
                    }
                    if (done < minibatches) {
                        state.completedEpochs = epoch - 1;
                        state.batchesDone = done;
                        state.epochLossSum = lossSum;
                        state.epochLossCount = lossCount;
                        state.searchSeconds = phase.clock.getAsDouble();
                        phase.checkpoint.save(supernet, state);
                    }
                }
            } finally {
                phase.progress.endPhase();
            }
            if (resource != null) {
                // The driver evaluates with the depth masks the workers train with.
                resource.onEpochStart(supernet);
            }
            state.history.epochs.add(new SearchHistory.Epoch(phase.name, epoch,
                    lossCount == 0 ? Double.NaN : lossSum / lossCount, PhaseTrainer.accuracy(supernet, data)));
            phase.epochDone.accept(epoch);
        }
    }

    /** The stored ratio {@code a} of every operator, in the network's order. */
    private static double[] ratios(ComputationGraph supernet) {
        List<TopkOperator> operators = OperatorState.operators(supernet);
        double[] a = new double[operators.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = operators.get(i).ratio();
        }
        return a;
    }

    /**
     * Turns the averaged step of every ratio into the sum of the workers' steps: {@code a <- a0 + n (mean(a_w) - a0)}
     * for the {@code n} workers of the round, clamped to the ratio's range. One machine moves {@code a} once per
     * minibatch; averaging alone would move it once per worker step, {@code n} times fewer per epoch, and the
     * structure would lag behind the target schedule (docs/DESIGN.md, "DMS on Spark").
     */
    private static void sumRatioSteps(ComputationGraph supernet, double[] before, int n) {
        List<TopkOperator> operators = OperatorState.operators(supernet);
        for (int i = 0; i < before.length; i++) {
            TopkOperator op = operators.get(i);
            double averaged = op.ratio();
            if (averaged != before[i]) {
                op.setRatio(TopK.clampRatio(before[i] + n * (averaged - before[i]), op.operatorSize()));
            }
        }
    }

    /** One round's minibatches as an RDD of {@code workers} partitions, the {@code w}-th run of them on worker w. */
    JavaRDD<DataSet> partitioned(List<DataSet> round) {
        return sc.parallelize(round, Math.min(workers, round.size()));
    }

    /** Records the averaged network after a round in the history; returns the progress bar's status. */
    private static String recordStep(ComputationGraph supernet, ResourceLossListener resource, SearchPhase phase,
                                     int iteration, int epoch, double score) {
        if (resource == null) {
            return String.format(Locale.ROOT, "loss %.3f", score);
        }
        double fraction = phase.model.evaluate(resource.kind()).fraction();
        double target = resource.schedule().at(iteration - phase.listeners.firstIteration());
        Map<String, Integer> kept = new LinkedHashMap<>();
        for (OperatorState s : OperatorState.read(supernet)) {
            kept.put(s.name(), s.keptSize());
        }
        phase.state.history.steps.add(new SearchHistory.Step(iteration, epoch, score, fraction, target, kept));
        return String.format(Locale.ROOT, "resource %.3f target %.3f", fraction, target);
    }
}
