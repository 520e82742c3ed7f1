package io.dl4jdms.benchmarks.spnas;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.latency.LatencyCalibration;
import io.dl4jdms.spnas.latency.SearchableBlock;
import io.dl4jdms.spnas.search.SinglePathExport;
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
 * Does a latency measurement drift within one JVM? Times the default supernet's candidates, then 8 whole networks
 * of its space, in separate passes, several times over (one thread, thread CPU time, lower quartile, 3 s of
 * untimed rounds per pass), and prints per pass the sum of the table's entries and the measured time of each whole
 * network; the last pass's table in full. A table made in the first pass and networks timed in a later one differ by
 * whatever changed in between.
 *
 * <p>Arguments (optional): batch size (default 1), {@code wall} for wall-clock time, passes (default 3).
 */
public final class LatencyDrift {

    private LatencyDrift() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        LatencyProfiler.Clock clock = args.length > 1 && args[1].equals("wall") ? LatencyProfiler.Clock.WALL
                : LatencyProfiler.Clock.THREAD_CPU;
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        SinglePathSupernet supernet = SinglePathSupernet.builder().build();
        LatencyProfiler profiler = LatencyProfiler.builder().batchSize(batch).warmup(20).warmupSeconds(3).repeats(50)
                .threads(1).quantile(0.25).clock(clock).build();
        ComputationGraph template = new ComputationGraph(supernet.configuration());
        template.init();
        long[] shape = supernet.inputType().getShape(false);
        INDArray input = Nd4j.rand(DataType.FLOAT, batch, shape[0], shape[1], shape[2]);
        List<Map<String, SuperkernelChoice>> choices = LatencyCalibration.choices(supernet.blocks(), 4, 1);
        List<ComputationGraph> networks = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        for (Map<String, SuperkernelChoice> c : choices) {
            networks.add(SinglePathExport.export(supernet, template, c));
            inputs.add(input);
        }
        for (int pass = 0; pass < passes; pass++) {
            long start = System.nanoTime();
            CandidateLatencyTable table = profiler.profile(supernet.blocks());
            double[] measured = profiler.wholeNetworkTimes(networks, inputs);
            StringBuilder line = new StringBuilder();
            for (int n = 0; n < measured.length; n++) {
                line.append(String.format(Locale.ROOT, " %.2f/%.2f", LatencyCalibration.sumOfEntries(table,
                        choices.get(n)), measured[n]));
            }
            System.out.printf(Locale.ROOT, "pass %d (%.0f s) sum of entries/measured ms:%s%n", pass,
                    (System.nanoTime() - start) / 1e9, line);
            if (pass == passes - 1) {
                for (SearchableBlock b : supernet.blocks()) {
                    System.out.println("  " + table.entry(b.name()));
                }
            }
        }
    }
}
