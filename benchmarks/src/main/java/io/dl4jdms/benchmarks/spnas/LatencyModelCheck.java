package io.dl4jdms.benchmarks.spnas;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.latency.LatencyCalibration;
import io.dl4jdms.spnas.search.SinglePathExport;
import io.dl4jdms.spnas.search.SinglePathSearch;
import io.dl4jdms.supernet.SinglePathSupernet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Does the Single-Path NAS latency model hold for networks it was not fitted on? Profiles the default supernet's
 * candidates and fits the fixed part and scale on 8 whole networks exactly as {@code dms spnas} does (one thread,
 * thread CPU time, lower quartile), then times other networks of the space (the largest, and random ones drawn
 * with another seed) interleaved, and prints predicted against measured. Run it several times (separate JVMs)
 * to see how the model holds from run to run.
 *
 * <p>Arguments (optional): {@code --networks N} held-out random networks (default 8), {@code --seed N} (default 1),
 * {@code --wall} to read wall-clock time instead of the thread's CPU time, {@code --warmup-seconds S} and
 * {@code --batch N} (defaults: those of {@code dms spnas}).
 */
public final class LatencyModelCheck {

    private LatencyModelCheck() {
    }

    public static void main(String[] args) {
        int networks = 8;
        long seed = 1;
        LatencyProfiler.Clock clock = LatencyProfiler.Clock.THREAD_CPU;
        double warmupSeconds = SinglePathSearch.Settings.DEFAULT_PROFILE_WARMUP_SECONDS;
        int batch = SinglePathSearch.Settings.DEFAULT_LATENCY_BATCH;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--networks" -> networks = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--wall" -> clock = LatencyProfiler.Clock.WALL;
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
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
                networks, seed + 1000).subList(4, 4 + networks));
        held.add(0, LatencyCalibration.choices(supernet.blocks(), 0, 0).get(0));
        List<ComputationGraph> nets = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        for (Map<String, SuperkernelChoice> c : held) {
            nets.add(SinglePathExport.export(supernet, template, c));
            inputs.add(input);
        }
        double[] measured = profiler.wholeNetworkTimes(nets, inputs);
        double worst = 0;
        for (int n = 0; n < held.size(); n++) {
            double predicted = table.predictMs(LatencyCalibration.sumOfEntries(table, held.get(n)));
            double error = predicted / measured[n] - 1;
            worst = Math.max(worst, Math.abs(error));
            List<String> parts = new ArrayList<>();
            held.get(n).values().forEach(ch -> parts.add(ch.skip() ? "skip" : ch.kernelSize() + "/"
                    + (int) ch.ratio()));
            System.out.printf(Locale.ROOT, "%-9s predicted %6.3f ms measured %6.3f ms error %+6.1f%%  %s%n",
                    n == 0 ? "largest" : "random" + n, predicted, measured[n], 100 * error, String.join(" ", parts));
        }
        System.out.printf(Locale.ROOT, "largest error on %d networks not in the fit: %.1f%%%n", held.size(), 100 * worst);
        // The largest network was timed in the fit too: how much faster or slower this process runs now than then.
        double drift = measured[0] / calibrated.getValue().measuredMs()[0];
        double worstWithoutDrift = 0;
        for (int n = 0; n < held.size(); n++) {
            double predicted = table.predictMs(LatencyCalibration.sumOfEntries(table, held.get(n)));
            worstWithoutDrift = Math.max(worstWithoutDrift, Math.abs(predicted * drift / measured[n] - 1));
        }
        System.out.printf(Locale.ROOT, "largest network: %.3f ms in the fit, %.3f ms now (%+.1f%%); largest error with"
                + " that drift taken out: %.1f%%%n", calibrated.getValue().measuredMs()[0], measured[0],
                100 * (drift - 1), 100 * worstWithoutDrift);
    }
}
