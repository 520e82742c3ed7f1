package io.dl4jdms.benchmarks.dmsvsuniform;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.search.DefaultSupernet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The plain networks the study trains: the {@code dms search} base layout ({@link DefaultSupernet}: stride-2 stem of 12,
 * stages 12-24-48 of two basic blocks) at a width and depth multiplier, exported as stock DL4J layers with
 * {@link SlimExporter}; the multiplier that brings it to a FLOPs target; and a one-line description of any network of
 * that layout (including a searched one).
 */
final class StudyNetworks {

    /** The largest width multiplier the bisection tries. */
    static final double MAX_WIDTH = 4.0;
    private static final double MIN_WIDTH = 0.05;
    private static final int BISECTION_STEPS = 20;
    private static final Pattern BLOCK = Pattern.compile("s(\\d+)b(\\d+)_conv(\\d+)");

    private StudyNetworks() {
    }

    /** A plain network's configuration and the multipliers that made it. */
    record Scaled(ComputationGraphConfiguration configuration, double width, double depth, double flops) {
    }

    /** The base layout at these multipliers, as a plain network's configuration (weights seeded with {@code seed}). */
    static ComputationGraphConfiguration plain(SearchData data, double width, double depth, long seed) {
        ComputationGraph supernet = new ComputationGraph(DefaultSupernet.configuration(data.height(), data.width(),
                data.channels(), data.classes(), width, depth, seed));
        supernet.init();
        return SlimExporter.export(supernet).getConfiguration();
    }

    /** Multiply-accumulates of one forward pass of one example. */
    static double flops(ComputationGraphConfiguration conf, SearchData data) {
        return PlainNetworkCounter.count(conf, ResourceKind.FLOPS, data.inputType());
    }

    /** Trainable parameters. */
    static double params(ComputationGraphConfiguration conf, SearchData data) {
        return PlainNetworkCounter.count(conf, ResourceKind.PARAMS, data.inputType());
    }

    /**
     * The base layout at depth multiplier {@code depth}, scaled uniformly in width to the FLOPs closest to
     * {@code targetFlops} (bisection on the width multiplier; widths are whole channels, so it lands near, not on the
     * target).
     *
     * @throws IllegalArgumentException if even the widest network tried is below the target or the narrowest above
     */
    static Scaled uniform(SearchData data, double targetFlops, double depth, long seed) {
        double low = MIN_WIDTH;
        double high = MAX_WIDTH;
        if (flops(plain(data, high, depth, seed), data) < targetFlops || flops(plain(data, low, depth, seed), data) > targetFlops) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "no width multiplier in [%.2f, %.1f]"
                    + " at depth %.2f reaches %.0f FLOPs", low, high, depth, targetFlops));
        }
        for (int i = 0; i < BISECTION_STEPS; i++) {
            double mid = (low + high) / 2;
            if (flops(plain(data, mid, depth, seed), data) <= targetFlops) {
                low = mid;
            } else {
                high = mid;
            }
        }
        ComputationGraphConfiguration below = plain(data, low, depth, seed);
        ComputationGraphConfiguration above = plain(data, high, depth, seed);
        double fb = flops(below, data);
        double fa = flops(above, data);
        return Math.abs(fb - targetFlops) <= Math.abs(fa - targetFlops)
                ? new Scaled(below, low, depth, fb) : new Scaled(above, high, depth, fa);
    }

    /**
     * One line per network of the base layout: the stem's width, then per stage its stream width and the inner width
     * of each kept block, e.g. {@code stem 12 | s1 12: 9,12 | s2 24: 20 | s3 48: 40,33} (stage 2 kept one block).
     */
    static String describe(ComputationGraphConfiguration conf) {
        Map<Integer, Map<Integer, long[]>> stages = new TreeMap<>();
        long stem = -1;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof ConvolutionLayer c)) {
                continue;
            }
            if (e.getKey().equals("stem_conv")) {
                stem = c.getNOut();
                continue;
            }
            Matcher m = BLOCK.matcher(e.getKey());
            if (m.matches()) {
                long[] widths = stages.computeIfAbsent(Integer.parseInt(m.group(1)), s -> new TreeMap<>())
                        .computeIfAbsent(Integer.parseInt(m.group(2)), b -> new long[2]);
                widths[Integer.parseInt(m.group(3)) == 1 ? 0 : 1] = c.getNOut();
            }
        }
        StringBuilder s = new StringBuilder("stem " + stem);
        stages.forEach((stage, blocks) -> {
            long stream = blocks.values().stream().mapToLong(w -> w[1]).max().orElse(0);
            s.append(" | s").append(stage).append(' ').append(stream).append(':');
            String sep = " ";
            for (long[] w : blocks.values()) {
                s.append(sep).append(w[0]);
                sep = ",";
            }
        });
        return s.toString();
    }
}
