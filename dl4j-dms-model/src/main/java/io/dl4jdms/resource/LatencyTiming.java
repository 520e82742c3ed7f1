package io.dl4jdms.resource;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the latency profilers share: the description of the backend and the machine that goes into a
 * {@link MeasuredTable}, and the timing loop (warm-up runs, timed runs, a quantile of the times). Every
 * run ends with {@code Nd4j.getExecutioner().commit()}, so asynchronous backends are timed to completion.
 * Used by {@link LatencyProfiler} and by the Single-Path NAS profiler
 * ({@code io.dl4jdms.spnas.latency.LatencyProfiler}).
 */
public final class LatencyTiming {

    private LatencyTiming() {
    }

    /**
     * Runs each network once per round, {@code warmup} untimed rounds, then {@code repeats} timed rounds, and
     * calls {@code roundDone} after every round; the {@code q}-quantile of each network's times, in ms.
     */
    public static double[] interleavedTimes(List<? extends Model> networks, List<INDArray> inputs, int warmup,
                                            int repeats, double q, Runnable roundDone) {
        double[][] times = new double[networks.size()][repeats];
        for (int r = -warmup; r < repeats; r++) {
            for (int n = 0; n < networks.size(); n++) {
                long start = System.nanoTime();
                run(networks.get(n), inputs.get(n));
                if (r >= 0) {
                    times[n][r] = (System.nanoTime() - start) / 1e6;
                }
            }
            roundDone.run();
        }
        double[] quantiles = new double[networks.size()];
        for (int n = 0; n < quantiles.length; n++) {
            quantiles[n] = quantile(times[n], q);
        }
        return quantiles;
    }

    /** One inference forward pass, completed on the backend. */
    public static void run(Model net, INDArray input) {
        if (net instanceof ComputationGraph) {
            ((ComputationGraph) net).outputSingle(false, input);
        } else if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).output(input, false);
        } else {
            throw new IllegalArgumentException("latency profiler: expected a ComputationGraph or a MultiLayerNetwork, got "
                    + net.getClass().getName());
        }
        Nd4j.getExecutioner().commit();
    }

    /** The q-quantile of the values, interpolated linearly between order statistics (q = 0.5: the median). */
    public static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    /** The ND4J backend in use: "CPU", "CUDA", ... */
    public static String backend() {
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        return backend == null ? Nd4j.getBackend().getClass().getSimpleName() : backend;
    }

    /**
     * What ND4J reports about the machine, plus the JVM and OS, sorted by key.
     *
     * @param scalars whether ND4J's number and boolean values are recorded too, not only its strings
     */
    public static Map<String, String> environment(boolean scalars) {
        Map<String, String> out = new TreeMap<>();
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        for (String key : p.stringPropertyNames()) {
            out.put(key, p.getProperty(key));
        }
        if (scalars) {
            p.forEach((k, v) -> {
                if (v instanceof Number || v instanceof Boolean) {
                    out.put(String.valueOf(k), String.valueOf(v));
                }
            });
        }
        out.put("os.arch", System.getProperty("os.arch"));
        out.put("os.name", System.getProperty("os.name"));
        out.put("java.version", System.getProperty("java.version"));
        out.put("availableProcessors", String.valueOf(Runtime.getRuntime().availableProcessors()));
        return out;
    }
}
