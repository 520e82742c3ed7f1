package io.dl4jdms.cli;

import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.trainingfree.Architecture;
import io.dl4jdms.trainingfree.Ranking;
import io.dl4jdms.trainingfree.TrainingFreeScores;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dms rank}: scores and ranks a set of architectures with the training-free scores. */
@Command(name = "rank", mixinStandardHelpOptions = true,
        description = "Scores every architecture at initialisation with the As-ViT training-free scores (NTK "
                + "condition number on a minibatch of training images, length distortion) and ranks them: dense ranks "
                + "of kappa ascending and L^E descending, the smallest rank sum first. Each FILE is a JSON file of "
                + "architecture settings (family resnet or mobilenetv2, stemWidth, stemStride, stageWidths, "
                + "blocksPerStage, strides, widthMultiplier) or a DL4J ComputationGraph or MultiLayerNetwork "
                + "configuration. No training.")
final class RankCommand implements Callable<Integer> {

    /** The name of the ranking written into {@code --out}. */
    static final String RANKING = "ranking.json";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Architecture settings or configuration JSON files.")
    List<Path> files;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write " + RANKING + " into this directory.")
    Path out;

    @CommandLine.Mixin
    DataOption data;

    @CommandLine.Mixin
    ScoreOptions scoreOptions;

    @Override
    public Integer call() throws Exception {
        TrainingFreeScores scores;
        SearchData loaded;
        List<JsonNode> documents = new ArrayList<>();
        INDArray images;
        try {
            scores = scoreOptions.scores();
            for (Path file : files) {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("Invalid value for parameter 'FILE': " + file + " is not a readable file");
                }
                try {
                    documents.add(new ObjectMapper().readTree(file.toFile()));
                } catch (IOException e) {
                    throw new IllegalArgumentException("Invalid value for parameter 'FILE': " + file + " is not JSON ("
                            + e.getMessage().split("\n")[0] + ")");
                }
            }
            loaded = SearchData.load(data.checked(), scoreOptions.seed);
            images = scoreOptions.images(loaded);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        InputType input = InputType.convolutional(loaded.height(), loaded.width(), loaded.channels());
        ProgressBarProgress progress = new ProgressBarProgress();
        List<TrainingFreeScores.Scores> results = new ArrayList<>();
        List<double[]> resources = new ArrayList<>();
        progress.startPhase("score", files.size());
        try {
            for (int i = 0; i < files.size(); i++) {
                Model net = network(documents.get(i), files.get(i), loaded, scoreOptions.seed);
                ResourceModel model = net instanceof ComputationGraph g ? ResourceModel.of(g, input)
                        : ResourceModel.of((MultiLayerNetwork) net, input);
                resources.add(new double[] {model.full(ResourceKind.FLOPS), model.full(ResourceKind.PARAMS)});
                results.add(scores.score(net, input, images));
                progress.step(files.get(i).getFileName().toString());
            }
        } finally {
            progress.endPhase();
        }
        Ranking ranking = Ranking.of(results);
        PrintWriter print = spec.commandLine().getOut();
        print.printf(Locale.ROOT, "%-32s %14s %12s %10s %12s %6s %6s %5s%n", "file", "FLOPs", "params", "L^E", "kappa",
                "rank k", "rank L", "sum");
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("data", loaded.describe());
        root.put("seed", scoreOptions.seed);
        root.put("nonFiniteKappas", ranking.nonFiniteKappas());
        ArrayNode rows = root.putArray("architectures");
        for (Ranking.Entry e : ranking.entries()) {
            TrainingFreeScores.Scores s = e.scores();
            String kappa = s.ntk().isFinite() ? String.format(Locale.ROOT, "%.4g", s.kappa()) : s.ntk().status().name();
            print.printf(Locale.ROOT, "%-32s %,14.0f %,12.0f %10.4g %12s %6d %6d %5d%n", files.get(e.index()).getFileName(),
                    resources.get(e.index())[0], resources.get(e.index())[1], s.lengthDistortion(), kappa, e.kappaRank(),
                    e.lengthRank(), e.rankSum());
            ObjectNode row = rows.addObject();
            row.put("file", files.get(e.index()).toString());
            row.put("flops", resources.get(e.index())[0]);
            row.put("params", resources.get(e.index())[1]);
            row.put("lengthDistortion", s.lengthDistortion());
            row.put("kappa", s.kappa());
            row.put("kappaStatus", s.ntk().status().name());
            row.put("kappaRank", e.kappaRank());
            row.put("lengthDistortionRank", e.lengthRank());
            row.put("rankSum", e.rankSum());
        }
        print.println("best: " + files.get(ranking.best().index()) + " (rank sum " + ranking.best().rankSum() + ")");
        if (ranking.nonFiniteKappas() > 0) {
            print.println(ranking.nonFiniteKappas() + " architecture(s) had a kappa that is not finite (ranked last)");
        }
        if (out != null) {
            Files.createDirectories(out);
            mapper.writeValue(out.resolve(RANKING).toFile(), root);
            print.println("ranking: " + out.resolve(RANKING).toAbsolutePath());
        }
        return 0;
    }

    /** The initialised network a JSON document describes. */
    private static Model network(JsonNode document, Path file, SearchData data, long seed) {
        if (document.has("family")) {
            Architecture a = Architecture.fromJson(document);
            ComputationGraph net = new ComputationGraph(a.configuration(data.height(), data.width(), data.channels(),
                    data.classes(), seed));
            net.init();
            return net;
        }
        if (document.has("vertices")) {
            ComputationGraph net = new ComputationGraph(ComputationGraphConfiguration.fromJson(document.toString()));
            net.init();
            return net;
        }
        if (document.has("confs")) {
            MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(document.toString()));
            net.init();
            return net;
        }
        throw new IllegalArgumentException(file + " is neither architecture settings (no 'family') nor a DL4J "
                + "configuration (no 'vertices' or 'confs')");
    }
}
