package io.dl4jdms.benchmarks.dmsvsuniform;

import io.dl4jdms.pipeline.report.Plots;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The study's report from its cells: {@code report.md}, {@code report.json}, {@code accuracy-vs-flops.png} (mean test
 * accuracy of each method against its mean FLOPs, the bars one sample standard deviation over the seeds) and
 * {@code learning-curves.png} (mean test accuracy after each retraining epoch). For every budget: each method's
 * accuracy, FLOPs against the target and batch-1 latency; the paired difference of the searched network minus the best
 * uniform method (the one of higher mean accuracy at that budget) over the seeds both have, with its 95% t interval and
 * the seeds won; the structures side by side.
 */
final class StudyReport {

    /** How far above its target a searched network may land. */
    static final double FLOPS_TOLERANCE = 0.01;

    private StudyReport() {
    }

    /** One method at one budget over its seeds. */
    record Group(String kind, double budget, String method, List<CellResult> cells) {
        double mean(ToDoubleFunction<CellResult> f) {
            return cells.stream().mapToDouble(f).average().orElse(Double.NaN);
        }

        double sd(ToDoubleFunction<CellResult> f) {
            if (cells.size() < 2) {
                return Double.NaN;
            }
            double m = mean(f);
            return Math.sqrt(cells.stream().mapToDouble(c -> (f.applyAsDouble(c) - m) * (f.applyAsDouble(c) - m)).sum()
                    / (cells.size() - 1));
        }

        Optional<CellResult> seed(long seed) {
            return cells.stream().filter(c -> c.seed == seed).findFirst();
        }
    }

    /** The paired comparison at one budget. */
    record Comparison(String kind, double budget, String searched, String uniform, List<Long> seeds,
                      PairedDifference difference) {
    }

    static void write(Path out, Consumer<String> log) throws IOException {
        List<CellResult> cells = DmsVsUniformStudy.cells(out);
        Map<String, Double> latency = latency(out);
        Map<String, Group> groups = new LinkedHashMap<>();
        cells.stream().sorted((a, b) -> Long.compare(a.seed, b.seed)).forEach(c -> groups.computeIfAbsent(
                key(c.budgetKind, c.budget, c.method), k -> new Group(c.budgetKind, c.budget, c.method, new ArrayList<>()))
                .cells().add(c));
        List<Comparison> comparisons = new ArrayList<>();
        for (String kind : List.of("flops", "latency")) {
            for (double budget : budgets(groups, kind)) {
                compare(groups, kind, budget).ifPresent(comparisons::add);
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("# DMS against uniform scaling\n\n");
        md.append(String.format(Locale.ROOT, "%d cell(s) in %s. Accuracy: test accuracy after the last retraining epoch."
                + " FLOPs: multiply-accumulates of one example. Latency: batch 1, median of interleaved runs (%s).%n%n",
                cells.size(), out.toAbsolutePath().normalize(), latency.isEmpty() ? "not measured yet" : "latency.json"));
        for (String kind : List.of("flops", "latency")) {
            List<Double> budgets = budgets(groups, kind);
            if (budgets.isEmpty()) {
                continue;
            }
            md.append(kind.equals("flops") ? "## Equal FLOPs\n\n" : "## Equal measured latency\n\n");
            md.append("| budget | method | seeds | accuracy mean | sd | FLOPs mean | FLOPs / target (min-max) | params |"
                    + " latency ms | train s / epoch | search s | learning curve (mean) |\n"
                    + "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|\n");
            for (double budget : budgets) {
                for (Group g : groups.values()) {
                    if (!g.kind().equals(kind) || g.budget() != budget) {
                        continue;
                    }
                    double lat = g.cells().stream().mapToDouble(c -> latency.getOrDefault(name(c), Double.NaN)).average()
                            .orElse(Double.NaN);
                    md.append(String.format(Locale.ROOT, "| %.3f | %s | %d | %.4f | %.4f | %,.0f | %.4f-%.4f | %,.0f | %s | %.1f | %.0f | %s |%n",
                            budget, g.method(), g.cells().size(), g.mean(CellResult::finalAccuracy),
                            g.sd(CellResult::finalAccuracy), g.mean(c -> c.flops),
                            g.cells().stream().mapToDouble(c -> c.flops / c.targetFlops).min().orElse(Double.NaN),
                            g.cells().stream().mapToDouble(c -> c.flops / c.targetFlops).max().orElse(Double.NaN),
                            g.mean(c -> c.params), Double.isNaN(lat) ? "-" : String.format(Locale.ROOT, "%.3f", lat),
                            g.mean(c -> c.trainSeconds / c.retrainEpochs), g.mean(c -> c.searchSeconds), curve(g)));
                }
            }
            md.append("\n| budget | searched - uniform | seeds | mean diff (points) | sd | 95% interval | searched ahead |\n"
                    + "|---|---|---:|---:|---:|---|---:|\n");
            for (Comparison c : comparisons) {
                if (!c.kind().equals(kind)) {
                    continue;
                }
                PairedDifference d = c.difference();
                md.append(String.format(Locale.ROOT, "| %.3f | %s - %s (best uniform) | %d | %+.2f | %.2f | %s | %d of %d |%n",
                        c.budget(), c.searched(), c.uniform(), d.n(), 100 * d.mean(), 100 * d.sd(),
                        Double.isNaN(d.low()) ? "n/a (one seed)" : String.format(Locale.ROOT, "[%+.2f, %+.2f]",
                                100 * d.low(), 100 * d.high()), d.wins(), d.n()));
            }
            md.append("\nStructures (stem width | per stage: stream width: inner width of each kept block), FLOPs / target,"
                    + " latency:\n\n| budget | seed | method | structure | FLOPs / target | latency ms | accuracy |\n"
                    + "|---|---:|---|---|---:|---:|---:|\n");
            for (double budget : budgets) {
                for (CellResult c : cells.stream().filter(c -> c.budgetKind.equals(kind) && c.budget == budget)
                        .sorted((a, b) -> a.seed != b.seed ? Long.compare(a.seed, b.seed) : a.method.compareTo(b.method))
                        .toList()) {
                    double lat = latency.getOrDefault(name(c), Double.NaN);
                    md.append(String.format(Locale.ROOT, "| %.3f | %d | %s | `%s` | %.4f%s | %s | %.4f |%n", budget, c.seed,
                            c.method, c.structure, c.flops / c.targetFlops,
                            c.method.startsWith("dms") && c.budgetKind.equals("flops")
                                    && c.flops / c.targetFlops > 1 + FLOPS_TOLERANCE ? " (over 1%!)" : "",
                            Double.isNaN(lat) ? "-" : String.format(Locale.ROOT, "%.3f", lat), c.finalAccuracy()));
                }
            }
            md.append('\n');
        }
        md.append("![accuracy against FLOPs](accuracy-vs-flops.png)\n\n![learning curves](learning-curves.png)\n");
        Files.writeString(out.resolve("report.md"), md.toString());

        Map<String, Object> json = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Group g : groups.values()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("kind", g.kind());
            r.put("budget", g.budget());
            r.put("method", g.method());
            r.put("seeds", g.cells().stream().map(c -> c.seed).toList());
            r.put("accuracy", g.cells().stream().map(CellResult::finalAccuracy).toList());
            r.put("accuracyMean", g.mean(CellResult::finalAccuracy));
            r.put("accuracySd", g.sd(CellResult::finalAccuracy));
            r.put("flops", g.cells().stream().map(c -> c.flops).toList());
            r.put("flopsOverTarget", g.cells().stream().map(c -> c.flops / c.targetFlops).toList());
            r.put("latencyMs", g.cells().stream().map(c -> latency.getOrDefault(name(c), Double.NaN)).toList());
            rows.add(r);
        }
        json.put("groups", rows);
        json.put("comparisons", comparisons);
        DmsVsUniformStudy.writeAtomically(out.resolve("report.json"), json);
        charts(out, groups);
        log.accept("report: " + out.resolve("report.md"));
        log.accept(md.toString());
    }

    /** The cell's directory name, as {@link DmsVsUniformStudy#cellDir} makes it. */
    static String name(CellResult c) {
        return String.format(Locale.ROOT, "%s_b%.3f_s%d", c.method, c.budget, c.seed);
    }

    private static String key(String kind, double budget, String method) {
        return kind + "/" + budget + "/" + method;
    }

    private static List<Double> budgets(Map<String, Group> groups, String kind) {
        return groups.values().stream().filter(g -> g.kind().equals(kind)).map(Group::budget).distinct()
                .sorted((a, b) -> Double.compare(b, a)).toList();
    }

    /**
     * The searched method against the uniform method of higher mean accuracy at this budget, over the seeds both have;
     * empty when either side is missing.
     */
    static Optional<Comparison> compare(Map<String, Group> groups, String kind, double budget) {
        Group searched = null;
        Group best = null;
        for (Group g : groups.values()) {
            if (!g.kind().equals(kind) || g.budget() != budget) {
                continue;
            }
            if (g.method().startsWith("dms")) {
                searched = g;
            } else if (best == null || g.mean(CellResult::finalAccuracy) > best.mean(CellResult::finalAccuracy)) {
                best = g;
            }
        }
        if (searched == null || best == null) {
            return Optional.empty();
        }
        List<Long> seeds = new ArrayList<>();
        List<double[]> pairs = new ArrayList<>();
        for (CellResult c : searched.cells()) {
            Optional<CellResult> u = best.seed(c.seed);
            if (u.isPresent()) {
                seeds.add(c.seed);
                pairs.add(new double[] {c.finalAccuracy(), u.get().finalAccuracy()});
            }
        }
        if (seeds.isEmpty()) {
            return Optional.empty();
        }
        double[] a = pairs.stream().mapToDouble(p -> p[0]).toArray();
        double[] b = pairs.stream().mapToDouble(p -> p[1]).toArray();
        return Optional.of(new Comparison(kind, budget, searched.method(), best.method(), seeds, PairedDifference.of(a, b)));
    }

    private static String curve(Group g) {
        TreeMap<Integer, double[]> sums = new TreeMap<>();
        for (CellResult c : g.cells()) {
            for (int e = 0; e < c.testAccuracy.size(); e++) {
                double[] s = sums.computeIfAbsent(e + 1, k -> new double[2]);
                s[0] += c.testAccuracy.get(e);
                s[1]++;
            }
        }
        StringBuilder sb = new StringBuilder();
        sums.forEach((e, s) -> sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", s[0] / s[1])));
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Double> latency(Path out) throws IOException {
        Path f = out.resolve("latency.json");
        if (!Files.exists(f)) {
            return Map.of();
        }
        Map<String, Object> m = DmsVsUniformStudy.JSON.readValue(f.toFile(), Map.class);
        Map<String, Double> ms = new LinkedHashMap<>();
        ((Map<String, Object>) m.get("ms")).forEach((k, v) -> ms.put(k, ((Number) v).doubleValue()));
        return ms;
    }

    private static void charts(Path out, Map<String, Group> groups) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(500).title("Test accuracy against FLOPs (mean, bars: sd over seeds)")
                .xAxisTitle("FLOPs (multiply-accumulates per example)").yAxisTitle("test accuracy").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        Map<String, List<Group>> byMethod = new LinkedHashMap<>();
        groups.values().stream().filter(g -> g.kind().equals("flops"))
                .forEach(g -> byMethod.computeIfAbsent(g.method(), m -> new ArrayList<>()).add(g));
        for (Map.Entry<String, List<Group>> e : byMethod.entrySet()) {
            List<Group> gs = e.getValue().stream().sorted((a, b) -> Double.compare(a.budget(), b.budget())).toList();
            double[] x = gs.stream().mapToDouble(g -> g.mean(c -> c.flops)).toArray();
            double[] y = gs.stream().mapToDouble(g -> g.mean(CellResult::finalAccuracy)).toArray();
            double[] err = gs.stream().mapToDouble(g -> Double.isNaN(g.sd(CellResult::finalAccuracy)) ? 0
                    : g.sd(CellResult::finalAccuracy)).toArray();
            chart.addSeries(e.getKey(), x, y, err);
        }
        if (!byMethod.isEmpty()) {
            BitmapEncoder.saveBitmap(chart, out.resolve("accuracy-vs-flops.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
        Map<String, List<Double>> series = new LinkedHashMap<>();
        int epochs = 0;
        for (Group g : groups.values()) {
            List<Double> mean = new ArrayList<>();
            for (String v : curve(g).split(" ")) {
                if (!v.isEmpty()) {
                    mean.add(Double.parseDouble(v));
                }
            }
            epochs = Math.max(epochs, mean.size());
            series.put(String.format(Locale.ROOT, "%s %.3f%s", g.method(), g.budget(), g.kind().equals("flops") ? "" : " lat"), mean);
        }
        List<Double> x = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            x.add((double) e);
        }
        Plots.lines("Test accuracy after each retraining epoch (mean over seeds)", "epoch", "test accuracy", x, series,
                out.resolve("learning-curves.png"));
    }
}
