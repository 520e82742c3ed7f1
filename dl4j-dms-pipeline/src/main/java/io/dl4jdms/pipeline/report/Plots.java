package io.dl4jdms.pipeline.report;

import io.dl4jdms.pipeline.SearchHistory;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reports' PNG plots, drawn with XChart: those of a DMS search, and the generic {@link #lines} and
 * {@link #curves} that other searches' reports draw with too.
 */
public final class Plots {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    private Plots() {
    }

    /**
     * Lines without markers of named series over one x axis (a series shorter than {@code x} is drawn over its
     * first values); with more than three series the legend goes to the right of the plot. Writes nothing when
     * {@code x} is empty.
     */
    public static void lines(String title, String xTitle, String yTitle, List<Double> x,
                             Map<String, List<Double>> series, Path file) throws IOException {
        if (x.isEmpty() || series.isEmpty()) {
            return;
        }
        XYChart chart = xy(title, xTitle, yTitle);
        series.forEach((name, values) -> chart.addSeries(name, x.subList(0, values.size()), values)
                .setMarker(SeriesMarkers.NONE));
        if (series.size() > 3) {
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        }
        save(chart, file);
    }

    /** Resource fraction of the supernet against iteration, with the scheduled and the final target. */
    public static void resource(SearchHistory history, double finalTarget, String resourceName, Path file) throws IOException {
        List<Double> x = new ArrayList<>();
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String name : new String[] {"current (hard masks)", "scheduled target", "final target"}) {
            series.put(name, new ArrayList<>());
        }
        for (SearchHistory.Step s : history.steps) {
            x.add((double) s.iteration);
            series.get("current (hard masks)").add(s.resourceFraction);
            series.get("scheduled target").add(s.targetFraction);
            series.get("final target").add(finalTarget);
        }
        lines("Resource during the search", "iteration", resourceName + " (fraction of the supernet)", x, series, file);
    }

    /** Each operator's kept size against iteration. */
    public static void keptSizes(SearchHistory history, Path file) throws IOException {
        Map<String, List<Double>> series = new LinkedHashMap<>();
        List<Double> x = new ArrayList<>();
        for (SearchHistory.Step s : history.steps) {
            x.add((double) s.iteration);
            s.keptSizes.forEach((name, k) -> series.computeIfAbsent(name, n -> new ArrayList<>()).add(k.doubleValue()));
        }
        lines("Kept size of each operator", "iteration", "kept size", x, series, file);
    }

    /** Supernet and searched sizes per operator, side by side. */
    public static void widths(List<String> names, List<Integer> supernet, List<Integer> searched, Path file) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Supernet and searched sizes").xAxisTitle("operator").yAxisTitle("channels / features / blocks")
                .build();
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.addSeries("supernet", names, supernet);
        chart.addSeries("searched", names, searched);
        save(chart, file);
    }

    /** Loss and test accuracy per epoch of every phase; writes nothing without epochs. */
    public static void curves(SearchHistory history, Path file) throws IOException {
        XYChart chart = xy("Training curves", "epoch", "test accuracy / training loss");
        Map<String, List<SearchHistory.Epoch>> phases = new LinkedHashMap<>();
        for (SearchHistory.Epoch e : history.epochs) {
            phases.computeIfAbsent(e.phase, p -> new ArrayList<>()).add(e);
        }
        if (phases.isEmpty()) {
            return;
        }
        phases.forEach((phase, rows) -> {
            List<Double> x = new ArrayList<>();
            List<Double> accuracy = new ArrayList<>();
            List<Double> loss = new ArrayList<>();
            for (SearchHistory.Epoch e : rows) {
                x.add((double) e.epoch);
                accuracy.add(e.testAccuracy);
                loss.add(e.trainLoss);
            }
            chart.addSeries(phase + " accuracy", x, accuracy);
            chart.addSeries(phase + " loss", x, loss);
        });
        save(chart, file);
    }

    private static XYChart xy(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        return chart;
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
