package io.dl4jdms.cli;

import io.dl4jdms.pipeline.report.ReportWriter;
import io.dl4jdms.spnas.latency.LatencyLossListener;
import io.dl4jdms.spnas.search.SinglePathOutcome;
import io.dl4jdms.spnas.search.SinglePathSearch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dms spnas}: a Single-Path NAS search under a latency target, the searched network's export and a report. */
@Command(name = "spnas", mixinStandardHelpOptions = true,
        description = "Profiles every candidate block of a MobileNetV2-style supernet on this machine, searches one "
                + "kernel size and expansion ratio per block under a latency target (Single-Path NAS), exports the "
                + "searched network as stock DL4J layers, retrains and times it, and writes a report. With no "
                + "options: the embedded Fashion-MNIST subset ("
                + SinglePathSearch.Settings.EMBEDDED_TRAIN_PER_CLASS + " training and "
                + SinglePathSearch.Settings.EMBEDDED_TEST_PER_CLASS + " test images per class), "
                + SinglePathSearch.Settings.DEFAULT_TARGET_FRACTION + " of the supernet's predicted latency.")
final class SpnasCommand implements Callable<Integer> {

    private static final SinglePathSearch.Settings DEFAULTS = new SinglePathSearch.Settings();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("dms-spnas-out");

    @Option(names = "--target-latency-ms", paramLabel = "MS",
            description = "Latency target in ms (one call in inference on --latency-batch images), > 0.")
    Double targetMs;

    @Option(names = "--target-latency", paramLabel = "F",
            description = "Latency target as a fraction of the supernet's predicted latency, in (0, 1] (default "
                    + SinglePathSearch.Settings.DEFAULT_TARGET_FRACTION + "); instead of --target-latency-ms.")
    Double targetFraction;

    @CommandLine.Mixin
    DataOption data;

    @Option(names = "--epochs", paramLabel = "N", description = "Search epochs (default: ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.searchEpochs();

    @Option(names = "--warmup-epochs", paramLabel = "N",
            description = "Epochs of training the weights only, before the search (default: ${DEFAULT-VALUE}).")
    int warmupEpochs = DEFAULTS.warmupEpochs();

    @Option(names = "--retrain-epochs", paramLabel = "N",
            description = "Retraining epochs of the searched network (default: ${DEFAULT-VALUE}).")
    int retrainEpochs = DEFAULTS.retrainEpochs();

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed();

    @Option(names = "--latency-table", paramLabel = "FILE",
            description = "A latency table measured earlier (the latency.json of a run on this machine) instead of "
                    + "profiling again; two runs on the same table search on the same latencies.")
    Path latencyTable;

    @CommandLine.Mixin
    CheckpointOptions checkpoints;

    /** Untimed runs per candidate before the timed ones; hidden, for quick runs such as the tests. */
    @Option(names = "--profile-warmup", paramLabel = "N", hidden = true)
    int profileWarmup = DEFAULTS.profileWarmup();

    @Option(names = "--latency-batch", paramLabel = "N",
            description = "Images per call the latency is timed at (default: ${DEFAULT-VALUE}; with 1, one "
                    + "request, the search can only skip blocks: kernel size and expansion ratio cost next to "
                    + "nothing at batch 1 on DL4J's CPU backend).")
    int latencyBatch = SinglePathSearch.Settings.DEFAULT_LATENCY_BATCH;

    @Option(names = "--fill-to-target", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Spend the latency the search left below its target: switch on the candidates nearest to "
                    + "being kept, one level at a time, while the network stays at or below the target, exchanging a "
                    + "kept level for one left off when none fits (default: on; --no-fill-to-target exports the "
                    + "search's last choices as they are).")
    boolean fillToTarget = true;

    /** Where the skip gates start (margin below their norms); hidden, for studies of the defaults. */
    @Option(names = "--skip-threshold-start", paramLabel = "M", hidden = true)
    double skipThresholdStart = LatencyLossListener.Builder.DEFAULT_SKIP_THRESHOLD_START;

    /** Timed runs per candidate; hidden, for quick runs such as the tests. */
    @Option(names = "--profile-repeats", paramLabel = "N", hidden = true)
    int profileRepeats = DEFAULTS.profileRepeats();

    @Override
    public Integer call() throws Exception {
        SinglePathSearch search;
        try {
            if (targetMs != null && targetFraction != null) {
                throw new IllegalArgumentException("give --target-latency-ms or --target-latency, not both");
            }
            require(targetMs == null || (targetMs > 0 && !targetMs.isInfinite()), "--target-latency-ms", targetMs,
                    "a number of ms > 0");
            require(targetFraction == null || (targetFraction > 0 && targetFraction <= 1), "--target-latency",
                    targetFraction, "a fraction in (0, 1]");
            require(epochs >= 1, "--epochs", epochs, "at least 1");
            require(warmupEpochs >= 0, "--warmup-epochs", warmupEpochs, "at least 0");
            require(retrainEpochs >= 0, "--retrain-epochs", retrainEpochs, "at least 0");
            require(profileWarmup >= 0, "--profile-warmup", profileWarmup, "at least 0");
            require(profileRepeats >= 1, "--profile-repeats", profileRepeats, "at least 1");
            require(latencyBatch >= 1, "--latency-batch", latencyBatch, "at least 1");
            SinglePathSearch.Settings settings = new SinglePathSearch.Settings().data(data.checked())
                    .epochs(warmupEpochs, epochs, retrainEpochs).profile(profileWarmup, profileRepeats).latencyBatch(latencyBatch).seed(seed)
                    .fillToTarget(fillToTarget).skipThresholdStart(skipThresholdStart);
            if (latencyTable != null) {
                require(java.nio.file.Files.isRegularFile(latencyTable), "--latency-table", latencyTable,
                        "a latency.json file");
                settings = settings.latencyTable(latencyTable);
            }
            if (targetMs != null) {
                settings = settings.targetMs(targetMs);
            } else if (targetFraction != null) {
                settings = settings.targetFraction(targetFraction);
            }
            search = new SinglePathSearch(settings, new ProgressBarProgress(), spec.commandLine().getOut()::println)
                    .checkpointEvery(checkpoints.checkedEvery());
            if (checkpoints.restart) {
                search.restart();
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        SinglePathOutcome outcome = search.run(out);
        PrintWriter print = spec.commandLine().getOut();
        // One line: the search's log has just given the measurements in full (now and at the table's speed).
        if (outcome.gaugeProfiledMs > 0) {
            print.printf(Locale.ROOT, "latency: target %.3f ms, predicted %.3f ms, measured %.3f ms at the table's speed"
                            + " (relative error %+.1f%%)%n", outcome.targetMs, outcome.predictedMs,
                    outcome.measuredAtTableSpeedMs, 100 * outcome.relativeErrorAtTableSpeed());
        } else {
            print.printf(Locale.ROOT, "latency: target %.3f ms, predicted %.3f ms, measured %.3f ms (relative error"
                            + " %+.1f%%)%n", outcome.targetMs, outcome.predictedMs, outcome.measuredMs,
                    100 * outcome.relativeError());
        }
        print.printf(Locale.ROOT, "searched %s%n", outcome.choices().values());
        print.printf(Locale.ROOT, "slim test accuracy %.4f (supernet %.4f)%n", outcome.slimTestAccuracy,
                outcome.supernetTestAccuracy);
        print.println("report: " + out.resolve(ReportWriter.REPORT).toAbsolutePath());
        return 0;
    }

    /** A bad value, said as picocli says it: {@code Invalid value for option '--epochs': 0 (expected at least 1)}. */
    private static void require(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': " + value + " (expected "
                    + expected + ")");
        }
    }
}
