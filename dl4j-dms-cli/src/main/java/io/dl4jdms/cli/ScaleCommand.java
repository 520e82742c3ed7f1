package io.dl4jdms.cli;

import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.report.ReportWriter;
import io.dl4jdms.trainingfree.Architecture;
import io.dl4jdms.trainingfree.GreedyScaling;
import io.dl4jdms.trainingfree.ScalingOutcome;
import io.dl4jdms.trainingfree.ScalingReport;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dms scale}: grows a seed architecture with the training-free scores up to a budget, and a report. */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Grows a small ResNet- or MobileNetV2-style seed (one block per stage) step by step: each step "
                + "scores every 'one more block in one stage' x 'width x 1.05 to 1.20' candidate within the budget "
                + "with the As-ViT training-free scores (NTK condition number, length distortion) and keeps the best "
                + "rank sum, until nothing fits. No training. Writes summary.json, report.html, architecture.json "
                + "and configuration.json.")
final class ScaleCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("dms-scale-out");

    @Option(names = "--target-flops", paramLabel = "F",
            description = "FLOPs budget: multiply-accumulates of one example's forward pass, > 0.")
    Double targetFlops;

    @Option(names = "--target-params", paramLabel = "P", description = "Parameter budget, > 0; instead of --target-flops.")
    Double targetParams;

    @Option(names = "--family", paramLabel = "NAME",
            description = "The seed's family: resnet (default) or mobilenetv2.")
    String family = Architecture.RESNET;

    @Option(names = "--seed-architecture", paramLabel = "FILE",
            description = "A JSON file of architecture settings to start from instead of the family's seed.")
    Path seedArchitecture;

    @Option(names = "--max-steps", paramLabel = "N", description = "The most grow steps (default: ${DEFAULT-VALUE}).")
    int maxSteps = 100;

    @CommandLine.Mixin
    DataOption data;

    @CommandLine.Mixin
    ScoreOptions scoreOptions;

    @Override
    public Integer call() throws Exception {
        GreedyScaling scaling;
        SearchData loaded;
        try {
            if ((targetFlops == null) == (targetParams == null)) {
                throw new IllegalArgumentException("give one of --target-flops or --target-params");
            }
            Double target = targetFlops != null ? targetFlops : targetParams;
            ScoreOptions.require(target > 0 && !target.isInfinite(), targetFlops != null ? "--target-flops"
                    : "--target-params", target, "a number > 0");
            ScoreOptions.require(maxSteps >= 0, "--max-steps", maxSteps, "at least 0");
            Architecture seed = seedArchitecture != null
                    ? Architecture.fromJson(new ObjectMapper().readTree(seedArchitecture.toFile()))
                    : Architecture.seed(family.toLowerCase(Locale.ROOT));
            var scores = scoreOptions.scores();
            loaded = SearchData.load(data.checked(), scoreOptions.seed);
            scaling = GreedyScaling.builder(seed, scoreOptions.images(loaded)).classes(loaded.classes())
                    .budget(targetFlops != null ? ResourceKind.FLOPS : ResourceKind.PARAMS, target)
                    .maxSteps(maxSteps).seed(scoreOptions.seed).scores(scores).progress(new ProgressBarProgress())
                    .log(spec.commandLine().getOut()::println).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        ScalingOutcome outcome = scaling.run();
        ScalingOutcome.Candidate chosen = outcome.chosen();
        ScalingReport.write(outcome, chosen.architecture().configuration(loaded.height(), loaded.width(),
                loaded.channels(), loaded.classes(), scoreOptions.seed), loaded.describe(), scoreOptions.seed, out);
        var print = spec.commandLine().getOut();
        print.printf(Locale.ROOT, "chosen after %d step(s): %s%n", outcome.steps().size() - 1,
                chosen.architecture().describe());
        print.printf(Locale.ROOT, "%.0f FLOPs, %.0f parameters, L^E %.4g, kappa %.4g (%s); budget %.0f %s%n",
                chosen.flops(), chosen.params(), chosen.scores().lengthDistortion(), chosen.scores().kappa(),
                chosen.scores().ntk().status(), outcome.budget(), outcome.kind() == ResourceKind.FLOPS ? "FLOPs" : "parameters");
        if (outcome.nonFiniteKappas() > 0) {
            print.println(outcome.nonFiniteKappas() + " candidate(s) had a kappa that is not finite (ranked last)");
        }
        print.println("report: " + out.resolve(ReportWriter.REPORT).toAbsolutePath());
        return 0;
    }
}
