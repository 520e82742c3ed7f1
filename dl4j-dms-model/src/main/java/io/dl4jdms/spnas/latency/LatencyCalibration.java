package io.dl4jdms.spnas.latency;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Fits a {@link CandidateLatencyTable}'s fixed part and scale on whole networks of the search space, so that
 * {@code fixed + scale * sum of the blocks' entries} predicts what the whole network measures.
 *
 * <p>Why: a block timed alone is not the same block inside a network. Alone, its input and weights come cold
 * from memory (the profiler runs dozens of other networks in between), and it pays a call's bookkeeping; inside a
 * network, its input was written by the layer just before and is still in the caches. On the default supernet at
 * batch 1 the blocks alone added up to about 1.35 times what they took inside the network, which is where a
 * prediction 35% above the measured time came from. The calibration times a few whole networks of the space
 * (the largest, the smallest, uniform choices in between, the largest with its skippable blocks skipped, and random
 * ones) and fits {@code measured = fixed + scale * sum} by least squares (with {@code fixed >= 0}). The stem, the
 * head and the call overhead end up in {@code fixed}; the isolation effect in {@code scale}.
 *
 * <p>The candidates' measurement (one warm-up, every round runs every candidate, every calibration network and a
 * <em>gauge</em> once) gives the table's entries and the gauge's time. The gauge is a fixed network of the space
 * that is not one of the calibration networks ({@link #gaugeChoices}); its time goes into the table
 * ({@link CandidateLatencyTable#gaugeMs()}) as the machine's speed when the table was made. A network timed later is
 * timed interleaved with the same gauge ({@link #measure}); its time in units of the gauge's, times the gauge's time
 * in the table, is what the network takes at the table's speed, which is what the table predicts. The calibration
 * networks are timed that same way, in a second pass right after the first, and the fit is made on those times: the
 * model is fitted on exactly the quantity it is later checked against. On a virtual machine whose speed drifts by up to 2x
 * from one second to the next, only that comparison tells the model's error apart from the machine's drift.
 *
 * <p>The facts of the fit go into the table's environment: {@code calibrationNetworks},
 * {@code calibrationMaxError} (the largest relative error on the calibration networks) and
 * {@code calibrationLeaveOneOutMaxError} (the same with each network left out of its own fit: the error to
 * expect on a network the fit has not seen).
 */
public final class LatencyCalibration {

    /** What a calibration measured and fitted. */
    public record Fit(double fixedMs, double scale, double[] sumsMs, double[] measuredMs, double maxError,
                      double leaveOneOutMaxError) {
    }

    /**
     * Networks timed against the gauge ({@link #measure}).
     *
     * @param ms              as measured now, in ms (what a user sees at this moment)
     * @param gaugeMs         the gauge's time now
     * @param atTableSpeedMs  each network's median ratio to the gauge (same rounds) times the gauge's time in the
     *                        table: the network's time at the speed the machine had when the table was made (NaN if
     *                        the table has no gauge)
     */
    public record Measured(double[] ms, double gaugeMs, double[] atTableSpeedMs) {
    }

    private LatencyCalibration() {
    }

    /** How many of {@link #choices} are fixed corners of the space (the rest are random). */
    public static final int CORNERS = 5;

    /**
     * The calibration networks' choices: the largest and the smallest candidate everywhere, the smallest with every
     * skippable block skipped, a uniform middle choice, the largest with every skippable block skipped (the corner a
     * latency search heads for: its skip gates are its largest steps), and {@code random} random choices (seeded).
     */
    public static List<Map<String, SuperkernelChoice>> choices(List<SearchableBlock> blocks, int random, long seed) {
        List<Map<String, SuperkernelChoice>> out = new ArrayList<>();
        out.add(uniform(blocks, 1.0, 1.0, false));
        out.add(uniform(blocks, 0.0, 0.0, false));
        out.add(uniform(blocks, 0.0, 0.0, true));
        out.add(uniform(blocks, 0.5, 1.0, false));
        out.add(uniform(blocks, 1.0, 1.0, true));
        Random rnd = new Random(seed);
        for (int r = 0; r < random; r++) {
            Map<String, SuperkernelChoice> m = new LinkedHashMap<>();
            for (SearchableBlock b : blocks) {
                SuperkernelSpace space = b.space();
                boolean skip = space.skippable() && rnd.nextInt(4) == 0;
                m.put(b.name(), skip ? space.choice(0, 0)
                        : space.candidate(rnd.nextInt(space.shells().count()), rnd.nextInt(space.groups().count())));
            }
            out.add(m);
        }
        return out;
    }

    /**
     * The gauge network's choices: the middle kernel size and the smallest expansion ratio in every block, no block
     * skipped (a network of the space that is none of {@link #choices}).
     */
    public static Map<String, SuperkernelChoice> gaugeChoices(List<SearchableBlock> blocks) {
        return uniform(blocks, 0.5, 0.0, false);
    }

    private static Map<String, SuperkernelChoice> uniform(List<SearchableBlock> blocks, double kernel, double ratio,
                                                          boolean skip) {
        Map<String, SuperkernelChoice> m = new LinkedHashMap<>();
        for (SearchableBlock b : blocks) {
            SuperkernelSpace space = b.space();
            if (skip && space.skippable()) {
                m.put(b.name(), space.choice(0, 0));
            } else {
                m.put(b.name(), space.candidate((int) Math.round(kernel * (space.shells().count() - 1)),
                        (int) Math.round(ratio * (space.groups().count() - 1))));
            }
        }
        return m;
    }

    /**
     * Profiles every candidate of the blocks and the whole networks of the given choices ({@code build} makes each
     * network, all timed on {@code input}) in one interleaved measurement
     * ({@link LatencyProfiler#profile(List, List, List)}), fits the table's fixed part and scale, and returns the
     * calibrated table and the fit.
     */
    public static Map.Entry<CandidateLatencyTable, Fit> profile(LatencyProfiler profiler, List<SearchableBlock> blocks,
                                                                List<Map<String, SuperkernelChoice>> choices,
                                                                Function<Map<String, SuperkernelChoice>, ComputationGraph> build,
                                                                INDArray input) {
        if (choices.size() < 2) {
            throw new IllegalArgumentException("latency calibration: at least 2 networks are needed, got "
                    + choices.size());
        }
        List<ComputationGraph> networks = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        for (Map<String, SuperkernelChoice> choice : choices) {
            networks.add(build.apply(choice));
            inputs.add(input);
        }
        networks.add(build.apply(gaugeChoices(blocks)));
        inputs.add(input);
        LatencyProfiler.CandidatesAndNetworks timed = profiler.profile(blocks, networks, inputs);
        CandidateLatencyTable table = timed.table();
        double[] sums = new double[choices.size()];
        for (int n = 0; n < choices.size(); n++) {
            sums[n] = sumOfEntries(table, choices.get(n));
        }
        double gaugeMs = timed.wholeNetworkMs()[choices.size()];
        // The networks the fit is made on are timed again as every later check times a network (measure): against
        // the gauge, and taken to the table's speed through the gauge's time in the table. Their times in the
        // candidates' pass are not what a check sees later: there every round also runs all the candidates, and the
        // same network's ratio to the gauge came out up to 5% apart between the two passes.
        LatencyProfiler.Gauged again = profiler.wholeNetworkTimesAgainst(networks.subList(0, choices.size()),
                inputs.subList(0, choices.size()), networks.get(choices.size()), input);
        double[] measured = new double[choices.size()];
        for (int n = 0; n < measured.length; n++) {
            measured[n] = again.ratioToGauge()[n] * gaugeMs;
        }
        Fit fit = fit(sums, measured);
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put(CandidateLatencyTable.GAUGE_MS, String.format(Locale.ROOT, "%.6f", gaugeMs));
        facts.put("calibrationNetworks", String.valueOf(choices.size()));
        facts.put("calibrationMaxError", String.format(Locale.ROOT, "%.4f", fit.maxError()));
        facts.put("calibrationLeaveOneOutMaxError", String.format(Locale.ROOT, "%.4f", fit.leaveOneOutMaxError()));
        return Map.entry(table.withCalibration(fit.fixedMs(), fit.scale(), facts), fit);
    }

    /**
     * Times the networks interleaved with the gauge network ({@code build} of {@link #gaugeChoices}) on the same
     * input, with the profiler's settings, and gives their times now and at the table's speed ({@link Measured}).
     */
    public static Measured measure(LatencyProfiler profiler, CandidateLatencyTable table, List<SearchableBlock> blocks,
                                   Function<Map<String, SuperkernelChoice>, ComputationGraph> build,
                                   List<? extends ComputationGraph> networks, INDArray input) {
        List<INDArray> inputs = new ArrayList<>();
        networks.forEach(n -> inputs.add(input));
        LatencyProfiler.Gauged g = profiler.wholeNetworkTimesAgainst(networks, inputs, build.apply(gaugeChoices(blocks)),
                input);
        double[] atTableSpeed = new double[networks.size()];
        for (int n = 0; n < atTableSpeed.length; n++) {
            atTableSpeed[n] = g.ratioToGauge()[n] * table.gaugeMs();
        }
        return new Measured(g.ms(), g.gaugeMs(), atTableSpeed);
    }

    /** The sum of the table's entries for the choices (the skip op's entry for a skipped block). */
    public static double sumOfEntries(CandidateLatencyTable table, Map<String, SuperkernelChoice> choices) {
        double sum = 0;
        for (Map.Entry<String, SuperkernelChoice> e : choices.entrySet()) {
            sum += table.entry(e.getKey()).ms(e.getValue());
        }
        return sum;
    }

    /**
     * The least-squares fit of {@code measured = fixed + scale * sum} with {@code fixed >= 0} and
     * {@code scale > 0}; when the sums do not spread (or the fit is not positive) the scale stays 1 and the fixed
     * part is the mean difference.
     */
    public static Fit fit(double[] sums, double[] measured) {
        double[] fs = fitCoefficients(sums, measured, -1);
        double max = 0;
        double leaveOneOut = 0;
        for (int n = 0; n < sums.length; n++) {
            max = Math.max(max, Math.abs((fs[0] + fs[1] * sums[n]) / measured[n] - 1));
            if (sums.length > 2) {
                double[] without = fitCoefficients(sums, measured, n);
                leaveOneOut = Math.max(leaveOneOut, Math.abs((without[0] + without[1] * sums[n]) / measured[n] - 1));
            }
        }
        return new Fit(fs[0], fs[1], sums.clone(), measured.clone(), max, sums.length > 2 ? leaveOneOut : Double.NaN);
    }

    /** {fixed, scale} fitted on all points but {@code leaveOut} (-1: none). */
    private static double[] fitCoefficients(double[] x, double[] y, int leaveOut) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        for (int i = 0; i < x.length; i++) {
            if (i != leaveOut) {
                n++;
                sx += x[i];
                sy += y[i];
            }
        }
        double mx = sx / n;
        double my = sy / n;
        double sxy = 0;
        double sxx = 0;
        double sxyOrigin = 0;
        double sxxOrigin = 0;
        for (int i = 0; i < x.length; i++) {
            if (i != leaveOut) {
                sxy += (x[i] - mx) * (y[i] - my);
                sxx += (x[i] - mx) * (x[i] - mx);
                sxyOrigin += x[i] * y[i];
                sxxOrigin += x[i] * x[i];
            }
        }
        double scale = sxx > 1e-12 * Math.max(1e-12, mx * mx) ? sxy / sxx : Double.NaN;
        double fixed = my - scale * mx;
        if (!(scale > 0) || fixed < 0) {
            // Through the origin (fixed = 0) if the intercept came out negative; scale 1 if the sums do not spread.
            scale = fixed < 0 && sxxOrigin > 0 && sxyOrigin > 0 ? sxyOrigin / sxxOrigin : 1.0;
            fixed = fixed < 0 && scale != 1.0 ? 0.0 : Math.max(0.0, my - mx);
        }
        return new double[] {fixed, scale};
    }
}
