package io.dl4jdms.benchmarks;

import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.supernet.ResNetSupernet;
import io.dl4jdms.trainingfree.LengthDistortion;
import io.dl4jdms.trainingfree.NtkCondition;
import io.dl4jdms.trainingfree.TrainingFreeScores;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * Time to score one network of the default {@code dms search} supernet's size (stride-2 stem 18, stages
 * 18-36-72 of two basic blocks, strides 1-2-2: 12-24-48 widened 1.5x) with both training-free scores at their
 * defaults (length distortion: 10 points, 5 initialisations; NTK: 16 Fashion-MNIST images). Prints the median
 * and the range of the repetitions, and each score's share.
 *
 * <p>Arguments (optional): {@code --reps N} (default 5), {@code --warmup N} (default 1).
 */
public final class TrainingFreeBenchmark {

    private TrainingFreeBenchmark() {
    }

    public static void main(String[] args) {
        int reps = 5;
        int warmup = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--reps N, --warmup N)");
            }
        }
        ComputationGraph net = new ComputationGraph(new ResNetSupernet.Builder().input(28, 28, 1).classes(10)
                .stemWidth(12).stemStride(2).stageWidths(12, 24, 48).blocksPerStage(2, 2, 2).strides(1, 2, 2)
                .widthMultiplier(1.5).build());
        net.init();
        InputType input = InputType.convolutional(28, 28, 1);
        ResourceModel resources = ResourceModel.of(net, input);
        System.out.printf(Locale.ROOT, "network: %.0f FLOPs (MACs), %.0f parameters%n",
                resources.full(ResourceKind.FLOPS), resources.full(ResourceKind.PARAMS));
        INDArray images = FashionMnist.embedded().trainSet().getFeatures()
                .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, TrainingFreeScores.DEFAULT_BATCH_SIZE));
        LengthDistortion length = LengthDistortion.builder().build();
        NtkCondition ntk = NtkCondition.builder().build();
        double[] lengthSeconds = new double[reps];
        double[] ntkSeconds = new double[reps];
        double[] total = new double[reps];
        for (int r = -warmup; r < reps; r++) {
            long t0 = System.nanoTime();
            double le = length.score(net, input);
            long t1 = System.nanoTime();
            NtkCondition.Result kappa = ntk.score(net, images);
            long t2 = System.nanoTime();
            if (r >= 0) {
                lengthSeconds[r] = (t1 - t0) / 1e9;
                ntkSeconds[r] = (t2 - t1) / 1e9;
                total[r] = (t2 - t0) / 1e9;
            }
            System.out.printf(Locale.ROOT, "%s L^E %.4f, kappa %.2f (%s): %.3f s + %.3f s%n",
                    r < 0 ? "warm-up" : "rep " + r, le, kappa.kappa(), kappa.status(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        }
        System.out.printf(Locale.ROOT, "median over %d reps: both %.3f s (min %.3f, max %.3f); length distortion "
                        + "%.3f s; NTK %.3f s%n", reps, median(total), Arrays.stream(total).min().orElse(0),
                Arrays.stream(total).max().orElse(0), median(lengthSeconds), median(ntkSeconds));
        System.out.println("ND4J: " + Nd4j.getExecutioner().getEnvironmentInformation());
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
