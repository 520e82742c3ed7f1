package io.dl4jdms.cli;

import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.search.DmsSearch;
import io.dl4jdms.search.Pipeline;
import io.dl4jdms.search.SearchOutcome;
import io.dl4jdms.search.SearchSettings;
import io.dl4jdms.spark.SparkSearch;
import io.dl4jdms.spark.SparkTraining;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dms search}: a DMS search, the slim network's export and retraining, and a report. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Searches widths and depths of a ResNet-style supernet for a FLOPs or parameter budget, "
                + "exports the slim network, retrains and evaluates it against a uniform baseline (scratch: the base network "
                + "scaled in width, same training; pretrained, structure-only: the pretrained network pruned uniformly by "
                + "filter magnitude, same fine-tuning or none), "
                + "and writes a report; with --csv an MLP supernet of a table. With no options: the embedded Fashion-MNIST subset, "
                + "50%% of the supernet's FLOPs.")
final class SearchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("dms-out");

    @Option(names = "--target-flops", paramLabel = "F",
            description = "FLOPs budget as a fraction of the supernet's, in (0, 1] (default 0.5).")
    Double targetFlops;

    @Option(names = "--target-params", paramLabel = "F",
            description = "Parameter budget as a fraction of the supernet's, in (0, 1]; instead of --target-flops.")
    Double targetParams;

    @Option(names = "--pipeline", paramLabel = "NAME",
            description = "scratch (default), pretrained or structure-only.")
    String pipeline = "scratch";

    @CommandLine.Mixin
    DataOption data;

    @Option(names = "--epochs", paramLabel = "N", description = "Search epochs (default: ${DEFAULT-VALUE}).")
    int epochs = 2;

    @Option(names = "--retrain-epochs", paramLabel = "N",
            description = "Retraining epochs of the slim network and the baseline; the pretrained pipeline's baseline"
                    + " is fine-tuned for the search epochs too (default: ${DEFAULT-VALUE}).")
    int retrainEpochs = 3;

    @Option(names = "--structure-iterations", paramLabel = "N",
            description = "structure-only: iterations of the search, weights frozen (default: ${DEFAULT-VALUE}).")
    int structureIterations = 300;

    @Option(names = "--recalibration-batches", paramLabel = "N",
            description = "structure-only: training minibatches on which the batch normalisation statistics of the pruned"
                    + " network and of the baseline are re-estimated, no weight trained; 0: none (default: ${DEFAULT-VALUE}).")
    int recalibrationBatches = 20;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @CommandLine.Mixin
    CheckpointOptions checkpoints;

    @Option(names = "--spark-master", paramLabel = "URL",
            description = "Search data-parallel on Spark (dl4j-spark, parameter averaging): local[2], spark://host:7077."
                    + " Under spark-submit the master it was given is used without this option.")
    String sparkMaster;

    @Option(names = "--spark-workers", paramLabel = "N",
            description = "Workers of a Spark search (default: the Spark context's default parallelism).")
    Integer sparkWorkers;

    @Option(names = "--averaging-frequency", paramLabel = "N",
            description = "Minibatches each Spark worker trains between two parameter averagings (default: "
                    + SparkSearch.DEFAULT_AVERAGING_FREQUENCY + ").")
    int averagingFrequency = SparkSearch.DEFAULT_AVERAGING_FREQUENCY;

    @Override
    public Integer call() throws Exception {
        SearchSettings settings;
        SearchData loaded;
        try {
            if (targetFlops != null && targetParams != null) {
                throw new IllegalArgumentException("give --target-flops or --target-params, not both");
            }
            SearchSettings.Builder builder = SearchSettings.builder().pipeline(Pipeline.parse(pipeline)).out(out)
                    .data(data.source()).dataOptions(data.options()).searchEpochs(epochs).retrainEpochs(retrainEpochs).seed(seed)
                    .structureIterations(structureIterations).recalibrationBatches(recalibrationBatches);
            if (targetParams != null) {
                builder.targetParams(targetParams);
            } else if (targetFlops != null) {
                builder.targetFlops(targetFlops);
            }
            settings = builder.build();
            loaded = data.load(seed);
            checkpoints.checkedEvery();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        String master = sparkMaster != null ? sparkMaster : System.getProperty("spark.master");
        if (master == null && (sparkWorkers != null || averagingFrequency != SparkSearch.DEFAULT_AVERAGING_FREQUENCY)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--spark-workers and --averaging-frequency need --spark-master (or spark-submit)");
        }
        DmsSearch search = new DmsSearch(settings, new ProgressBarProgress(), System.out::println)
                .checkpointEvery(checkpoints.every);
        if (checkpoints.restart) {
            search.restart();
        }
        SearchOutcome outcome;
        if (master == null) {
            outcome = search.run(loaded);
        } else {
            try (JavaSparkContext sc = SparkSearch.context(master, "dms search")) {
                SparkTraining training;
                try {
                    training = new SparkTraining(sc, sparkWorkers != null ? sparkWorkers : SparkSearch.workers(sc),
                            averagingFrequency);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                }
                System.out.println("spark: " + master + ", " + training.workers() + " workers, averaging every "
                        + training.averagingFrequency() + " minibatches");
                outcome = search.trainedBy(training).run(loaded);
            }
        }
        System.out.printf(Locale.ROOT, "supernet %.0f FLOPs, target %.0f, slim %.0f (%.1f%% of the supernet)%n",
                outcome.supernetFlops, outcome.targetFlops, outcome.slimFlops, 100 * outcome.slimFlops / outcome.supernetFlops);
        if (!Double.isNaN(outcome.pretrainedTestAccuracy)) {
            System.out.printf(Locale.ROOT, "pretrained network (unpruned) test accuracy %.4f%n", outcome.pretrainedTestAccuracy);
        }
        System.out.printf(Locale.ROOT, "slim test accuracy %.4f (%s), baseline %.4f at %.0f FLOPs (%s%s)%n",
                outcome.slimTestAccuracy, outcome.slimTrainingInWords(), outcome.baselineTestAccuracy, outcome.baselineFlops,
                outcome.baselineMethod, outcome.baselineTrainingEpochs == 0 ? "" : ", " + outcome.baselineTrainingEpochs
                        + " epoch(s)");
        if (outcome.recalibrationBatches > 0) {
            System.out.printf(Locale.ROOT, "batch normalisation re-estimated on %d minibatches for both; before: slim %.4f,"
                    + " baseline %.4f%n", outcome.recalibrationBatches, outcome.slimTestAccuracyBeforeRecalibration,
                    outcome.baselineTestAccuracyBeforeRecalibration);
        }
        System.out.println("report: " + settings.out.resolve("report.html").toAbsolutePath());
        return 0;
    }
}
