package io.dl4jdms.benchmarks.dmsvsuniform;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.latency.ChannelLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchHistory;
import io.dl4jdms.pipeline.SearchProgress;
import io.dl4jdms.resource.BudgetFit;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.search.DefaultSupernet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * The latency-budget run of the study ({@code --latency-target F,F}): per seed and target, a DMS search with a latency
 * budget against the base network scaled uniformly in width to the same measured latency, both retrained like the
 * study's other cells ({@code dms-latency} and {@code width-latency} cells).
 *
 * <p>{@code dms search} takes FLOPs or parameter budgets only, so the search is put together here from the library's
 * parts as {@code DmsSearch} does it for FLOPs: the supernet of {@link DefaultSupernet} (enlarged by
 * {@code --width-multiplier}), a per-channel {@link ChannelLatencyTable} measured at batch 1 with
 * {@link LatencyProfiler} ({@link #profile}, in {@code latency-table.json}, reused when present), {@link TaylorImportanceListener},
 * {@link ResourceLossListener} on {@link ResourceKind#LATENCY} with the geometric schedule reaching the target at 80% of
 * the iterations and depth frozen from there, then {@link BudgetFit} to 1% and {@link SlimExporter}. The target is
 * {@code F} times the base network's latency as the same table predicts it. The uniform network is the width whose
 * measured batch-1 latency comes closest to the searched network's measured latency (bisection on the ratio of the
 * two, timed interleaved).
 *
 * <p>Nothing is timed in the training process (it runs at the lowest priority beside other work, where a batch-1 time
 * means little): the table and the matching are timing runs of their own, {@link #profile()} ({@code
 * --profile-latency}, run alone under the timing lock). The training step searches, writes the searched configuration
 * ({@code searched.json} in the {@code dms-latency} cell) and trains the searched network; the next {@code
 * --profile-latency} matches the uniform width to it ({@code match.json} in the {@code width-latency} cell); the
 * training step after that trains the uniform network. The study script runs these steps in that order.
 */
final class LatencyRun {

    private static final int BISECTION_STEPS = 10;
    static final String TABLE = "latency-table.json";
    /** In a {@code dms-latency} cell: the searched network's configuration, written when its search ends. */
    static final String SEARCHED = "searched.json";
    /** In a {@code dms-latency} cell: the cell as the search left it, before its training. */
    static final String SEARCH = "search.json";
    /** In a {@code width-latency} cell: the uniform width matched to the searched network under the timing lock. */
    static final String MATCH = "match.json";

    private final DmsVsUniformStudy study;
    private final SearchData data;

    LatencyRun(DmsVsUniformStudy study, SearchData data) {
        this.study = study;
        this.data = data;
    }

    void run() throws IOException {
        DmsVsUniformStudy.Options o = study.options();
        for (long seed : o.seedList()) {
            for (double target : o.latencyTargets) {
                Path dmsDir = study.cellDir("dms-latency", target, seed);
                Path uniformDir = study.cellDir("width-latency", target, seed);
                if (!Files.exists(dmsDir.resolve("cell.json"))) {
                    searchAndTrain(target, seed, dmsDir);
                }
                if (!Files.exists(uniformDir.resolve("cell.json"))) {
                    trainUniform(target, seed, dmsDir, uniformDir);
                }
            }
        }
    }

    /** Searches (unless the searched configuration is already saved), saves the configuration, trains the network. */
    private void searchAndTrain(double fraction, long seed, Path dmsDir) throws IOException {
        Files.createDirectories(dmsDir);
        Path pending = dmsDir.resolve(SEARCH);
        if (!Files.exists(pending) || !Files.exists(dmsDir.resolve(SEARCHED))) {
            CellResult dms = search(fraction, seed, dmsDir);
            DmsVsUniformStudy.writeAtomically(pending, dms);
        }
        CellResult dms = DmsVsUniformStudy.JSON.readValue(pending.toFile(), CellResult.class);
        study.train(data, searched(dmsDir), seed, dms, dmsDir);
    }

    /** Trains the uniform network of the latency budget if {@link #profile()} has matched its width, else says so. */
    private void trainUniform(double fraction, long seed, Path dmsDir, Path uniformDir) throws IOException {
        Path matchFile = uniformDir.resolve(MATCH);
        if (!Files.exists(matchFile)) {
            study.log().accept(String.format(Locale.ROOT, "latency target %.3f seed %d: the uniform network is not matched"
                    + " to the searched one yet; run --profile-latency (a timing run, under the lock), then train again",
                    fraction, seed));
            return;
        }
        Match match = DmsVsUniformStudy.JSON.readValue(matchFile.toFile(), Match.class);
        CellResult dms = DmsVsUniformStudy.JSON.readValue(dmsDir.resolve(SEARCH).toFile(), CellResult.class);
        ComputationGraphConfiguration conf = StudyNetworks.plain(data, match.width, 1.0, seed);
        CellResult width = cell("width-latency", fraction, seed, dms.targetLatencyMs, dms.targetFlops);
        width.widthMultiplier = match.width;
        width.depthMultiplier = 1.0;
        width.search.put("measuredMs", match.uniformMs);
        width.search.put("searchedMeasuredMs", match.searchedMs);
        width.search.put("measuredOverSearched", match.uniformMs / match.searchedMs);
        width.search.put("matchLoadBefore", match.loadBefore);
        width.search.put("matchLoadAfter", match.loadAfter);
        study.train(data, conf, seed, width, uniformDir);
    }

    /** The DMS search with a latency budget; writes {@code searched.json}, returns the cell before its training. */
    private CellResult search(double fraction, long seed, Path dmsDir) throws IOException {
        DmsVsUniformStudy.Options o = study.options();
        ComputationGraph supernet = supernet(data, o, seed);
        ResourceModel model = ResourceModel.of(supernet, data.inputType());
        ResourceModel timed = model.withLatency(table());
        ComputationGraph base = new ComputationGraph(DefaultSupernet.configuration(data.height(), data.width(),
                data.channels(), data.classes(), 1.0, 1.0, seed));
        base.init();
        double baseMs = ResourceModel.of(base, data.inputType()).withLatency(timed.latencyTable())
                .full(ResourceKind.LATENCY);
        double targetMs = fraction * baseMs;
        double floorMs = timed.smallest(ResourceKind.LATENCY);
        if (targetMs <= floorMs) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--latency-target %.3f: %.3f ms, that fraction of"
                    + " the base network's predicted %.3f ms, is below the smallest network the supernet can build (%.3f ms,"
                    + " %.3f of the base: per-layer overheads the pruning cannot remove); choose a target above %.3f",
                    fraction, targetMs, baseMs, floorMs, floorMs / baseMs, floorMs / baseMs));
        }

        long iterations = (long) o.searchEpochs * ((data.numTrain() + o.batch - 1) / o.batch);
        ResourceLossListener resource = ResourceLossListener.builder(timed).kind(ResourceKind.LATENCY)
                .targetAbsolute(targetMs).weight(5.0).geometricSchedule(iterations, 0.8)
                .freezeDepthFrom(Math.round(iterations * 0.8)).build();
        supernet.setListeners(new TaylorImportanceListener(), resource);
        long start = System.nanoTime();
        PhaseTrainer.train(supernet, data, o.batch, seed, "search", 1, o.searchEpochs, new SearchHistory(),
                SearchProgress.NONE, null, epoch -> { });
        for (TopkOperator op : timed.operators()) {
            op.setHardMask(true);
        }
        double searchEndMs = timed.evaluate(ResourceKind.LATENCY).value();
        BudgetFit.Result fit = BudgetFit.fit(timed, ResourceKind.LATENCY, targetMs, 0.01);
        double searchedMs = timed.evaluate(ResourceKind.LATENCY).value();
        ComputationGraphConfiguration searched = SlimExporter.export(supernet).getConfiguration();
        double searchSeconds = (System.nanoTime() - start) / 1e9;
        Path tmp = dmsDir.resolve(SEARCHED + ".tmp");
        Files.writeString(tmp, searched.toJson());
        Files.move(tmp, dmsDir.resolve(SEARCHED), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        CellResult dms = cell("dms-latency", fraction, seed, targetMs, StudyNetworks.flops(searched, data));
        dms.searchSeconds = searchSeconds;
        dms.search.put("baseNetworkPredictedMs", baseMs);
        dms.search.put("targetPredictedMs", targetMs);
        dms.search.put("searchEndPredictedMs", searchEndMs);
        dms.search.put("budgetFitRemoved", fit.removed.size());
        dms.search.put("searchedPredictedMs", searchedMs);
        study.log().accept(String.format(Locale.ROOT, "latency target %.3f seed %d: target %.3f ms (predicted), searched"
                + " %.3f ms predicted", fraction, seed, targetMs, searchedMs));
        return dms;
    }

    private static ComputationGraphConfiguration searched(Path dmsDir) throws IOException {
        return ComputationGraphConfiguration.fromJson(Files.readString(dmsDir.resolve(SEARCHED)));
    }

    /** The uniform width matched to a searched network in {@link #profile()}: {@code match.json}. */
    static final class Match {
        public double width;
        /** Batch-1 milliseconds of the searched and of the uniform network, timed interleaved after the matching. */
        public double searchedMs;
        public double uniformMs;
        public String loadBefore;
        public String loadAfter;
    }

    private static ComputationGraph supernet(SearchData data, DmsVsUniformStudy.Options o, long seed) {
        ComputationGraph supernet = new ComputationGraph(DefaultSupernet.configuration(data.height(), data.width(),
                data.channels(), data.classes(), o.widthMultiplier, 1.0, seed));
        supernet.init();
        return supernet;
    }

    /**
     * The latency-budget run's timing step ({@code --profile-latency}; the script runs it alone under the timing lock):
     * measures the supernet's per-channel latency table at batch 1 into {@code latency-table.json} (kept when present),
     * then matches a uniform width to every searched network that has none yet ({@code match.json}).
     */
    void profile() throws IOException {
        DmsVsUniformStudy.Options o = study.options();
        Path file = o.out.resolve(TABLE);
        java.util.function.Consumer<String> log = study.log();
        if (Files.exists(file)) {
            log.accept(file + " exists, not measured again");
        } else {
            log.accept("measuring the per-channel latency table (batch 1) of the supernet; load "
                    + DmsVsUniformStudy.loadAverage());
            ChannelLatencyTable table = LatencyProfiler.builder().batchSize(1).points(3).build()
                    .profile(ResourceModel.of(supernet(data, o, 1), data.inputType()));
            table.write(file.toFile());
            log.accept("load after measuring: " + DmsVsUniformStudy.loadAverage());
        }
        for (long seed : o.seedList()) {
            for (double target : o.latencyTargets) {
                Path dmsDir = study.cellDir("dms-latency", target, seed);
                Path matchFile = study.cellDir("width-latency", target, seed).resolve(MATCH);
                if (Files.exists(dmsDir.resolve(SEARCHED)) && !Files.exists(matchFile)) {
                    match(target, seed, searched(dmsDir), matchFile);
                }
            }
        }
    }

    /** Finds the uniform width of the searched network's measured latency and writes {@code match.json}. */
    private void match(double fraction, long seed, ComputationGraphConfiguration searched, Path matchFile)
            throws IOException {
        Match match = new Match();
        match.loadBefore = DmsVsUniformStudy.loadAverage();
        LatencyProfiler profiler = LatencyProfiler.builder().batchSize(1).warmup(10).repeats(30).build();
        ComputationGraph searchedNet = fresh(searched);
        StudyNetworks.Scaled uniform = matchLatency(searchedNet, seed, profiler);
        double[] ms = profiler.wholeNetworkTimes(List.of(searchedNet, fresh(uniform.configuration())),
                List.of(input(), input()));
        match.width = uniform.width();
        match.searchedMs = ms[0];
        match.uniformMs = ms[1];
        match.loadAfter = DmsVsUniformStudy.loadAverage();
        Files.createDirectories(matchFile.getParent());
        DmsVsUniformStudy.writeAtomically(matchFile, match);
        study.log().accept(String.format(Locale.ROOT, "latency target %.3f seed %d: searched network %.3f ms measured,"
                + " uniform width %.3f %.3f ms (load %s)", fraction, seed, ms[0], uniform.width(), ms[1], match.loadAfter));
    }

    private ChannelLatencyTable table() throws IOException {
        Path file = study.options().out.resolve(TABLE);
        if (!Files.exists(file)) {
            throw new IllegalStateException("no " + file + ": run --profile-latency first (a timing run, under the lock)");
        }
        return ChannelLatencyTable.read(file.toFile());
    }

    /** A cell of the latency run; its "target FLOPs" are the searched network's, so both show FLOPs relative to it. */
    private static CellResult cell(String method, double fraction, long seed, double targetMs, double searchedFlops) {
        CellResult c = new CellResult();
        c.method = method;
        c.budgetKind = "latency";
        c.budget = fraction;
        c.seed = seed;
        c.targetLatencyMs = targetMs;
        c.targetFlops = searchedFlops;
        return c;
    }

    /** The base layout's width multiplier whose measured batch-1 latency is closest to the reference network's. */
    private StudyNetworks.Scaled matchLatency(ComputationGraph reference, long seed, LatencyProfiler profiler) {
        double low = 0.05;
        double high = study.options().widthMultiplier * 1.5;
        double best = Double.NaN;
        double bestGap = Double.POSITIVE_INFINITY;
        for (int i = 0; i < BISECTION_STEPS; i++) {
            double mid = (low + high) / 2;
            ComputationGraph candidate = fresh(StudyNetworks.plain(data, mid, 1.0, seed));
            double[] ms = profiler.wholeNetworkTimes(List.of(reference, candidate), List.of(input(), input()));
            double ratio = ms[1] / ms[0];
            if (Math.abs(ratio - 1) < bestGap) {
                bestGap = Math.abs(ratio - 1);
                best = mid;
            }
            if (ratio <= 1) {
                low = mid;
            } else {
                high = mid;
            }
        }
        ComputationGraphConfiguration conf = StudyNetworks.plain(data, best, 1.0, seed);
        return new StudyNetworks.Scaled(conf, best, 1.0, StudyNetworks.flops(conf, data));
    }

    private static ComputationGraph fresh(ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf.clone());
        net.init();
        return net;
    }

    private INDArray input() {
        return Nd4j.rand(DataType.FLOAT, 1, data.channels(), data.height(), data.width());
    }
}
