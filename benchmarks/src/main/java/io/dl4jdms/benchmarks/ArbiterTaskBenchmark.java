package io.dl4jdms.benchmarks;

import io.dl4jdms.arbiter.SearchDataSource;
import io.dl4jdms.arbiter.scores.LengthDistortionScore;
import io.dl4jdms.arbiter.spaces.SupernetSpace;
import io.dl4jdms.arbiter.tasks.TrainingFreeTaskCreator;
import io.dl4jdms.latency.LatencyProfiler;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.task.ComputationGraphTaskCreator;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Seconds per training-free candidate of the default {@code dms search} supernet's size (stride-2 stem 12, stages
 * 12-24-48 of two basic blocks widened 1.5x), scored by the length distortion (10 points, 2 initialisations):
 * {@code TrainingFreeTaskCreator} against Arbiter's own {@code ComputationGraphTaskCreator} with {@code numEpochs(0)},
 * interleaved in one run (one candidate of each per round), medians.
 *
 * <p>Arguments (optional): {@code --reps N} (default 5), {@code --warmup N} (default 1).
 */
public final class ArbiterTaskBenchmark {

    private ArbiterTaskBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int reps = 5;
        int warmup = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--reps N, --warmup N)");
            }
        }
        SupernetSpace space = new SupernetSpace.Builder().stemWidth(12).stemStride(2).stageWidths(12, 24, 48)
                .blocksPerStage(2, 2, 2).strides(1, 2, 2).widthMultiplier(1.5).numEpochs(0).build();
        LengthDistortionScore score = new LengthDistortionScore(10, 2, 0, InputType.convolutional(28, 28, 1));
        Properties data = SearchDataSource.properties(null, 16);
        RandomSearchGenerator generator = new RandomSearchGenerator(space, null);
        OptimizationConfiguration conf = new OptimizationConfiguration.Builder().candidateGenerator(generator)
                .scoreFunction(score).dataSource(SearchDataSource.class, data)
                .terminationConditions(new MaxCandidatesCondition(1)).build();
        LocalOptimizationRunner runner = new LocalOptimizationRunner(1, conf, new TrainingFreeTaskCreator());
        List<TaskCreator> creators = List.of(new TrainingFreeTaskCreator(), new ComputationGraphTaskCreator());
        double[][] seconds = new double[creators.size()][reps];
        for (int r = -warmup; r < reps; r++) {
            for (int c = 0; c < creators.size(); c++) {
                Candidate candidate = generator.getCandidate();
                long t0 = System.nanoTime();
                OptimizationResult result = creators.get(c).create(candidate, SearchDataSource.class, data, score,
                        List.of(), runner).call();
                double s = (System.nanoTime() - t0) / 1e9;
                if (r >= 0) {
                    seconds[c][r] = s;
                }
                System.out.printf(Locale.ROOT, "%s %s: %.3f s, score %s%n", r < 0 ? "warm-up" : "rep " + r,
                        creators.get(c).getClass().getSimpleName(), s, result.getScore());
            }
        }
        double ours = LatencyProfiler.quantile(seconds[0], 0.5);
        double arbiter = LatencyProfiler.quantile(seconds[1], 0.5);
        System.out.printf(Locale.ROOT, "median over %d reps: TrainingFreeTaskCreator %.3f s (%.2f candidates/s), "
                + "ComputationGraphTaskCreator %.3f s (%.2f candidates/s); ratio %.1fx%n", reps, ours, 1 / ours, arbiter,
                1 / arbiter, arbiter / ours);
    }
}
