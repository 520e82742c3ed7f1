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
 * two, timed interleaved). Measurements run inside the training process: under load they are noisy (see the report).
 */
final class LatencyRun {

    private static final int BISECTION_STEPS = 10;
    static final String TABLE = "latency-table.json";

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
                if (Files.exists(dmsDir.resolve("cell.json")) && Files.exists(uniformDir.resolve("cell.json"))) {
                    continue;
                }
                runPair(target, seed, dmsDir, uniformDir);
            }
        }
    }

    private void runPair(double fraction, long seed, Path dmsDir, Path uniformDir) throws IOException {
        DmsVsUniformStudy.Options o = study.options();
        Files.createDirectories(dmsDir);
        Files.createDirectories(uniformDir);
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

        LatencyProfiler profiler = LatencyProfiler.builder().batchSize(1).warmup(10).repeats(30).build();
        ComputationGraph searchedNet = fresh(searched);
        StudyNetworks.Scaled uniform = matchLatency(searchedNet, seed, profiler);
        double[] ms = profiler.wholeNetworkTimes(List.of(searchedNet, fresh(uniform.configuration())),
                List.of(input(), input()));

        CellResult dms = cell("dms-latency", fraction, seed, targetMs, StudyNetworks.flops(searched, data));
        dms.searchSeconds = searchSeconds;
        dms.search.put("baseNetworkPredictedMs", baseMs);
        dms.search.put("targetPredictedMs", targetMs);
        dms.search.put("searchEndPredictedMs", searchEndMs);
        dms.search.put("budgetFitRemoved", fit.removed.size());
        dms.search.put("searchedPredictedMs", searchedMs);
        dms.search.put("measuredMs", ms[0]);
        CellResult width = cell("width-latency", fraction, seed, targetMs, dms.targetFlops);
        width.widthMultiplier = uniform.width();
        width.depthMultiplier = 1.0;
        width.search.put("measuredMs", ms[1]);
        width.search.put("measuredOverSearched", ms[1] / ms[0]);
        study.log().accept(String.format(Locale.ROOT, "latency target %.3f seed %d: target %.3f ms (predicted), searched"
                        + " %.3f predicted / %.3f measured ms, uniform width %.3f measured %.3f ms", fraction, seed, targetMs,
                searchedMs, ms[0], uniform.width(), ms[1]));
        if (!Files.exists(dmsDir.resolve("cell.json"))) {
            study.train(data, searched, seed, dms, dmsDir);
        }
        if (!Files.exists(uniformDir.resolve("cell.json"))) {
            study.train(data, uniform.configuration(), seed, width, uniformDir);
        }
    }

    private static ComputationGraph supernet(SearchData data, DmsVsUniformStudy.Options o, long seed) {
        ComputationGraph supernet = new ComputationGraph(DefaultSupernet.configuration(data.height(), data.width(),
                data.channels(), data.classes(), o.widthMultiplier, 1.0, seed));
        supernet.init();
        return supernet;
    }

    /**
     * Measures the supernet's per-channel latency table at batch 1 into {@code latency-table.json} (a timing run: the
     * script runs it alone under the timing lock before the training); kept when present.
     */
    static void profile(DmsVsUniformStudy.Options o, SearchData data, java.util.function.Consumer<String> log)
            throws IOException {
        Path file = o.out.resolve(TABLE);
        if (Files.exists(file)) {
            log.accept(file + " exists, not measured again");
            return;
        }
        log.accept("measuring the per-channel latency table (batch 1) of the supernet; load " + DmsVsUniformStudy.loadAverage());
        ChannelLatencyTable table = LatencyProfiler.builder().batchSize(1).points(3).build()
                .profile(ResourceModel.of(supernet(data, o, 1), data.inputType()));
        table.write(file.toFile());
        log.accept("load after measuring: " + DmsVsUniformStudy.loadAverage());
    }

    private ChannelLatencyTable table() throws IOException {
        Path file = study.options().out.resolve(TABLE);
        if (!Files.exists(file)) {
            study.log().accept("no " + file + " (--profile-latency): measuring it inside the training process");
            profile(study.options(), data, study.log());
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
