package io.dl4jdms.search;

import io.dl4jdms.pipeline.report.Html;
import io.dl4jdms.pipeline.report.Plots;
import io.dl4jdms.pipeline.report.ReportWriter;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static io.dl4jdms.pipeline.report.ReportWriter.CURVES;
import static io.dl4jdms.pipeline.report.ReportWriter.REPORT;
import static io.dl4jdms.pipeline.report.ReportWriter.SUMMARY;
import static io.dl4jdms.pipeline.report.ReportWriter.curves;

/**
 * Writes a DMS search's report into its output directory: {@code summary.json}, {@code report.html} (one
 * page a person can read) and the PNG plots it shows.
 */
public final class DmsReport {

    private DmsReport() {
    }

    /** Writes everything; returns the path of {@code report.html}. */
    public static Path write(SearchOutcome outcome, Path directory) throws IOException {
        Files.createDirectories(directory);
        writeSummary(outcome, directory.resolve(SUMMARY));
        double finalTarget = "params".equals(outcome.resource)
                ? outcome.targetParams / outcome.supernetParams
                : outcome.targetFlops / outcome.supernetFlops;
        Plots.resource(outcome.history, finalTarget, outcome.resource, directory.resolve("resource.png"));
        Plots.keptSizes(outcome.history, directory.resolve("kept-sizes.png"));
        List<String> names = new ArrayList<>();
        List<Integer> supernet = new ArrayList<>();
        List<Integer> searched = new ArrayList<>();
        for (SearchOutcome.OperatorSize op : outcome.operators) {
            names.add(op.name);
            supernet.add(op.supernetSize);
            searched.add(op.keptSize);
        }
        Plots.widths(names, supernet, searched, directory.resolve("widths.png"));
        Plots.curves(outcome.history, directory.resolve(CURVES));
        Path report = directory.resolve(REPORT);
        Files.write(report, html(outcome).getBytes(StandardCharsets.UTF_8));
        return report;
    }

    /** The summary as nested JSON: {@code supernet.flops}, {@code slim.testAccuracy}, ... */
    static void writeSummary(SearchOutcome o, Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("pipeline", o.pipeline);
        root.put("resource", o.resource);
        root.put("seed", o.seed);
        root.put("data", o.data);
        ObjectNode supernet = root.putObject("supernet");
        supernet.put("flops", o.supernetFlops);
        supernet.put("params", o.supernetParams);
        ObjectNode target = root.putObject("target");
        target.put("flops", o.targetFlops);
        target.put("params", o.targetParams);
        ObjectNode searched = root.putObject("searched");
        searched.put("flops", o.searchedFlops);
        searched.put("flopsAtSearchEnd", o.searchEndFlops);
        searched.put("budgetFitRemoved", o.budgetFitRemoved);
        searched.put("budgetFitAdded", o.budgetFitAdded);
        ObjectNode slim = root.putObject("slim");
        slim.put("flops", o.slimFlops);
        slim.put("params", o.slimParams);
        slim.put("testAccuracy", o.slimTestAccuracy);
        slim.put("maxAbsDiffVsHardMasked", o.slimMaxAbsDiffVsHardMasked);
        slim.put("training", o.slimTraining);
        slim.put("trainingEpochs", o.slimTrainingEpochs);
        slim.put("searchEpochs", o.slimSearchEpochs);
        if (o.recalibrationBatches > 0) {
            slim.put("testAccuracyBeforeRecalibration", o.slimTestAccuracyBeforeRecalibration);
            slim.put("recalibrationBatches", o.recalibrationBatches);
        }
        if (!Double.isNaN(o.pretrainedTestAccuracy)) {
            root.putObject("pretrained").put("testAccuracy", o.pretrainedTestAccuracy);
        }
        ObjectNode baseline = root.putObject("baseline");
        baseline.put("flops", o.baselineFlops);
        baseline.put("params", o.baselineParams);
        baseline.put("testAccuracy", o.baselineTestAccuracy);
        baseline.put("method", o.baselineMethod);
        baseline.put("trainingEpochs", o.baselineTrainingEpochs);
        if (o.recalibrationBatches > 0) {
            baseline.put("testAccuracyBeforeRecalibration", o.baselineTestAccuracyBeforeRecalibration);
        }
        if (!Double.isNaN(o.baselineWidthMultiplier)) {
            baseline.put("widthMultiplier", o.baselineWidthMultiplier);
        }
        if (!Double.isNaN(o.baselineKeptFraction)) {
            baseline.put("keptFraction", o.baselineKeptFraction);
        }
        ObjectNode timing = root.putObject("timing");
        timing.put("searchSeconds", o.searchSeconds);
        timing.put("retrainSeconds", o.retrainSeconds);
        root.set("operators", mapper.valueToTree(o.operators));
        root.set("provenance", mapper.valueToTree(o.provenance));
        mapper.writeValue(file.toFile(), root);
    }

    private static String html(SearchOutcome o) {
        StringBuilder b = new StringBuilder();
        b.append("<p>Pipeline <b>").append(Html.escape(o.pipeline)).append("</b>, resource <b>")
                .append(Html.escape(o.resource)).append("</b>, data ").append(Html.escape(o.data)).append(", seed ")
                .append(o.seed).append(". FLOPs are multiply-accumulates of one forward pass of one example.</p>\n");
        b.append("<h2>Result</h2>\n<table>").append(Html.headerRow("", "FLOPs", "parameters", "test accuracy"));
        row(b, "supernet", o.supernetFlops, o.supernetParams, Double.NaN);
        row(b, "target", o.targetFlops, o.targetParams, Double.NaN);
        boolean fitted = o.budgetFitRemoved > 0 || o.budgetFitAdded > 0;
        if (fitted) {
            row(b, "search end (hard masks)", o.searchEndFlops, Double.NaN, Double.NaN);
        }
        row(b, fitted ? String.format(Locale.ROOT, "searched, after the budget fit (%d element(s) removed, %d added back)",
                o.budgetFitRemoved, o.budgetFitAdded) : "searched (hard masks)", o.searchedFlops, Double.NaN, Double.NaN);
        if (!Double.isNaN(o.pretrainedTestAccuracy)) {
            row(b, "pretrained network, unpruned", o.supernetFlops, o.supernetParams, o.pretrainedTestAccuracy);
        }
        row(b, "slim network (" + o.slimTrainingInWords() + ")", o.slimFlops, o.slimParams,
                o.slimTestAccuracy);
        row(b, "baseline: " + o.baselineMethod + (o.baselineTrainingEpochs > 0
                        ? String.format(Locale.ROOT, " (%d epoch(s))", o.baselineTrainingEpochs) : ""),
                o.baselineFlops, o.baselineParams, o.baselineTestAccuracy);
        b.append("</table>\n<p>The slim network is the searched supernet with the pruned channels, features and blocks")
                .append(" removed; its largest output difference from the supernet with hard 0/1 masks on the test set is ")
                .append(String.format(Locale.ROOT, "%.3g", o.slimMaxAbsDiffVsHardMasked)).append(".</p>\n")
                .append(String.format(Locale.ROOT, "<p>Search %.1f s, retraining %.1f s.</p>%n", o.searchSeconds, o.retrainSeconds));
        if (o.recalibrationBatches > 0) {
            b.append(String.format(Locale.ROOT, "<p>The batch normalisation statistics of both the slim network and the"
                    + " baseline were re-estimated on the same %d training minibatches before evaluation, no weight"
                    + " trained; before that their test accuracies were %.4f (slim) and %.4f (baseline).</p>%n",
                    o.recalibrationBatches, o.slimTestAccuracyBeforeRecalibration, o.baselineTestAccuracyBeforeRecalibration));
        }
        b.append("<h2>Resource during the search</h2>\n<img src=\"resource.png\" alt=\"resource against iteration\">\n")
                .append("<h2>Kept sizes</h2>\n<img src=\"kept-sizes.png\" alt=\"kept size per operator against iteration\">\n")
                .append("<h2>Supernet and searched widths</h2>\n<img src=\"widths.png\" alt=\"sizes per operator\">\n")
                .append("<table>").append(Html.headerRow("operator", "kind", "supernet", "searched"));
        for (SearchOutcome.OperatorSize op : o.operators) {
            b.append(Html.row(op.name, op.kind, String.valueOf(op.supernetSize), String.valueOf(op.keptSize)));
        }
        b.append("</table>\n<h2>Training curves</h2>\n").append(curves(o.history))
                .append("<p>Files: <code>summary.json</code>, <code>structure.json</code>, <code>slim-model.zip</code>,")
                .append(" <code>checkpoint/</code>.</p>\n");
        return Html.page("dl4j-dms search report", b);
    }

    private static void row(StringBuilder b, String label, double flops, double params, double accuracy) {
        b.append(Html.row(label, number(flops), number(params), Html.number("%.4f", accuracy)));
    }

    private static String number(double v) {
        return Double.isNaN(v) || v == 0 ? "" : String.format(Locale.ROOT, "%,.0f", v);
    }
}
