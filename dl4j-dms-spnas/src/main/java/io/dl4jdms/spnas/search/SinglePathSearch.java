package io.dl4jdms.spnas.search;

import io.dl4jdms.supernet.SinglePathSupernet;

import io.dl4jdms.checkpoint.OutputDirectory;
import io.dl4jdms.listeners.DivergenceException;
import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.PipelineSettings;
import io.dl4jdms.pipeline.Provenance;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchHistory;
import io.dl4jdms.pipeline.SearchProgress;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.latency.LatencyCalibration;
import io.dl4jdms.spnas.latency.LatencyLossListener;
import io.dl4jdms.spnas.latency.LatencyModel;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.spnas.latency.SearchableBlock;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * A Single-Path NAS search under a latency target, end to end (what {@code dms spnas} runs):
 * <ol>
 *   <li>profile every candidate of every block of a {@link SinglePathSupernet} shaped for the data on this
 *       machine's backend ({@link LatencyProfiler}), and the stem and head as the fixed part; save
 *       {@code latency.json};</li>
 *   <li>train the supernet with the {@link LatencyLossListener} ({@code lambda = 0} during the warm-up
 *       epochs);</li>
 *   <li>export the chosen candidates as a plain DL4J network ({@link SinglePathExport}), check it computes what
 *       the supernet computes, retrain it, time it;</li>
 *   <li>write {@code slim-model.zip} and the report ({@link SinglePathReport}): {@code summary.json} with
 *       {@code latency.targetMs, latency.predictedMs, latency.measuredMs} and {@code slim.testAccuracy},
 *       {@code report.html} and its plots.</li>
 * </ol>
 *
 * <pre>{@code
 * SinglePathOutcome outcome = new SinglePathSearch(new SinglePathSearch.Settings().targetMs(2.0),
 *         SearchProgress.NONE, System.out::println).run(Path.of("spnas-out"));
 * }</pre>
 */
public final class SinglePathSearch {

    /** The slim network's file in the output directory (stock DL4J layers only). */
    public static final String SLIM_MODEL = "slim-model.zip";
    /** The latency table's file in the output directory. */
    public static final String LATENCY_TABLE = "latency.json";

    private static final int EXPORT_PROBE = 64;
    /** Random networks timed whole for the latency calibration, besides the four uniform ones. */
    private static final int CALIBRATION_RANDOM_NETWORKS = 4;

    private final Settings settings;
    private final SearchProgress progress;
    private final Consumer<String> log;
    private int checkpointEvery;
    private boolean restart;

    public SinglePathSearch(Settings settings, SearchProgress progress, Consumer<String> log) {
        settings.check();
        this.settings = settings;
        this.progress = progress;
        this.log = log;
    }

    /**
     * Also writes a checkpoint every {@code iterations} iterations of the supernet's training (besides the one after
     * every epoch); 0 (the default) for epoch ends only. The newest two checkpoints are kept.
     */
    public SinglePathSearch checkpointEvery(int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("checkpoint interval must be at least 0 iterations, got " + iterations);
        }
        this.checkpointEvery = iterations;
        return this;
    }

    /** Deletes the output directory's checkpoints (once the data has loaded) and starts the search over. */
    public SinglePathSearch restart() {
        this.restart = true;
        return this;
    }

    /**
     * The search's settings; defaults sized for a few minutes on two CPU cores. Immutable: every setter returns a
     * changed copy. {@link #check()} (called by the search) names the first bad value. {@link #toMap()} is the one
     * description of them: the checkpoint's identity and the settings of the provenance.
     */
    public static final class Settings implements PipelineSettings, Cloneable {
        /** The training and test images per class taken from the embedded subset when no limit is set. */
        public static final int EMBEDDED_TRAIN_PER_CLASS = 300;
        public static final int EMBEDDED_TEST_PER_CLASS = 100;
        /**
         * The default target: this fraction of the supernet's predicted latency. Just above what skipping every
         * skippable block reaches (0.38 to 0.41 of the supernet in the default tables, with the largest candidate
         * everywhere else): what is left above that is less than a block at e3 costs in most tables, so the network
         * that fits it mixes expansion ratios. At 0.6 the default search skipped two blocks, kept the largest candidate
         * everywhere else and ended within 0.4% of its target in two runs of three (on this data skipping a block
         * costs the task loss least); below 0.4 the space's networks are too far apart (the nearest one below 0.35 was
         * 4% to 5% below it in two tables of three). BENCHMARKS.md, "Single-Path NAS".
         */
        public static final double DEFAULT_TARGET_FRACTION = 0.45;
        /** The default untimed seconds before the latencies are timed (see {@link #profile}). */
        public static final double DEFAULT_PROFILE_WARMUP_SECONDS = 10;
        /**
         * The default batch size the latency is defined at (see {@link #latencyBatch}): 16, the smallest of the batch
         * sizes measured (1, 16, 64) at which the candidates differ. At batch 1 DL4J's per-layer cost dominates: a
         * block costs the same whatever its kernel size and nearly the same whatever its expansion ratio, so the
         * only thing a batch-1 search can trade for latency is skipping blocks.
         */
        public static final int DEFAULT_LATENCY_BATCH = 16;

        Path data;
        int trainPerClass;
        int testPerClass;
        int batchSize = 32;
        int warmupEpochs = 1;
        int searchEpochs = 4;
        int retrainEpochs = 2;
        double targetMs = 0;
        double targetFraction = DEFAULT_TARGET_FRACTION;
        double latencyWeight = LatencyLossListener.Builder.DEFAULT_WEIGHT;
        double latencyWeightGrowth = LatencyLossListener.Builder.DEFAULT_WEIGHT_GROWTH;
        double thresholdStart = LatencyLossListener.Builder.DEFAULT_THRESHOLD_START;
        double skipThresholdStart = LatencyLossListener.Builder.DEFAULT_SKIP_THRESHOLD_START;
        double learningRate = 2e-3;
        double thresholdLearningRate = 0.05;
        int profileWarmup = 20;
        int profileRepeats = 50;
        int profileThreads = 1;
        double profileQuantile = 0.25;
        double profileWarmupSeconds = DEFAULT_PROFILE_WARMUP_SECONDS;
        int latencyBatch = DEFAULT_LATENCY_BATCH;
        LatencyProfiler.Clock profileClock = LatencyProfiler.Clock.THREAD_CPU;
        long seed = 12345;
        int[] kernelSizes = {3, 5, 7};
        Path latencyTable;
        boolean fillToTarget = true;

        /**
         * A directory of Fashion-MNIST/MNIST IDX files or of class-named image folders (see {@link SearchData});
         * null (the default) for the embedded Fashion-MNIST subset. The supernet's input and classes follow the data.
         */
        public Settings data(Path directory) {
            Settings c = copy();
            c.data = directory;
            return c;
        }

        /**
         * At most this many training and test images per class (both positive, or both 0 for no limit). Without a
         * limit: {@value #EMBEDDED_TRAIN_PER_CLASS}
         * and {@value #EMBEDDED_TEST_PER_CLASS} of the embedded subset, all images of a data directory.
         */
        public Settings perClass(int trainPerClass, int testPerClass) {
            Settings c = copy();
            c.trainPerClass = trainPerClass;
            c.testPerClass = testPerClass;
            return c;
        }

        public Settings batchSize(int batchSize) {
            Settings c = copy();
            c.batchSize = batchSize;
            return c;
        }

        /** Epochs of weights-only training ({@code lambda = 0}), of search, of retraining the exported network. */
        public Settings epochs(int warmup, int search, int retrain) {
            Settings c = copy();
            c.warmupEpochs = warmup;
            c.searchEpochs = search;
            c.retrainEpochs = retrain;
            return c;
        }

        /** The latency target in ms; 0 (default) for {@link #targetFraction} of the supernet's predicted latency. */
        public Settings targetMs(double targetMs) {
            Settings c = copy();
            c.targetMs = targetMs;
            return c;
        }

        /**
         * The target as a fraction in (0, 1] of the supernet's predicted latency, when no target in ms is set;
         * default {@value #DEFAULT_TARGET_FRACTION}.
         */
        public Settings targetFraction(double fraction) {
            Settings c = copy();
            c.targetFraction = fraction;
            return c;
        }

        /**
         * {@code lambda} of the latency loss at the start of the search, and its growth per iteration above the
         * target (see {@link LatencyLossListener.Builder#weightGrowth}); defaults
         * {@value LatencyLossListener.Builder#DEFAULT_WEIGHT} and {@value LatencyLossListener.Builder#DEFAULT_WEIGHT_GROWTH}.
         */
        public Settings latencyWeight(double weight, double growth) {
            Settings c = copy();
            c.latencyWeight = weight;
            c.latencyWeightGrowth = growth;
            return c;
        }

        /**
         * Where the thresholds start the search: {@code (1 - margin)} times their norms (see
         * {@link LatencyLossListener.Builder#thresholdStart}); default
         * {@value LatencyLossListener.Builder#DEFAULT_THRESHOLD_START}.
         */
        public Settings thresholdStart(double margin) {
            Settings c = copy();
            c.thresholdStart = margin;
            return c;
        }

        /**
         * Where the skip gates start the search: {@code (1 - margin)} times their norms (see
         * {@link LatencyLossListener.Builder#skipThresholdStart}); default
         * {@value LatencyLossListener.Builder#DEFAULT_SKIP_THRESHOLD_START}.
         */
        public Settings skipThresholdStart(double margin) {
            Settings c = copy();
            c.skipThresholdStart = margin;
            return c;
        }

        /** Learning rates (Adam) of the weights and of the thresholds; defaults 2e-3 and 0.05. */
        public Settings learningRates(double weights, double thresholds) {
            Settings c = copy();
            c.learningRate = weights;
            c.thresholdLearningRate = thresholds;
            return c;
        }

        /**
         * Untimed and timed runs per candidate; defaults 20 and 50. The untimed runs last at least
         * {@value #DEFAULT_PROFILE_WARMUP_SECONDS} s: the first seconds of a JVM's inference are slower while the JIT
         * compiler works (candidates timed after 3 s of warm-up came out 10% slower than the same candidates timed
         * again a few seconds later), and a table made then over-predicts every network timed later.
         */
        public Settings profile(int warmup, int repeats) {
            Settings c = copy();
            c.profileWarmup = warmup;
            c.profileRepeats = repeats;
            return c;
        }

        /**
         * ND4J threads while timing (0: as configured; default 1) and the quantile of the timed runs kept (default
         * 0.25); see {@link LatencyProfiler.Builder#threads} and {@link LatencyProfiler.Builder#quantile}. Why: at
         * batch 1 a second thread gains little, and on a machine with other work two threads wait for each other at
         * every operation (times of whole networks then swing by 2x between runs); other processes only ever add
         * time, so the lower quartile is the steadier estimate of what the network takes.
         */
        public Settings timing(int threads, double quantile) {
            Settings c = copy();
            c.profileThreads = threads;
            c.profileQuantile = quantile;
            c.profileClock = threads == 1 ? profileClock : LatencyProfiler.Clock.WALL;
            return c;
        }

        /**
         * What latencies are read from: the timing thread's CPU time (the default; needs one thread) or wall-clock
         * time. Why the CPU time: on a shared machine the wall-clock time of a whole network (milliseconds, longer
         * than the scheduler's time slice) is stretched by the load while the short runs of single blocks are not,
         * so a table and a measurement taken under different loads disagree; the thread's CPU time is the time the
         * network takes on a core of its own. On an idle machine the two agree.
         */
        public Settings clock(LatencyProfiler.Clock clock) {
            Settings c = copy();
            c.profileClock = clock;
            return c;
        }

        /**
         * The batch size the latency is defined at: the time of one call of {@code output} on this many images;
         * default {@value #DEFAULT_LATENCY_BATCH} (a service that batches requests, or an offline job). With 1
         * (the latency of one request) the search can only skip blocks: on DL4J's CPU backend the kernel size
         * costs nothing measurable at any batch size and the expansion ratio 0.02 to 0.06 ms of a 0.5 ms block at
         * batch 1, but 1.4x to 1.7x at batch 16 (e6 against e3).
         */
        public Settings latencyBatch(int images) {
            Settings c = copy();
            c.latencyBatch = images;
            return c;
        }

        /**
         * Whether the latency the search left below its target is spent afterwards ({@link BudgetFill}): the
         * candidates nearest to being kept are switched on, one level at a time, while the network stays at or below
         * the target, with an exchange of levels when none fits. Default true; false exports the search's last
         * choices as they are.
         */
        public Settings fillToTarget(boolean fill) {
            Settings c = copy();
            c.fillToTarget = fill;
            return c;
        }

        public boolean fillToTarget() {
            return fillToTarget;
        }

        /** The candidate kernel sizes of every block; default 3, 5, 7. */
        public Settings kernelSizes(int... sizes) {
            Settings c = copy();
            c.kernelSizes = sizes.clone();
            return c;
        }

        /**
         * A latency table measured before ({@code latency.json} of an earlier search with the same supernet) to use
         * instead of profiling; null (default) to profile on this machine. A measured table is noisy: two searches
         * compare exactly only on the same table.
         */
        public Settings latencyTable(Path file) {
            Settings c = copy();
            c.latencyTable = file;
            return c;
        }

        public Settings seed(long seed) {
            Settings c = copy();
            c.seed = seed;
            return c;
        }

        private Settings copy() {
            try {
                Settings c = (Settings) super.clone();
                c.kernelSizes = kernelSizes.clone();
                return c;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public String pipelineName() {
            return "dms spnas";
        }

        @Override
        public long randomSeed() {
            return seed;
        }

        public int warmupEpochs() {
            return warmupEpochs;
        }

        public int searchEpochs() {
            return searchEpochs;
        }

        public int retrainEpochs() {
            return retrainEpochs;
        }

        public long seed() {
            return seed;
        }

        public int profileWarmup() {
            return profileWarmup;
        }

        public int profileRepeats() {
            return profileRepeats;
        }

        /**
         * Checks every setting.
         *
         * @throws IllegalArgumentException naming the first bad setting and its value
         */
        public Settings check() {
            atLeast("warm-up epochs", warmupEpochs, 0);
            atLeast("search epochs", searchEpochs, 1);
            atLeast("retrain epochs", retrainEpochs, 0);
            atLeast("batch size", batchSize, 1);
            atLeast("training images per class", trainPerClass, 0);
            atLeast("test images per class", testPerClass, 0);
            if ((trainPerClass == 0) != (testPerClass == 0)) {
                throw new IllegalArgumentException("give both limits of images per class or neither, got "
                        + trainPerClass + " training and " + testPerClass + " test");
            }
            atLeast("profiling warm-up runs", profileWarmup, 0);
            atLeast("profiling repeats", profileRepeats, 1);
            atLeast("latency batch size", latencyBatch, 1);
            atLeast("timing threads", profileThreads, 0);
            if (!(targetMs >= 0) || Double.isInfinite(targetMs)) {
                throw new IllegalArgumentException("latency target must be a positive number of ms (or 0 for a "
                        + "fraction of the supernet's), got " + targetMs);
            }
            if (!(targetFraction > 0 && targetFraction <= 1)) {
                throw new IllegalArgumentException("latency target fraction must be in (0, 1], got " + targetFraction);
            }
            if (!(latencyWeight >= 0) || Double.isInfinite(latencyWeight)) {
                throw new IllegalArgumentException("latency weight must be >= 0, got " + latencyWeight);
            }
            if (!(latencyWeightGrowth >= 0 && latencyWeightGrowth <= 1)) {
                throw new IllegalArgumentException("latency weight growth must be in [0, 1], got " + latencyWeightGrowth);
            }
            if (!(skipThresholdStart >= 0 && skipThresholdStart < 1)) {
                throw new IllegalArgumentException("skip threshold start margin must be in [0, 1), got " + skipThresholdStart);
            }
            if (!(thresholdStart >= 0 && thresholdStart < 1)) {
                throw new IllegalArgumentException("threshold start margin must be in [0, 1), got " + thresholdStart);
            }
            if (profileClock == LatencyProfiler.Clock.THREAD_CPU && profileThreads != 1) {
                throw new IllegalArgumentException("the thread CPU clock needs one timing thread, got "
                        + profileThreads);
            }
            if (!(profileQuantile >= 0 && profileQuantile <= 1)) {
                throw new IllegalArgumentException("timing quantile must be in [0, 1], got " + profileQuantile);
            }
            return this;
        }

        private static void atLeast(String what, int value, int least) {
            if (value < least) {
                throw new IllegalArgumentException(what + " must be at least " + least + ", got " + value);
            }
        }

        /** Every setting that decides the result (not the output directory), in a fixed order. */
        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", data == null ? "embedded" : data.toAbsolutePath().normalize().toString());
            m.put("trainPerClass", trainPerClass);
            m.put("testPerClass", testPerClass);
            m.put("batchSize", batchSize);
            m.put("warmupEpochs", warmupEpochs);
            m.put("searchEpochs", searchEpochs);
            m.put("retrainEpochs", retrainEpochs);
            if (targetMs > 0) {
                m.put("targetMs", targetMs);
            } else {
                m.put("targetFraction", targetFraction);
            }
            m.put("latencyWeight", latencyWeight);
            m.put("latencyWeightGrowth", latencyWeightGrowth);
            m.put("thresholdStart", thresholdStart);
            m.put("skipThresholdStart", skipThresholdStart);
            m.put("learningRate", learningRate);
            m.put("thresholdLearningRate", thresholdLearningRate);
            m.put("seed", seed);
            m.put("kernelSizes", kernelSizes.clone());
            m.put("profileWarmup", profileWarmup);
            m.put("profileRepeats", profileRepeats);
            m.put("profileThreads", profileThreads);
            m.put("profileQuantile", profileQuantile);
            m.put("profileWarmupSeconds", profileWarmupSeconds);
            m.put("latencyBatch", latencyBatch);
            m.put("profileClock", profileClock.name());
            m.put("latencyTable", latencyTable == null ? "measured" : latencyTable.toAbsolutePath().normalize().toString());
            m.put("fillToTarget", fillToTarget);
            return m;
        }

        /** The settings as {@code summary.json} records them: {@link #toMap()} and what the loaded data holds. */
        Map<String, Object> toMap(SearchData loaded) {
            Map<String, Object> m = new LinkedHashMap<>();
            toMap().forEach((key, value) -> {
                m.put(key, value);
                if (key.equals("data")) {
                    m.put("trainImages", loaded.numTrain());
                    m.put("testImages", loaded.testSet().numExamples());
                    m.put("input", loaded.height() + "x" + loaded.width() + "x" + loaded.channels());
                    m.put("classes", loaded.classes());
                }
            });
            return m;
        }
    }

    /** What the checkpoint keeps besides the supernet: the figures of the run so far. */
    public static final class State extends SearchCheckpoint.State {
        public SinglePathOutcome outcome = new SinglePathOutcome();
        /** The latency loss's state at the checkpoint (null before the search starts). */
        public LatencyLossListener.Progress latency;
    }

    /**
     * Runs the search; writes {@code latency.json}, {@code slim-model.zip}, the report and, after the profiling and
     * after every epoch of the supernet, the checkpoint into the directory. Run again with the same settings and
     * directory, an interrupted (even killed) search resumes from its last checkpoint (with the latency table it
     * measured) and ends as the uninterrupted search would have. A damaged checkpoint or one of other settings is
     * refused with a {@link io.dl4jdms.checkpoint.CheckpointException} naming the file and what differs
     * ({@link #restart()} starts over on purpose); an output directory that cannot be written is found before the
     * profiling; a loss or parameter that stops being finite ends the run with a
     * {@link io.dl4jdms.listeners.DivergenceException} (nothing exported, the last good checkpoint kept).
     */
    public SinglePathOutcome run(Path outputDirectory) throws IOException {
        long start = System.nanoTime();
        Settings s = settings;
        OutputDirectory.check(outputDirectory);
        SearchCheckpoint checkpoint = new SearchCheckpoint(outputDirectory);
        Optional<State> saved = restart ? Optional.empty() : checkpoint.load(s, State.class);
        SearchData data = SearchData.load(s.data, s.seed);
        if (s.trainPerClass > 0) {
            data = data.subset(s.trainPerClass, s.testPerClass);
        } else if (s.data == null) {
            data = data.subset(Settings.EMBEDDED_TRAIN_PER_CLASS, Settings.EMBEDDED_TEST_PER_CLASS);
        }
        OutputDirectory.prepare(outputDirectory);
        if (restart) {
            checkpoint.deleteAll();
        }
        log.accept("backend: " + io.dl4jdms.layers.OneDnn.status());
        log.accept("data: " + data.describe());

        SinglePathSupernet supernet = SinglePathSupernet.builder().input(data.height(), data.width(), data.channels())
                .classes(data.classes()).seed(s.seed).kernelSizes(s.kernelSizes).updater(new Adam(s.learningRate))
                .thresholdUpdater(new Adam(s.thresholdLearningRate)).build();
        LatencyProfiler profiler = LatencyProfiler.builder().batchSize(s.latencyBatch).warmup(s.profileWarmup)
                .warmupSeconds(s.profileWarmup > 0 ? s.profileWarmupSeconds : 0).repeats(s.profileRepeats)
                .threads(s.profileThreads).quantile(s.profileQuantile).clock(s.profileClock)
                .progress(line -> log.accept("profiled " + line)).roundDone(() -> progress.step("")).build();
        State state;
        ComputationGraph net;
        LatencyModel model;
        if (saved.isPresent()) {
            state = saved.get();
            net = checkpoint.restoreSupernet();
            model = LatencyModel.of(CandidateLatencyTable.read(outputDirectory.resolve(LATENCY_TABLE).toFile()));
            log.accept("resuming from " + checkpoint.latest().orElseThrow() + " (" + state.completedEpochs
                    + " epoch(s) and " + state.batchesDone + " minibatch(es) done)");
        } else {
            state = SearchCheckpoint.start(s, new State(), "search");
            model = profile(supernet, profiler, outputDirectory, state.outcome);
            state.outcome.profileSeconds = (System.nanoTime() - start) / 1e9;
            net = new ComputationGraph(supernet.configuration());
            net.init();
            state.outcome.supernetPredictedMs = model.predictMs(net);
            state.outcome.targetMs = s.targetMs > 0 ? s.targetMs : s.targetFraction * state.outcome.supernetPredictedMs;
            checkpoint.save(net, state);
        }
        SinglePathOutcome outcome = state.outcome;
        outcome.history = state.history;
        outcome.data = data.describe();
        outcome.seed = s.seed;
        outcome.settings = s.toMap(data);
        Provenance provenance = Provenance.of(s, data.describe());
        outcome.provenance = provenance.toMap();
        log.accept(String.format(Locale.ROOT, "fixed part %.3f ms, supernet predicted %.3f ms, target %.3f ms",
                outcome.fixedMs, outcome.supernetPredictedMs, outcome.targetMs));
        if (!"done".equals(state.phase)) {
            try {
                search(net, model, data, state, checkpoint);
            } catch (DivergenceException e) {
                throw new DivergenceException(e, checkpoint.keptMessage() + "; nothing was exported");
            }
        }
        outcome.searchSeconds = state.searchSeconds;
        outcome.supernetTestAccuracy = outcome.epochs.get(outcome.epochs.size() - 1).testAccuracy;
        outcome.supernetParameters = net.numParams();
        Map<String, SuperkernelChoice> choices = LatencyModel.choices(net);
        outcome.searchedPredictedMs = model.predictMs(choices);
        outcome.fillSteps.clear();
        if (s.fillToTarget) {
            BudgetFill.fill(net, model, outcome.targetMs).forEach(step -> outcome.fillSteps.add(step.toString()));
            choices = LatencyModel.choices(net);
            log.accept(String.format(Locale.ROOT, "the search ended at %.3f ms (target %.3f ms); filled to %.3f ms in %d"
                            + " step(s)%s", outcome.searchedPredictedMs, outcome.targetMs, model.predictMs(choices),
                    outcome.fillSteps.size(), outcome.fillSteps.isEmpty() ? "" : ": " + String.join("; ", outcome.fillSteps)));
        }
        outcome.predictedMs = model.predictMs(choices);
        outcome.blocks.clear();
        describeBlocks(supernet.blocks(), choices, model.table(), outcome);

        ComputationGraph slim = SinglePathExport.export(supernet, net, choices);
        INDArray testFeatures = data.testSet().getFeatures();
        INDArray probe = testFeatures.get(NDArrayIndex.interval(0, Math.min(EXPORT_PROBE, testFeatures.size(0))));
        outcome.exportMaxAbsDifference = net.outputSingle(false, probe).sub(slim.outputSingle(false, probe))
                .amaxNumber().doubleValue();
        outcome.slimTestAccuracyBeforeRetraining = PhaseTrainer.accuracy(slim, data);
        log.accept(String.format(Locale.ROOT, "searched %s: predicted %.3f ms; exported network max |diff| %.2e",
                outcome.choices().values(), outcome.predictedMs, outcome.exportMaxAbsDifference));
        long retrainStart = System.nanoTime();
        try {
            PhaseTrainer.train(slim, data, s.batchSize, s.seed, "slim",
                    epoch -> String.format(Locale.ROOT, "retrain %d/%d", epoch, s.retrainEpochs), PhaseTrainer.Start.epoch(1),
                    s.retrainEpochs, outcome.history, progress, null, 0, null, epoch -> { });
        } catch (DivergenceException e) {
            throw new DivergenceException(e, checkpoint.keptMessage() + " with the searched structure;"
                    + " the slim network was not saved");
        }
        outcome.retrainSeconds = (System.nanoTime() - retrainStart) / 1e9;
        outcome.slimTestAccuracy = PhaseTrainer.accuracy(slim, data);
        outcome.slimParameters = slim.numParams();

        progress.startPhase("time the slim network", profiler.roundsPerMeasurement());
        INDArray input = random(supernet.inputType(), profiler.batchSize());
        LatencyCalibration.Measured measured = LatencyCalibration.measure(profiler, model.table(), supernet.blocks(),
                c -> SinglePathExport.export(supernet, net, c), List.of(slim, exportLargest(supernet, net)), input);
        progress.endPhase();
        outcome.measuredMs = measured.ms()[0];
        outcome.supernetMeasuredMs = measured.ms()[1];
        outcome.gaugeMeasuredMs = measured.gaugeMs();
        if (Double.isFinite(model.table().gaugeMs())) {
            outcome.gaugeProfiledMs = model.table().gaugeMs();
            outcome.measuredAtTableSpeedMs = measured.atTableSpeedMs()[0];
            outcome.supernetMeasuredAtTableSpeedMs = measured.atTableSpeedMs()[1];
        }
        log.accept(String.format(Locale.ROOT, "measured (%s clock, %d thread(s)): searched %.3f ms, predicted %.3f"
                        + " (%+.1f%%); supernet %.3f ms, predicted %.3f (%+.1f%%)", s.profileClock, s.profileThreads,
                outcome.measuredMs, outcome.predictedMs, 100 * outcome.relativeError(), outcome.supernetMeasuredMs,
                outcome.supernetPredictedMs, 100 * (outcome.supernetPredictedMs / outcome.supernetMeasuredMs - 1)));
        if (outcome.gaugeProfiledMs > 0) {
            log.accept(String.format(Locale.ROOT, "at the table's speed (the gauge network took %.3f ms when the table"
                            + " was made, %.3f ms now: %+.1f%%, the machine's drift): searched %.3f ms (%+.1f%%),"
                            + " supernet %.3f ms (%+.1f%%)", outcome.gaugeProfiledMs, outcome.gaugeMeasuredMs,
                    100 * (outcome.gaugeMeasuredMs / outcome.gaugeProfiledMs - 1), outcome.measuredAtTableSpeedMs,
                    100 * outcome.relativeErrorAtTableSpeed(), outcome.supernetMeasuredAtTableSpeedMs,
                    100 * outcome.supernetRelativeErrorAtTableSpeed()));
        }
        Path slimModel = outputDirectory.resolve(SLIM_MODEL);
        var normalizer = data.normalizer();
        checkpoint.writeResult(() -> {
            ModelSerializer.writeModel(slim, slimModel.toFile(), true);
            if (normalizer != null) {
                ModelSerializer.addNormalizerToModel(slimModel.toFile(), normalizer);
            }
            provenance.writeInto(slimModel);
        });
        outcome.totalSeconds = (System.nanoTime() - start) / 1e9;
        checkpoint.writeResult(() -> SinglePathReport.write(outcome, outputDirectory));
        return outcome;
    }

    /**
     * Times every candidate, fits the fixed part and the scale on whole networks ({@link LatencyCalibration}), or
     * takes the settings' table; writes {@code latency.json} and returns the runtime model of the table as written,
     * so a resumed search predicts exactly what the first run did.
     */
    private LatencyModel profile(SinglePathSupernet supernet, LatencyProfiler profiler, Path outputDirectory,
                                 SinglePathOutcome outcome) throws IOException {
        CandidateLatencyTable table;
        if (settings.latencyTable != null) {
            table = CandidateLatencyTable.read(settings.latencyTable.toFile());
            for (SearchableBlock block : supernet.blocks()) {
                if (!table.entry(block.name()).matches(block.space())) {
                    throw new IllegalArgumentException("latency table " + settings.latencyTable + ": block '"
                            + block.name() + "' has other candidates than this supernet's");
                }
            }
        } else {
            // Two measurements: the candidates with the calibration networks, then the calibration networks against
            // the gauge (LatencyCalibration.profile).
            progress.startPhase("profile latency", 2 * profiler.roundsPerMeasurement());
            ComputationGraph template = new ComputationGraph(supernet.configuration());
            template.init();
            var calibrated = LatencyCalibration.profile(profiler, supernet.blocks(),
                    LatencyCalibration.choices(supernet.blocks(), CALIBRATION_RANDOM_NETWORKS, settings.seed),
                    choices -> SinglePathExport.export(supernet, template, choices),
                    random(supernet.inputType(), profiler.batchSize()));
            progress.endPhase();
            table = calibrated.getKey();
            outcome.supernetProfiledMs = calibrated.getValue().measuredMs()[0]; // the first calibration network
            log.accept(String.format(Locale.ROOT, "latency calibration on %d whole networks: fixed %.3f ms, scale %.3f,"
                            + " largest error %.1f%% (%.1f%% with each network left out of its own fit)",
                    calibrated.getValue().measuredMs().length, table.fixedMs(), table.scale(),
                    100 * calibrated.getValue().maxError(), 100 * calibrated.getValue().leaveOneOutMaxError()));
        }
        File file = outputDirectory.resolve(LATENCY_TABLE).toFile();
        table.write(file);
        table = CandidateLatencyTable.read(file);
        outcome.fixedMs = table.fixedMs();
        outcome.backend = table.backend();
        outcome.timingBatchSize = table.batchSize();
        return LatencyModel.of(table);
    }

    /**
     * The warm-up and search epochs of the supernet with the latency loss, from the first epoch the state has not
     * finished; the checkpoint is written after every epoch.
     */
    private void search(ComputationGraph net, LatencyModel model, SearchData data, State state,
                        SearchCheckpoint checkpoint) throws IOException {
        Settings s = settings;
        SinglePathOutcome outcome = state.outcome;
        long iterationsPerEpoch = (data.numTrain() + s.batchSize - 1) / s.batchSize;
        LatencyLossListener latency = LatencyLossListener.builder(model).weight(s.latencyWeight)
                .weightGrowth(s.latencyWeightGrowth).thresholdStart(s.thresholdStart)
                .skipThresholdStart(s.skipThresholdStart)
                .targetMs(outcome.targetMs).warmupIterations(s.warmupEpochs * iterationsPerEpoch).build();
        if (state.latency != null) {
            latency.resume(state.latency);
        }
        EpochRecorder recorder = new EpochRecorder(model, outcome);
        net.setListeners(latency, recorder);
        int epochs = s.warmupEpochs + s.searchEpochs;
        DoubleSupplier clock = state.clock();
        PhaseTrainer.WithinEpoch within = checkpoint.withinEpoch(net, state, clock);
        PhaseTrainer.WithinEpoch withLatency = (epoch, batchesDone, lossSum, lossCount) -> {
            state.latency = latency.progress();
            within.accept(epoch, batchesDone, lossSum, lossCount);
        };
        PhaseTrainer.train(net, data, s.batchSize, s.seed, "supernet", epoch -> epoch <= s.warmupEpochs
                        ? String.format(Locale.ROOT, "warm-up %d/%d", epoch, s.warmupEpochs)
                        : String.format(Locale.ROOT, "search %d/%d", epoch - s.warmupEpochs, s.searchEpochs),
                state.start(), epochs, outcome.history, progress, recorder::status, checkpointEvery,
                withLatency, epoch -> {
                    SearchHistory.Epoch row = outcome.history.epochs.get(outcome.history.epochs.size() - 1);
                    SinglePathOutcome.Epoch e = new SinglePathOutcome.Epoch();
                    e.epoch = epoch;
                    e.warmup = epoch <= s.warmupEpochs;
                    e.score = row.trainLoss;
                    e.testAccuracy = row.testAccuracy;
                    e.predictedMs = model.predictMs(net);
                    e.latencyWeight = latency.currentWeight();
                    e.revertedUpdates = latency.revertedUpdates();
                    LatencyModel.choices(net).forEach((name, choice) -> e.choices.put(name, choice.toString()));
                    outcome.epochs.add(e);
                    log.accept(String.format(Locale.ROOT, "%s: loss %.4f, test accuracy %.4f, predicted %.3f ms"
                                    + " (lambda %.3g, %d updates held back), %s",
                            e.warmup ? "warm-up " + epoch : "search " + (epoch - s.warmupEpochs), e.score,
                            e.testAccuracy, e.predictedMs, e.latencyWeight, e.revertedUpdates, e.choices.values()));
                    state.epochDone(epoch, clock.getAsDouble());
                    if (epoch == epochs) {
                        state.phase = "done";
                    }
                    state.latency = latency.progress();
                    checkpoint.save(net, state);
                });
        net.setListeners();
    }

    /**
     * Per iteration of the supernet: records the latency of the current hard choices, in total and per block, and
     * gives the progress bar's status.
     */
    private static final class EpochRecorder extends BaseTrainingListener {
        private final LatencyModel model;
        private final SinglePathOutcome outcome;
        private String status = "";

        EpochRecorder(LatencyModel model, SinglePathOutcome outcome) {
            this.model = model;
            this.outcome = outcome;
        }

        String status() {
            return status;
        }

        @Override
        public void iterationDone(Model net, int iteration, int epoch) {
            LatencyModel.Estimate estimate = model.evaluate(net);
            SinglePathOutcome.Step step = new SinglePathOutcome.Step();
            step.iteration = iteration;
            step.epoch = epoch + 1; // DL4J counts the finished epochs from 0
            step.score = net.score();
            step.predictedMs = estimate.ms();
            step.blockMs.putAll(estimate.layerMs());
            outcome.steps.add(step);
            status = String.format(Locale.ROOT, "loss %.3f, %.2f ms (target %.2f)", step.score, step.predictedMs,
                    outcome.targetMs);
        }
    }

    private static void describeBlocks(List<SearchableBlock> blocks, Map<String, SuperkernelChoice> choices,
                                       CandidateLatencyTable table, SinglePathOutcome outcome) {
        for (SearchableBlock block : blocks) {
            SuperkernelChoice choice = choices.get(block.name());
            CandidateLatencyTable.Entry entry = table.entry(block.name());
            SinglePathOutcome.Block b = new SinglePathOutcome.Block();
            b.name = block.name();
            b.height = block.height();
            b.width = block.width();
            b.inChannels = block.inChannels();
            b.outChannels = block.outChannels();
            b.stride = block.depthwise().getStride()[0];
            b.kernelSize = choice.kernelSize();
            b.expansionRatio = choice.ratio();
            b.channels = choice.channels();
            b.skip = choice.skip();
            b.choice = choice.toString();
            b.predictedMs = entry.ms(choice);
            b.largestMs = entry.ms(entry.kernelSizes().length - 1, entry.channels().length - 1);
            outcome.blocks.add(b);
        }
    }

    /** The plain network of the largest candidates (the supernet's latency, measured). */
    private static ComputationGraph exportLargest(SinglePathSupernet supernet, ComputationGraph net) {
        Map<String, SuperkernelChoice> largest = new LinkedHashMap<>();
        supernet.blocks().forEach(b -> largest.put(b.name(),
                b.space().candidate(b.space().shells().count() - 1, b.space().groups().count() - 1)));
        return SinglePathExport.export(supernet, net, largest);
    }

    /** Random input of a convolutional input type. */
    private static INDArray random(InputType type, int batchSize) {
        long[] shape = type.getShape(false);
        return Nd4j.rand(DataType.FLOAT, batchSize, shape[0], shape[1], shape[2]);
    }
}
