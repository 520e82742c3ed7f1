package io.dl4jdms.trainingfree;

import io.dl4jdms.pipeline.report.Html;
import io.dl4jdms.pipeline.report.Plots;
import io.dl4jdms.pipeline.report.ReportWriter;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a greedy scaling's report in the style of {@code dms search}'s: {@code summary.json} (the chosen
 * architecture's settings, FLOPs, parameters and scores, and the trajectory of steps), {@code report.html} with
 * its plots ({@code scores.png}: L^E and log10 kappa of the kept architecture per step; {@code resource.png}: its
 * FLOPs and parameters per step) and {@code architecture.json} (the settings) and {@code configuration.json}
 * (the chosen network's DL4J configuration).
 */
public final class ScalingReport {

    public static final String ARCHITECTURE = "architecture.json";
    public static final String CONFIGURATION = "configuration.json";
    static final String SCORES_PLOT = "scores.png";
    static final String RESOURCE_PLOT = "resource.png";

    private ScalingReport() {
    }

    /**
     * Writes everything into {@code directory}.
     *
     * @param chosen the chosen architecture's configuration
     * @param data   a description of the data, for the report
     * @return the path of {@code report.html}
     */
    public static Path write(ScalingOutcome outcome, ComputationGraphConfiguration chosen, String data, long seed,
                             Path directory) throws IOException {
        Files.createDirectories(directory);
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        mapper.writeValue(directory.resolve(ReportWriter.SUMMARY).toFile(), summary(outcome, data, seed, mapper));
        mapper.writeValue(directory.resolve(ARCHITECTURE).toFile(), outcome.chosen().architecture().toJson());
        Files.writeString(directory.resolve(CONFIGURATION), chosen.toJson());
        plots(outcome, directory);
        Path report = directory.resolve(ReportWriter.REPORT);
        Files.write(report, html(outcome, data, seed).getBytes(StandardCharsets.UTF_8));
        return report;
    }

    static ObjectNode summary(ScalingOutcome o, String data, long seed, ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        root.put("data", data);
        root.put("seed", seed);
        ObjectNode budget = root.putObject("budget");
        budget.put("resource", o.kind().name().toLowerCase(Locale.ROOT));
        budget.put("value", o.budget());
        root.set("chosen", candidate(o.chosen(), mapper));
        root.put("nonFiniteKappas", o.nonFiniteKappas());
        root.put("seconds", o.seconds());
        ArrayNode steps = root.putArray("trajectory");
        for (ScalingOutcome.Step s : o.steps()) {
            ObjectNode step = steps.addObject();
            step.put("step", s.number());
            step.put("candidates", s.candidates().size());
            step.put("withinBudget", s.candidates().stream().filter(ScalingOutcome.Candidate::isScored).count());
            step.put("nonFiniteKappas", s.nonFiniteKappas());
            step.set("chosen", candidate(s.candidates().get(s.chosen()), mapper));
            ArrayNode all = step.putArray("all");
            s.candidates().forEach(c -> all.add(candidate(c, mapper)));
        }
        return root;
    }

    private static ObjectNode candidate(ScalingOutcome.Candidate c, ObjectMapper mapper) {
        ObjectNode node = mapper.createObjectNode();
        node.set("architecture", c.architecture().toJson());
        node.put("flops", c.flops());
        node.put("params", c.params());
        if (c.isScored()) {
            node.put("lengthDistortion", c.scores().lengthDistortion());
            node.put("kappa", c.scores().kappa());
            node.put("kappaStatus", c.scores().ntk().status().name());
            node.put("kappaRank", c.kappaRank());
            node.put("lengthDistortionRank", c.lengthRank());
            node.put("rankSum", c.kappaRank() + c.lengthRank());
            node.put("scoreSeconds", c.scores().seconds());
        }
        return node;
    }

    private static void plots(ScalingOutcome o, Path directory) throws IOException {
        List<Double> x = new ArrayList<>();
        Map<String, List<Double>> scores = new LinkedHashMap<>();
        scores.put("L^E", new ArrayList<>());
        scores.put("log10 kappa", new ArrayList<>());
        Map<String, List<Double>> resource = new LinkedHashMap<>();
        resource.put("FLOPs / budget", new ArrayList<>());
        resource.put("parameters / seed's parameters", new ArrayList<>());
        double seedParams = o.steps().get(0).candidates().get(0).params();
        for (ScalingOutcome.Step s : o.steps()) {
            ScalingOutcome.Candidate c = s.candidates().get(s.chosen());
            x.add((double) s.number());
            scores.get("L^E").add(c.scores().lengthDistortion());
            scores.get("log10 kappa").add(c.scores().ntk().isFinite() ? Math.log10(c.scores().kappa()) : Double.NaN);
            resource.get("FLOPs / budget").add(o.kind().name().equals("FLOPS") ? c.flops() / o.budget() : c.flops()
                    / o.steps().get(0).candidates().get(0).flops());
            resource.get("parameters / seed's parameters").add(c.params() / seedParams);
        }
        if (!o.kind().name().equals("FLOPS")) {
            Map<String, List<Double>> renamed = new LinkedHashMap<>();
            renamed.put("FLOPs / seed's FLOPs", resource.get("FLOPs / budget"));
            renamed.put("parameters / budget", resource.get("parameters / seed's parameters").stream()
                    .map(v -> v * seedParams / o.budget()).toList());
            resource = renamed;
        }
        Plots.lines("Scores of the kept architecture", "step", "score", x, scores, directory.resolve(SCORES_PLOT));
        Plots.lines("Size of the kept architecture", "step", "ratio", x, resource, directory.resolve(RESOURCE_PLOT));
    }

    private static String html(ScalingOutcome o, String data, long seed) {
        StringBuilder b = new StringBuilder();
        ScalingOutcome.Candidate chosen = o.chosen();
        b.append("<p>Greedy scaling with the As-ViT training-free scores under a budget of ")
                .append(Html.escape(String.format(Locale.ROOT, "%,.0f %s", o.budget(),
                        o.kind().name().equals("FLOPS") ? "FLOPs" : "parameters")))
                .append(". Data ").append(Html.escape(data)).append(", seed ").append(seed)
                .append(String.format(Locale.ROOT, ", %.1f s.", o.seconds()))
                .append(" FLOPs are multiply-accumulates of one forward pass of one example. Lower kappa and higher")
                .append(" L<sup>E</sup> are better; each step keeps the smallest rank sum.</p>\n");
        b.append("<h2>Chosen architecture</h2>\n<p><code>").append(Html.escape(chosen.architecture().describe()))
                .append("</code></p>\n<table>").append(Html.headerRow("FLOPs", "parameters", "L^E", "kappa"))
                .append(Html.row(Html.number("%,.0f", chosen.flops()), Html.number("%,.0f", chosen.params()),
                        Html.number("%.4g", chosen.scores().lengthDistortion()),
                        kappa(chosen.scores()))).append("</table>\n");
        if (o.nonFiniteKappas() > 0) {
            b.append("<p>").append(o.nonFiniteKappas())
                    .append(" scored candidate(s) had a kappa that is not finite (NaN or a singular kernel) and were")
                    .append(" ranked last.</p>\n");
        }
        b.append("<h2>Scores per step</h2>\n<img src=\"" + SCORES_PLOT + "\" alt=\"L^E and log10 kappa per step\">\n")
                .append("<img src=\"" + RESOURCE_PLOT + "\" alt=\"FLOPs and parameters per step\">\n");
        b.append("<h2>Trajectory</h2>\n<table>").append(Html.headerRow("step", "architecture", "FLOPs", "parameters",
                "L^E", "kappa", "rank sum", "fit / candidates"));
        for (ScalingOutcome.Step s : o.steps()) {
            ScalingOutcome.Candidate c = s.candidates().get(s.chosen());
            b.append(Html.row(String.valueOf(s.number()), c.architecture().describe(), Html.number("%,.0f", c.flops()),
                    Html.number("%,.0f", c.params()), Html.number("%.4g", c.scores().lengthDistortion()),
                    kappa(c.scores()), s.number() == 0 ? "" : String.valueOf(c.kappaRank() + c.lengthRank()),
                    s.candidates().stream().filter(ScalingOutcome.Candidate::isScored).count() + " / "
                            + s.candidates().size()));
        }
        b.append("</table>\n<p>Files: <code>summary.json</code>, <code>" + ARCHITECTURE + "</code> (the settings), <code>"
                + CONFIGURATION + "</code> (the DL4J configuration).</p>\n");
        return Html.page("dl4j-dms training-free scaling report", b);
    }

    private static String kappa(TrainingFreeScores.Scores s) {
        return s.ntk().isFinite() ? Html.number("%.4g", s.kappa()) : s.ntk().status().name();
    }
}
