package io.dl4jdms.benchmarks;

import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.supernet.ResNetSupernet;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Locale;

/**
 * The resource trajectory of a DMS search: how the FLOPs (or parameters) of a ResNet-style supernet
 * approach the budget while the search trains on the embedded Fashion-MNIST subset.
 *
 * <p>Supernet: {@link ResNetSupernet} for 28x28x1 input, 10 classes: a 3x3 stem (16 channels, stride
 * {@code --stem-stride}), three stages of two basic residual blocks (16-32-64 channels, strides 1-2-2),
 * global average pooling, softmax. Searched: the width of every residual stream (one shared operator
 * per stream), the inner width of every block ({@code TopkConv}) and the depth of every stage (the
 * blocks behind an identity shortcut). Float32; weights Adam 1e-3; ratios the project's default
 * updater (Adam 0.01, beta1 0.5).
 *
 * <p>Search: {@link TaylorImportanceListener} and {@link ResourceLossListener} with the log hinge,
 * {@code lambda_res = --weight}, the authors' geometric target schedule from the supernet to
 * {@code --target} reached at 80% of the iterations, depth masks frozen for the final 20%, and the
 * target held from both sides after it is reached. Every {@code --every} iterations it prints the
 * iteration, the scheduled target, the resource with hard counts (what the slim network has) as an
 * absolute figure and as a fraction of the supernet, the resource loss and the elapsed time; at the end
 * the kept size of every operator and the test accuracy of the supernet with hard masks.
 *
 * <p>Arguments (all optional): {@code --iterations N} (300), {@code --every N} (20), {@code --target F}
 * (0.5), {@code --weight W} (5), {@code --batch N} (64), {@code --seed N} (42), {@code --stem-stride N}
 * (2), {@code --kind flops|params} (flops).
 */
public final class ResourceTrajectoryBenchmark {

    private ResourceTrajectoryBenchmark() {
    }

    public static void main(String[] args) {
        int iterations = 300;
        int every = 20;
        double target = 0.5;
        double weight = 5;
        int batch = 64;
        long seed = 42;
        int stemStride = 2;
        ResourceKind kind = ResourceKind.FLOPS;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--iterations": iterations = Integer.parseInt(value); i++; break;
                case "--every": every = Integer.parseInt(value); i++; break;
                case "--target": target = Double.parseDouble(value); i++; break;
                case "--weight": weight = Double.parseDouble(value); i++; break;
                case "--batch": batch = Integer.parseInt(value); i++; break;
                case "--seed": seed = Long.parseLong(value); i++; break;
                case "--stem-stride": stemStride = Integer.parseInt(value); i++; break;
                case "--kind": kind = ResourceKind.valueOf(value.toUpperCase(Locale.ROOT)); i++; break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; known: --iterations --every --target --weight --batch --seed --stem-stride --kind");
            }
        }
        if (kind == ResourceKind.LATENCY) {
            throw new IllegalArgumentException("--kind: flops or params (latency needs a measured table)");
        }
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);

        ComputationGraph supernet = new ComputationGraph(new ResNetSupernet.Builder()
                .input(28, 28, 1).classes(10).stemStride(stemStride)
                .globalConfiguration(new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-3))
                        .weightInit(WeightInit.RELU).dataType(DataType.FLOAT))
                .build());
        supernet.init();
        ResourceModel model = ResourceModel.of(supernet, InputType.convolutional(28, 28, 1));
        ResourceLossListener resource = ResourceLossListener.builder(model).kind(kind).targetFraction(target)
                .weight(weight).geometricSchedule(iterations, 0.8).freezeDepthFor(0.2).build();
        supernet.setListeners(new TaylorImportanceListener(), resource);

        String unit = kind == ResourceKind.FLOPS ? "MACs" : "parameters";
        System.out.printf(Locale.ROOT, "supernet: %,.0f FLOPs (multiply-accumulates per example), %,.0f trainable"
                        + " parameters, %d operators (%d depth); smallest buildable %s %.4f of the supernet%n",
                model.full(ResourceKind.FLOPS), model.full(ResourceKind.PARAMS), model.operators().size(),
                model.operators().stream().filter(TopkOperator::isDepthOperator).count(), kind,
                model.smallest(kind) / model.full(kind));
        System.out.printf(Locale.ROOT, "search: %d iterations, batch %d, target %.2f of the supernet's %s,"
                + " lambda_res %.3g, geometric schedule reaching it at iteration %d, depth frozen from iteration %d,"
                + " seed %d%n", iterations, batch, target, kind, weight, resource.schedule().reachAt(),
                resource.freezeDepthAt(), seed);
        System.out.println();
        System.out.printf("| iteration | target | %s (hard) | fraction | loss | elapsed s |%n", unit);
        System.out.println("|---:|---:|---:|---:|---:|---:|");

        FashionMnist data = FashionMnist.embedded();
        DataSetIterator train = data.trainIterator(batch, seed);
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            if (!train.hasNext()) {
                train.reset();
            }
            supernet.fit(train.next());
            if (i == 0 || (i + 1) % every == 0 || i == iterations - 1) {
                System.out.printf(Locale.ROOT, "| %d | %.4f | %,.0f | %.4f | %.4f | %.0f |%n", i, resource.currentTarget(),
                        resource.currentValue(), resource.currentFraction(), resource.currentLoss(),
                        (System.nanoTime() - start) / 1e9);
            }
        }

        double fraction = model.evaluate(kind).fraction();
        System.out.println();
        System.out.printf(Locale.ROOT, "final %s with hard masks: %,.0f = %.4f of the supernet; target %.4f;"
                        + " |r/target - 1| = %.4f%n", kind, model.evaluate(kind).value(), fraction, target,
                Math.abs(fraction / target - 1));
        for (OperatorState s : OperatorState.read(supernet)) {
            System.out.printf(Locale.ROOT, "  %-12s kept %3d of %3d%n", s.name(), s.keptSize(), s.size());
        }
        for (TopkOperator op : model.operators()) {
            op.setHardMask(true);
        }
        Evaluation evaluation = supernet.evaluate(data.testIterator(500));
        System.out.printf(Locale.ROOT, "test accuracy of the searched (hard-masked) supernet after the search: %.4f"
                + " on %d images (no retraining)%n", evaluation.accuracy(), data.numTest());
    }
}
