package io.dl4jdms.benchmarks.trainingfree;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.trainingfree.Architecture;
import io.dl4jdms.trainingfree.GreedyScaling;
import io.dl4jdms.trainingfree.ScalingOutcome;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Training-free greedy scaling against uniform width scaling at the same FLOPs budgets: for each budget, grows the
 * ResNet seed with {@link GreedyScaling} (as {@code dms scale}), and scales the {@code dms search} base layout
 * (stride-2 stem, stages 12-24-48 of 2 basic blocks) uniformly in width to the largest multiplier within the
 * budget; trains both (as stock DL4J layers) the same way and prints FLOPs, parameters and test accuracy.
 *
 * <p>Arguments (optional): {@code --budgets F,F} (default {@code 2000000,6000000}), {@code --epochs N} (default 1),
 * {@code --data DIR}, {@code --train-per-class N}, {@code --test-per-class N}, {@code --seed N} (default 1).
 */
public final class ScaleVsUniformStudy {

    private ScaleVsUniformStudy() {
    }

    public static void main(String[] args) throws IOException {
        double[] budgets = {2e6, 6e6};
        int epochs = 1;
        Path dataDir = null;
        int trainPerClass = 0;
        int testPerClass = 0;
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--budgets" -> budgets = java.util.Arrays.stream(args[++i].split(",")).mapToDouble(Double::parseDouble)
                        .toArray();
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--data" -> dataDir = Path.of(args[++i]);
                case "--train-per-class" -> trainPerClass = Integer.parseInt(args[++i]);
                case "--test-per-class" -> testPerClass = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        SearchData data = SearchData.load(dataDir, seed);
        if (trainPerClass > 0) {
            data = data.subset(trainPerClass, testPerClass > 0 ? testPerClass : trainPerClass);
        }
        INDArray images = data.train(16, seed).next().getFeatures();
        System.out.println("data: " + data.describe());
        for (double budget : budgets) {
            ScalingOutcome outcome = GreedyScaling.builder(Architecture.seed(Architecture.RESNET), images)
                    .classes(data.classes()).budget(ResourceKind.FLOPS, budget).seed(seed).build().run();
            Architecture scaled = outcome.chosen().architecture();
            Architecture uniform = uniform(data, budget, seed);
            for (Architecture a : new Architecture[] {scaled, uniform}) {
                ComputationGraph supernet = network(a, data, seed);
                ResourceModel model = ResourceModel.of(supernet, input(data));
                ComputationGraph net = SlimExporter.export(supernet);
                long start = System.nanoTime();
                net.fit(data.train(64, seed), epochs);
                double accuracy = net.evaluate(data.test(256)).accuracy();
                System.out.printf(Locale.ROOT, "budget %,.0f %-8s %-60s FLOPs %,10.0f params %,8.0f accuracy %.4f "
                                + "(train %.0f s%s)%n", budget, a == scaled ? "scaled" : "uniform", a.describe(),
                        model.full(ResourceKind.FLOPS), model.full(ResourceKind.PARAMS), accuracy,
                        (System.nanoTime() - start) / 1e9, a == scaled ? String.format(Locale.ROOT,
                                ", scaling %d steps in %.0f s", outcome.steps().size() - 1, outcome.seconds()) : "");
            }
        }
    }

    /** The base layout at the largest width multiplier (bisection) whose FLOPs are within the budget. */
    static Architecture uniform(SearchData data, double budget, long seed) {
        double low = 0.05;
        double high = 4.0;
        for (int i = 0; i < 25; i++) {
            double mid = (low + high) / 2;
            if (flops(base(mid), data, seed) <= budget) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return base(low);
    }

    private static Architecture base(double multiplier) {
        return new Architecture(Architecture.RESNET, 12, 2, new int[] {12, 24, 48}, new int[] {2, 2, 2},
                new int[] {1, 2, 2}, multiplier);
    }

    private static double flops(Architecture a, SearchData data, long seed) {
        return ResourceModel.of(network(a, data, seed), input(data)).full(ResourceKind.FLOPS);
    }

    private static InputType input(SearchData data) {
        return InputType.convolutional(data.height(), data.width(), data.channels());
    }

    private static ComputationGraph network(Architecture a, SearchData data, long seed) {
        ComputationGraph net = new ComputationGraph(a.configuration(data.height(), data.width(), data.channels(),
                data.classes(), seed));
        net.init();
        return net;
    }
}
