package io.dl4jdms.benchmarks.spnas;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import io.dl4jdms.spnas.latency.SearchableBlock;
import io.dl4jdms.spnas.latency.LatencyCalibration;
import io.dl4jdms.spnas.search.SinglePathExport;
import io.dl4jdms.spnas.search.SinglePathSearch;
import io.dl4jdms.supernet.SinglePathSupernet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Does the Single-Path NAS latency model hold for networks it was not fitted on? Profiles the default supernet's
 * candidates and fits the fixed part and scale on 9 whole networks exactly as {@code dms spnas} does (one thread,
 * thread CPU time, lower quartile), then times other networks of the space (the largest, and random ones drawn
 * with another seed) interleaved with the calibration's gauge network, and prints predicted against measured, both
 * as measured now and at the table's speed ({@link LatencyCalibration#measure}). Run it several times (separate JVMs)
 * to see how the model holds from run to run.
 *
 * <p>Arguments (optional): {@code --networks N} held-out random networks (default 8), {@code --seed N} (default 1),
 * {@code --wall} to read wall-clock time instead of the thread's CPU time, {@code --warmup-seconds S} and
 * {@code --batch N} (defaults: those of {@code dms spnas}), {@code --skip-corners} to add the largest network with
 * every subset of two or more skippable blocks skipped ({@link #largestWithSkips}).
 */
public final class LatencyModelCheck {

    private LatencyModelCheck() {
    }

    /**
     * The largest candidate in every block with every subset of at least two skippable blocks skipped: the kind of
     * network a latency search ends with (the skip gates are its largest single steps).
     */
    static List<Map<String, SuperkernelChoice>> largestWithSkips(List<SearchableBlock> blocks) {
        List<Integer> skippable = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            if (blocks.get(b).space().skippable()) {
                skippable.add(b);
            }
        }
        List<Map<String, SuperkernelChoice>> out = new ArrayList<>();
        for (int mask = 0; mask < (1 << skippable.size()); mask++) {
            if (Integer.bitCount(mask) < 2) {
                continue;
            }
            Map<String, SuperkernelChoice> m = new LinkedHashMap<>();
            for (int b = 0; b < blocks.size(); b++) {
                SuperkernelSpace space = blocks.get(b).space();
                int k = skippable.indexOf(b);
                m.put(blocks.get(b).name(), k >= 0 && (mask & (1 << k)) != 0 ? space.choice(0, 0)
                        : space.candidate(space.shells().count() - 1, space.groups().count() - 1));
            }
            out.add(m);
        }
        return out;
    }

    public static void main(String[] args) {
        int networks = 8;
        long seed = 1;
        LatencyProfiler.Clock clock = LatencyProfiler.Clock.THREAD_CPU;
        double warmupSeconds = SinglePathSearch.Settings.DEFAULT_PROFILE_WARMUP_SECONDS;
        int batch = SinglePathSearch.Settings.DEFAULT_LATENCY_BATCH;
        boolean skipCorners = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--networks" -> networks = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--wall" -> clock = LatencyProfiler.Clock.WALL;
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--skip-corners" -> skipCorners = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        SinglePathSupernet supernet = SinglePathSupernet.builder().build();
        LatencyProfiler profiler = LatencyProfiler.builder().batchSize(batch).warmup(20).warmupSeconds(warmupSeconds).repeats(50)
                .threads(1).quantile(0.25).clock(clock).build();
        ComputationGraph template = new ComputationGraph(supernet.configuration());
        template.init();
        long[] shape = supernet.inputType().getShape(false);
        INDArray input = Nd4j.rand(DataType.FLOAT, batch, shape[0], shape[1], shape[2]);
        long start = System.nanoTime();
        var calibrated = LatencyCalibration.profile(profiler, supernet.blocks(),
                LatencyCalibration.choices(supernet.blocks(), 4, seed),
                choices -> SinglePathExport.export(supernet, template, choices), input);
        CandidateLatencyTable table = calibrated.getKey();
        System.out.printf(Locale.ROOT, "profiled and fitted in %.0f s: fixed %.3f ms, scale %.3f, largest error %.1f%%,"
                        + " left out %.1f%%, %s%n", (System.nanoTime() - start) / 1e9, table.fixedMs(), table.scale(),
                100 * calibrated.getValue().maxError(), 100 * calibrated.getValue().leaveOneOutMaxError(),
                table.backendBuild());
        List<Map<String, SuperkernelChoice>> held = new ArrayList<>(LatencyCalibration.choices(supernet.blocks(),
                networks, seed + 1000).subList(LatencyCalibration.CORNERS, LatencyCalibration.CORNERS + networks));
        held.add(0, LatencyCalibration.choices(supernet.blocks(), 0, 0).get(0));
        if (skipCorners) {
            held.addAll(largestWithSkips(supernet.blocks()));
        }
        List<ComputationGraph> nets = new ArrayList<>();
        for (Map<String, SuperkernelChoice> c : held) {
            nets.add(SinglePathExport.export(supernet, template, c));
        }
        LatencyCalibration.Measured measured = LatencyCalibration.measure(profiler, table, supernet.blocks(),
                c -> SinglePathExport.export(supernet, template, c), nets, input);
        double worst = 0;
        double worstAtTableSpeed = 0;
        for (int n = 0; n < held.size(); n++) {
            double predicted = table.predictMs(LatencyCalibration.sumOfEntries(table, held.get(n)));
            double error = predicted / measured.ms()[n] - 1;
            double errorAtTableSpeed = predicted / measured.atTableSpeedMs()[n] - 1;
            worst = Math.max(worst, Math.abs(error));
            worstAtTableSpeed = Math.max(worstAtTableSpeed, Math.abs(errorAtTableSpeed));
            List<String> parts = new ArrayList<>();
            held.get(n).values().forEach(ch -> parts.add(ch.skip() ? "skip" : ch.kernelSize() + "/"
                    + (int) ch.ratio()));
            System.out.printf(Locale.ROOT, "%-9s predicted %6.3f ms measured %6.3f ms (%+6.1f%%), at the table's speed"
                            + " %6.3f ms (%+6.1f%%)  %s%n", n == 0 ? "largest" : n <= networks ? "random" + n
                            : "skips" + (n - networks), predicted,
                    measured.ms()[n], 100 * error, measured.atTableSpeedMs()[n], 100 * errorAtTableSpeed,
                    String.join(" ", parts));
        }
        System.out.printf(Locale.ROOT, "gauge network: %.3f ms in the table's measurement, %.3f ms now (%+.1f%%: the"
                + " machine's drift)%n", table.gaugeMs(), measured.gaugeMs(), 100 * (measured.gaugeMs() / table.gaugeMs() - 1));
        System.out.printf(Locale.ROOT, "largest error on %d networks not in the fit: %.1f%% as measured now, %.1f%% at"
                + " the table's speed%n", held.size(), 100 * worst, 100 * worstAtTableSpeed);
        System.out.printf(Locale.ROOT, "largest network: %.3f ms in the fit, %.3f ms now, %.3f ms at the table's speed%n",
                calibrated.getValue().measuredMs()[0], measured.ms()[0], measured.atTableSpeedMs()[0]);
    }
}
