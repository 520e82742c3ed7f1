package io.dl4jdms.spnas.search;

import io.dl4jdms.pipeline.report.Html;
import io.dl4jdms.pipeline.report.Plots;
import io.dl4jdms.pipeline.report.ReportWriter;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a Single-Path NAS search's report, in the style of {@code dms search}'s ({@link ReportWriter}):
 * {@code summary.json}, {@code report.html} and its plots ({@code latency.png}: the predicted latency against
 * iteration with the target; {@code block-latency.png}: each block's; {@code curves.png}: loss and accuracy per
 * epoch).
 */
public final class SinglePathReport {

    static final String LATENCY_PLOT = "latency.png";
    static final String BLOCK_LATENCY_PLOT = "block-latency.png";

    private SinglePathReport() {
    }

    /** Writes everything; returns the path of {@code report.html}. */
    public static Path write(SinglePathOutcome outcome, Path directory) throws IOException {
        Files.createDirectories(directory);
        writeSummary(outcome, directory.resolve(ReportWriter.SUMMARY));
        plots(outcome, directory);
        Path report = directory.resolve(ReportWriter.REPORT);
        Files.write(report, html(outcome).getBytes(StandardCharsets.UTF_8));
        return report;
    }

    /** The summary as nested JSON: {@code latency.predictedMs}, {@code slim.testAccuracy}, ... */
    static void writeSummary(SinglePathOutcome o, Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("data", o.data);
        root.put("seed", o.seed);
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("targetMs", o.targetMs);
        latency.put("predictedMs", o.predictedMs);
        latency.put("searchedPredictedMs", o.searchedPredictedMs);
        latency.put("fillSteps", o.fillSteps);
        latency.put("measuredMs", o.measuredMs);
        latency.put("relativeError", o.relativeError());
        latency.put("supernetPredictedMs", o.supernetPredictedMs);
        latency.put("supernetMeasuredMs", o.supernetMeasuredMs);
        latency.put("supernetProfiledMs", o.supernetProfiledMs);
        if (o.gaugeProfiledMs > 0) {
            latency.put("measuredAtTableSpeedMs", o.measuredAtTableSpeedMs);
            latency.put("relativeErrorAtTableSpeed", o.relativeErrorAtTableSpeed());
            latency.put("supernetMeasuredAtTableSpeedMs", o.supernetMeasuredAtTableSpeedMs);
            latency.put("gaugeProfiledMs", o.gaugeProfiledMs);
            latency.put("gaugeMeasuredMs", o.gaugeMeasuredMs);
        }
        latency.put("fixedMs", o.fixedMs);
        latency.put("backend", o.backend);
        latency.put("batchSize", o.timingBatchSize);
        latency.put("table", SinglePathSearch.LATENCY_TABLE);
        root.put("latency", latency);
        Map<String, Object> slim = new LinkedHashMap<>();
        slim.put("testAccuracy", o.slimTestAccuracy);
        slim.put("testAccuracyBeforeRetraining", o.slimTestAccuracyBeforeRetraining);
        slim.put("parameters", o.slimParameters);
        slim.put("choices", o.choices());
        slim.put("model", SinglePathSearch.SLIM_MODEL);
        root.put("slim", slim);
        root.put("supernet", Map.of("testAccuracy", o.supernetTestAccuracy, "parameters", o.supernetParameters));
        root.put("export", Map.of("maxAbsDifference", o.exportMaxAbsDifference));
        root.put("blocks", o.blocks);
        root.put("history", o.epochs);
        root.put("settings", o.settings);
        root.put("provenance", o.provenance);
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("profileSeconds", o.profileSeconds);
        timing.put("searchSeconds", o.searchSeconds);
        timing.put("retrainSeconds", o.retrainSeconds);
        timing.put("totalSeconds", o.totalSeconds);
        root.put("timing", timing);
        root.put("seconds", o.totalSeconds);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    private static void plots(SinglePathOutcome o, Path directory) throws IOException {
        List<Double> x = new ArrayList<>();
        Map<String, List<Double>> total = new LinkedHashMap<>();
        total.put("predicted (hard choices)", new ArrayList<>());
        total.put("target", new ArrayList<>());
        Map<String, List<Double>> perBlock = new LinkedHashMap<>();
        for (SinglePathOutcome.Step s : o.steps) {
            x.add((double) s.iteration);
            total.get("predicted (hard choices)").add(s.predictedMs);
            total.get("target").add(o.targetMs);
            s.blockMs.forEach((block, ms) -> perBlock.computeIfAbsent(block, b -> new ArrayList<>()).add(ms));
        }
        Plots.lines("Predicted latency during the search", "iteration", "ms", x, total,
                directory.resolve(LATENCY_PLOT));
        Plots.lines("Predicted latency of each block's choice", "iteration", "ms", x, perBlock,
                directory.resolve(BLOCK_LATENCY_PLOT));
        Plots.curves(o.history, directory.resolve(ReportWriter.CURVES));
    }

    private static String ms(double v) {
        return Html.number("%.3f", v);
    }

    private static String html(SinglePathOutcome o) {
        StringBuilder b = new StringBuilder();
        b.append("<p>A MobileNetV2-style supernet of ").append(o.blocks.size()).append(" inverted-residual blocks, ")
                .append("searched for one kernel size and expansion ratio per block under a latency target. Data ")
                .append(Html.escape(o.data)).append(", seed ").append(o.seed).append(". Latency: backend ")
                .append(Html.escape(o.backend)).append(", batch size ").append(o.timingBatchSize)
                .append(", one forward pass in inference mode.</p>\n");

        b.append("<h2>Latency</h2>\n<table>").append(Html.headerRow("", "predicted ms", "measured ms",
                "(predicted - measured) / measured"));
        b.append(Html.row("target", ms(o.targetMs), "", ""));
        if (!o.fillSteps.isEmpty()) {
            b.append(Html.row("search's last choices, before the fill", ms(o.searchedPredictedMs), "", ""));
        }
        b.append(Html.row("searched network", ms(o.predictedMs), ms(o.measuredMs),
                Html.number("%+.1f%%", 100 * o.relativeError())));
        b.append(Html.row("supernet (largest candidates)", ms(o.supernetPredictedMs), ms(o.supernetMeasuredMs),
                Html.number("%+.1f%%", 100 * (o.supernetPredictedMs - o.supernetMeasuredMs) / o.supernetMeasuredMs)));
        if (o.supernetProfiledMs > 0) {
            b.append(Html.row("supernet, timed with the table", "", ms(o.supernetProfiledMs), ""));
        }
        if (o.gaugeProfiledMs > 0) {
            b.append(Html.row("searched network, at the table's speed", ms(o.predictedMs), ms(o.measuredAtTableSpeedMs),
                    Html.number("%+.1f%%", 100 * o.relativeErrorAtTableSpeed())));
            b.append(Html.row("supernet, at the table's speed", ms(o.supernetPredictedMs),
                    ms(o.supernetMeasuredAtTableSpeedMs), Html.number("%+.1f%%",
                            100 * o.supernetRelativeErrorAtTableSpeed())));
            b.append(Html.row("gauge network: with the table / now", "", ms(o.gaugeProfiledMs) + " / "
                    + ms(o.gaugeMeasuredMs), Html.number("%+.1f%% drift", 100 * (o.gaugeMeasuredMs / o.gaugeProfiledMs - 1))));
        }
        b.append("</table>\n<p>Predicted: the fixed part (stem and head, ").append(ms(o.fixedMs))
                .append(" ms) plus the measured time of each block's chosen candidate (<code>latency.json</code>). ")
                .append("Measured: the exported network of stock DL4J layers, timed as the table was. ")
                .append("At the table's speed: its time in units of a fixed gauge network timed in the same rounds, ")
                .append("times the gauge's time when the table was made; this machine's speed can drift between the ")
                .append("two moments, and only this comparison separates the model's error from that drift.</p>\n")
                .append("<img src=\"" + LATENCY_PLOT + "\" alt=\"predicted latency against iteration, with the target\">\n")
                .append("<img src=\"" + BLOCK_LATENCY_PLOT + "\" alt=\"predicted latency of each block against iteration\">\n");

        if (!o.fillSteps.isEmpty()) {
            b.append("<p>The search ended ").append(Html.escape(String.format(Locale.ROOT, "%.1f%%",
                    100 * (1 - o.searchedPredictedMs / o.targetMs)))).append(" below its target; the fill switched on,")
                    .append(" one level at a time, the candidates nearest to being kept (largest norm / threshold)")
                    .append(" while the network stayed at or below the target, and when none fitted, gave up a kept")
                    .append(" level for one left off (an exchange):</p>\n<ul>");
            o.fillSteps.forEach(step -> b.append("<li>").append(Html.escape(step)).append("</li>"));
            b.append("</ul>\n");
        }
        b.append("<h2>Chosen blocks</h2>\n<table>").append(Html.headerRow("block", "input", "output channels",
                "stride", "kernel", "expansion", "channels", "predicted ms", "largest candidate ms"));
        for (SinglePathOutcome.Block k : o.blocks) {
            b.append(Html.row(k.name, k.height + "x" + k.width + "x" + k.inChannels, String.valueOf(k.outChannels),
                    String.valueOf(k.stride), k.skip ? "skip" : k.kernelSize + "x" + k.kernelSize,
                    k.skip ? "" : BigDecimal.valueOf(k.expansionRatio).stripTrailingZeros().toPlainString(), String.valueOf(k.channels), ms(k.predictedMs),
                    ms(k.largestMs)));
        }
        b.append("</table>\n");

        b.append("<h2>Choices over the epochs</h2>\n<table>");
        List<String> header = new ArrayList<>(List.of("epoch", "predicted ms"));
        o.blocks.forEach(k -> header.add(k.name));
        b.append(Html.headerRow(header.toArray(new String[0])));
        for (SinglePathOutcome.Epoch e : o.epochs) {
            List<String> cells = new ArrayList<>(List.of(e.epoch + (e.warmup ? " (warm-up)" : ""), ms(e.predictedMs)));
            cells.addAll(e.choices.values());
            b.append(Html.row(cells.toArray(new String[0])));
        }
        b.append("</table>\n");

        b.append("<h2>Accuracy</h2>\n<table>").append(Html.headerRow("", "parameters", "test accuracy"));
        b.append(Html.row("supernet", String.valueOf(o.supernetParameters), Html.number("%.4f", o.supernetTestAccuracy)));
        b.append(Html.row("searched network, exported", String.valueOf(o.slimParameters),
                Html.number("%.4f", o.slimTestAccuracyBeforeRetraining)));
        b.append(Html.row("searched network, retrained", String.valueOf(o.slimParameters),
                Html.number("%.4f", o.slimTestAccuracy)));
        b.append("</table>\n<p>The exported network's largest output difference from the supernet with hard ")
                .append("indicators, on test images: ").append(Html.number("%.3g", o.exportMaxAbsDifference))
                .append(".</p>\n<h2>Training curves</h2>\n").append(ReportWriter.curves(o.history));

        b.append("<h2>Settings</h2>\n<table>").append(Html.headerRow("setting", "value"));
        o.settings.forEach((key, value) -> b.append(Html.row(key, value instanceof int[]
                ? Arrays.toString((int[]) value) : String.valueOf(value))));
        b.append("</table>\n").append(String.format(Locale.ROOT,
                "<p>Profiling %.1f s, search %.1f s, retraining %.1f s, in all %.1f s.</p>%n", o.profileSeconds,
                o.searchSeconds, o.retrainSeconds, o.totalSeconds));
        b.append("<p>Files:");
        for (String file : new String[] {ReportWriter.SUMMARY, SinglePathSearch.LATENCY_TABLE,
                SinglePathSearch.SLIM_MODEL, LATENCY_PLOT, BLOCK_LATENCY_PLOT, ReportWriter.CURVES}) {
            b.append(" <a href=\"").append(file).append("\"><code>").append(file).append("</code></a>");
        }
        b.append(".</p>\n");
        return Html.page("dl4j-dms Single-Path NAS report", b);
    }
}
