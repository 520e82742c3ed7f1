package io.dl4jdms.benchmarks.spnas;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchProgress;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import io.dl4jdms.spnas.latency.LatencyCalibration;
import io.dl4jdms.spnas.latency.SearchableBlock;
import io.dl4jdms.spnas.search.SinglePathSearch;
import io.dl4jdms.supernet.SinglePathSupernet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Does the Single-Path NAS search pay? At each latency target it runs the search ({@code dms spnas} with its
 * defaults), then takes the uniform networks of the same space nearest to the searched network's predicted latency
 * (one with every block, one with the skippable blocks skipped: "fewer blocks"), times all three interleaved with
 * the table's gauge network ({@link LatencyCalibration#measure}: measured at the table's speed and now), and
 * trains each from scratch the same way (same epochs, learning rate, batch size) with several seeds. Prints one
 * markdown table: predicted and measured latency, test accuracy per seed, mean and spread.
 *
 * <p>Arguments (optional): {@code --targets F,F} (fractions of the supernet's predicted latency; default
 * {@code 0.45,0.6}: the default target and the former one), or {@code --searched DIR,DIR} (finished {@code dms spnas} output directories to compare
 * instead of searching again), {@code --seeds N} (default 3), {@code --epochs N} (training epochs per network,
 * default 2), {@code --out DIR} (default {@code spnas-vs-uniform}).
 */
public final class SinglePathVsUniform {

    private static final int BATCH = 32;

    private SinglePathVsUniform() {
    }

    private record Candidate(String label, Map<String, SuperkernelChoice> choices) {
    }

    public static void main(String[] args) throws IOException {
        double[] targets = {SinglePathSearch.Settings.DEFAULT_TARGET_FRACTION, 0.6};
        int seeds = 3;
        int epochs = 2;
        Path out = Path.of("spnas-vs-uniform");
        List<Path> searchedDirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--targets" -> targets = java.util.Arrays.stream(args[++i].split(","))
                        .mapToDouble(Double::parseDouble).toArray();
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--searched" -> java.util.Arrays.stream(args[++i].split(",")).map(Path::of).forEach(searchedDirs::add);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        SinglePathSearch.Settings defaults = new SinglePathSearch.Settings();
        SearchData data = SearchData.load(null, defaults.seed()).subset(SinglePathSearch.Settings.EMBEDDED_TRAIN_PER_CLASS,
                SinglePathSearch.Settings.EMBEDDED_TEST_PER_CLASS);
        List<String> rows = new ArrayList<>();
        rows.add("| target | network | choices | predicted ms | measured ms at the table's speed | measured ms now"
                + " | accuracy per seed | mean accuracy |");
        rows.add("|---|---|---|---:|---:|---:|---|---:|");
        if (searchedDirs.isEmpty()) {
            for (double fraction : targets) {
                Path dir = out.resolve(String.format(Locale.ROOT, "target-%.2f", fraction));
                new SinglePathSearch(new SinglePathSearch.Settings().targetFraction(fraction), SearchProgress.NONE,
                        line -> System.out.println("  " + line)).run(dir);
                searchedDirs.add(dir);
            }
        }
        for (Path dir : searchedDirs) {
            JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
            double targetMs = summary.path("latency").path("targetMs").asDouble();
            double fraction = targetMs / summary.path("latency").path("supernetPredictedMs").asDouble();
            CandidateLatencyTable table = CandidateLatencyTable.read(dir.resolve(SinglePathSearch.LATENCY_TABLE).toFile());
            SinglePathSupernet supernet = supernet(data, defaults.seed());
            List<Candidate> candidates = new ArrayList<>();
            Map<String, SuperkernelChoice> searched = choicesOf(supernet.blocks(), summary.path("blocks"));
            candidates.add(new Candidate("searched", searched));
            double searchedMs = table.predictMs(LatencyCalibration.sumOfEntries(table, searched));
            candidates.add(nearestUniform(supernet.blocks(), table, searchedMs, false));
            candidates.add(nearestUniform(supernet.blocks(), table, searchedMs, true));

            LatencyProfiler profiler = LatencyProfiler.builder().batchSize(table.batchSize()).warmup(20)
                    .warmupSeconds(SinglePathSearch.Settings.DEFAULT_PROFILE_WARMUP_SECONDS).repeats(50)
                    .threads(1).quantile(0.25).clock(LatencyProfiler.Clock.THREAD_CPU).build();
            List<ComputationGraph> nets = new ArrayList<>();
            for (Candidate c : candidates) {
                nets.add(plain(supernet, c.choices()));
            }
            INDArray input = Nd4j.rand(DataType.FLOAT, table.batchSize(), data.channels(), data.height(), data.width());
            LatencyCalibration.Measured measured = LatencyCalibration.measure(profiler, table, supernet.blocks(),
                    c -> plain(supernet, c), nets, input);
            System.out.printf(Locale.ROOT, "gauge network: %.3f ms with the table, %.3f ms now%n", table.gaugeMs(),
                    measured.gaugeMs());
            for (int c = 0; c < candidates.size(); c++) {
                Candidate candidate = candidates.get(c);
                double[] accuracy = new double[seeds];
                StringBuilder perSeed = new StringBuilder();
                for (int s = 0; s < seeds; s++) {
                    accuracy[s] = train(supernet(data, 100 + s), candidate.choices(), data, epochs, 100 + s);
                    perSeed.append(s == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", accuracy[s]));
                    System.out.printf(Locale.ROOT, "target %.2f %s seed %d: accuracy %.4f%n", fraction,
                            candidate.label(), 100 + s, accuracy[s]);
                }
                double mean = java.util.Arrays.stream(accuracy).average().orElse(Double.NaN);
                double sd = Math.sqrt(java.util.Arrays.stream(accuracy).map(a -> (a - mean) * (a - mean)).sum()
                        / Math.max(1, seeds - 1));
                rows.add(String.format(Locale.ROOT, "| %.2f (%.2f ms) | %s | %s | %.2f | %.2f | %.2f | %s | %.4f +- %.4f |",
                        fraction, targetMs, candidate.label(), describe(candidate.choices()),
                        table.predictMs(LatencyCalibration.sumOfEntries(table, candidate.choices())),
                        measured.atTableSpeedMs()[c], measured.ms()[c], perSeed, mean, sd));
            }
        }
        System.out.println();
        rows.forEach(System.out::println);
    }

    private static SinglePathSupernet supernet(SearchData data, long seed) {
        return SinglePathSupernet.builder().input(data.height(), data.width(), data.channels()).classes(data.classes())
                .seed(seed).updater(new Adam(2e-3)).build();
    }

    /** The searched choices, read back from {@code summary.json}'s blocks. */
    private static Map<String, SuperkernelChoice> choicesOf(List<SearchableBlock> blocks, JsonNode summaryBlocks) {
        Map<String, SuperkernelChoice> out = new LinkedHashMap<>();
        for (JsonNode b : summaryBlocks) {
            String name = b.path("name").asText();
            SearchableBlock block = blocks.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException("summary.json: no block '" + name + "' in the supernet"));
            SuperkernelSpace space = block.space();
            if (b.path("skip").asBoolean()) {
                out.put(name, space.choice(0, 0));
                continue;
            }
            int k = java.util.Arrays.stream(space.shells().sizes()).boxed().toList().indexOf(b.path("kernelSize").asInt());
            int e = -1;
            for (int i = 0; i < space.groups().count(); i++) {
                if (space.groups().ratio(i) == b.path("expansionRatio").asDouble()) {
                    e = i;
                }
            }
            out.put(name, space.candidate(k, e));
        }
        return out;
    }

    /** The uniform choice (one kernel size and ratio everywhere, skippable blocks skipped or not) nearest in latency. */
    private static Candidate nearestUniform(List<SearchableBlock> blocks, CandidateLatencyTable table, double ms,
                                            boolean skip) {
        Candidate best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        SuperkernelSpace first = blocks.get(0).space();
        for (int k = 0; k < first.shells().count(); k++) {
            for (int e = 0; e < first.groups().count(); e++) {
                Map<String, SuperkernelChoice> m = new LinkedHashMap<>();
                for (SearchableBlock b : blocks) {
                    m.put(b.name(), skip && b.space().skippable() ? b.space().choice(0, 0) : b.space().candidate(k, e));
                }
                double d = Math.abs(table.predictMs(LatencyCalibration.sumOfEntries(table, m)) - ms);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = new Candidate(String.format(Locale.ROOT, "uniform %dx%d e%s%s", first.shells().size(k),
                            first.shells().size(k), fmt(first.groups().ratio(e)), skip ? ", fewer blocks" : ""), m);
                }
            }
        }
        return best;
    }

    private static String fmt(double ratio) {
        return ratio == Math.rint(ratio) ? String.valueOf((int) ratio) : String.valueOf(ratio);
    }

    private static String describe(Map<String, SuperkernelChoice> choices) {
        List<String> parts = new ArrayList<>();
        choices.values().forEach(c -> parts.add(c.skip() ? "skip" : c.kernelSize() + "/" + fmt(c.ratio())));
        return String.join(" ", parts);
    }

    private static ComputationGraph plain(SinglePathSupernet supernet, Map<String, SuperkernelChoice> choices) {
        ComputationGraph net = new ComputationGraph(supernet.plainConfiguration(choices));
        net.init();
        return net;
    }

    /** Trains the plain network of the choices from scratch; its test accuracy. */
    private static double train(SinglePathSupernet supernet, Map<String, SuperkernelChoice> choices, SearchData data,
                                int epochs, long seed) {
        ComputationGraph net = plain(supernet, choices);
        DataSetIterator train = data.train(BATCH, seed);
        for (int e = 0; e < epochs; e++) {
            net.fit(train);
        }
        return net.evaluate(data.test(256)).accuracy();
    }
}
