package io.dl4jdms.benchmarks.trainingfree;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.trainingfree.Architecture;
import io.dl4jdms.trainingfree.Ranking;
import io.dl4jdms.trainingfree.TrainingFreeScores;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * "Does it rank?": samples ResNet architectures of the {@code dms search} layout (stride-2 stem, three stages of
 * basic blocks, strides 1-2-2) spread over about a 10x range of FLOPs, scores each at initialisation with both
 * training-free scores, trains each (as stock DL4J layers) for the same number of epochs, and reports Kendall's
 * tau, with a bootstrap interval, of -kappa, L^E, -rank sum, FLOPs and parameters against test accuracy.
 * Writes {@code study.csv} (one row per architecture) and prints the table.
 *
 * <p>Arguments (optional): {@code --architectures N} (default 24), {@code --epochs N} (default 1),
 * {@code --data DIR} (default the embedded subset), {@code --train-per-class N} and {@code --test-per-class N}
 * (a class-balanced part; default all), {@code --seed N} (default 1), {@code --bootstrap N} (default 2000),
 * {@code --out DIR} (default {@code trainingfree-study}).
 */
public final class RankCorrelationStudy {

    private RankCorrelationStudy() {
    }

    public static void main(String[] args) throws IOException {
        int count = 24;
        int epochs = 1;
        Path dataDir = null;
        int trainPerClass = 0;
        int testPerClass = 0;
        long seed = 1;
        int bootstrap = 2000;
        Path out = Path.of("trainingfree-study");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--architectures" -> count = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--data" -> dataDir = Path.of(args[++i]);
                case "--train-per-class" -> trainPerClass = Integer.parseInt(args[++i]);
                case "--test-per-class" -> testPerClass = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--bootstrap" -> bootstrap = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        SearchData data = SearchData.load(dataDir, seed);
        if (trainPerClass > 0) {
            data = data.subset(trainPerClass, testPerClass > 0 ? testPerClass : trainPerClass);
        }
        System.out.println("data: " + data.describe());
        InputType input = InputType.convolutional(data.height(), data.width(), data.channels());
        INDArray images = data.train(TrainingFreeScores.DEFAULT_BATCH_SIZE, seed).next().getFeatures();
        TrainingFreeScores scorer = TrainingFreeScores.builder().build();
        List<Architecture> architectures = sample(count, new Random(seed));
        List<TrainingFreeScores.Scores> scores = new ArrayList<>();
        double[] flops = new double[count];
        double[] params = new double[count];
        double[] accuracy = new double[count];
        double[] trainSeconds = new double[count];
        for (int i = 0; i < count; i++) {
            Architecture a = architectures.get(i);
            ComputationGraph supernet = new ComputationGraph(a.configuration(data.height(), data.width(),
                    data.channels(), data.classes(), seed));
            supernet.init();
            ResourceModel model = ResourceModel.of(supernet, input);
            flops[i] = model.full(ResourceKind.FLOPS);
            params[i] = model.full(ResourceKind.PARAMS);
            scores.add(scorer.score(supernet, input, images));
            ComputationGraph net = SlimExporter.export(supernet);     // the same network as stock layers
            long start = System.nanoTime();
            net.fit(data.train(64, seed), epochs);
            trainSeconds[i] = (System.nanoTime() - start) / 1e9;
            accuracy[i] = net.evaluate(data.test(256)).accuracy();
            System.out.printf(Locale.ROOT, "%2d %-60s FLOPs %,10.0f L^E %.4g kappa %.4g accuracy %.4f (%.0f s)%n", i,
                    a.describe(), flops[i], scores.get(i).lengthDistortion(), scores.get(i).kappa(), accuracy[i],
                    trainSeconds[i]);
        }
        Ranking ranking = Ranking.of(scores);
        double[] negKappa = new double[count];
        double[] length = new double[count];
        double[] negRankSum = new double[count];
        for (int i = 0; i < count; i++) {
            Ranking.Entry e = ranking.entries().get(i);
            negKappa[i] = -e.kappaRank();          // dense rank: non-finite kappas tie last
            length[i] = scores.get(i).lengthDistortion();
            negRankSum[i] = -e.rankSum();
        }
        Files.createDirectories(out);
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("study.csv")))) {
            csv.println("architecture,flops,params,lengthDistortion,kappa,kappaStatus,kappaRank,lengthRank,rankSum,"
                    + "testAccuracy,trainSeconds");
            for (int i = 0; i < count; i++) {
                Ranking.Entry e = ranking.entries().get(i);
                csv.printf(Locale.ROOT, "\"%s\",%.0f,%.0f,%.6g,%.6g,%s,%d,%d,%d,%.4f,%.1f%n",
                        architectures.get(i).describe(), flops[i], params[i], length[i], scores.get(i).kappa(),
                        scores.get(i).ntk().status(), e.kappaRank(), e.lengthRank(), e.rankSum(), accuracy[i],
                        trainSeconds[i]);
            }
        }
        System.out.printf(Locale.ROOT, "%d architectures, FLOPs %.0f to %.0f (%.1fx), %d epoch(s), %s%n", count,
                min(flops), max(flops), max(flops) / min(flops), epochs, data.describe());
        System.out.println("Kendall tau against test accuracy (95% bootstrap interval, " + bootstrap + " resamples):");
        Random random = new Random(seed);
        report("-kappa (rank)", negKappa, accuracy, bootstrap, random);
        report("L^E", length, accuracy, bootstrap, random);
        report("-rank sum", negRankSum, accuracy, bootstrap, random);
        report("FLOPs", flops, accuracy, bootstrap, random);
        report("params", params, accuracy, bootstrap, random);
        System.out.println("non-finite kappas: " + ranking.nonFiniteKappas() + "; rows: " + out.resolve("study.csv"));
    }

    /** ResNet settings of the {@code dms search} layout with 1 to 3 blocks per stage and widths x0.5 to x1.6. */
    static List<Architecture> sample(int count, Random random) {
        List<Architecture> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] blocks = {1 + random.nextInt(3), 1 + random.nextInt(3), 1 + random.nextInt(3)};
            double multiplier = 0.5 * Math.pow(3.2, (i + random.nextDouble()) / count);   // spread over 0.5..1.6
            list.add(new Architecture(Architecture.RESNET, 12, 2, new int[] {12, 24, 48}, blocks, new int[] {1, 2, 2},
                    multiplier));
        }
        return list;
    }

    private static void report(String name, double[] x, double[] y, int resamples, Random random) {
        double tau = KendallTau.tau(x, y);
        double[] interval = KendallTau.bootstrap(x, y, resamples, random);
        System.out.printf(Locale.ROOT, "  %-14s tau %+.3f  [%+.3f, %+.3f]%n", name, tau, interval[0], interval[1]);
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }
}
