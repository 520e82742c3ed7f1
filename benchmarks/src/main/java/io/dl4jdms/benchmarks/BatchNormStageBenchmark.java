package io.dl4jdms.benchmarks;

import io.dl4jdms.layers.OneDnn;
import io.dl4jdms.layers.impl.FusedBatchNorm;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The searchable layers' output stage ({@code mask * relu(batchNorm(z))}, batch statistics) on the shapes of the
 * default supernet, forward and backward, interleaved, medians: the op chain the layers ran before (libnd4j's
 * {@code mean}, {@code var}, {@code batchnorm}, copy, ReLU, broadcast multiply; backward a dot reduction, a broadcast
 * multiply, ReLU's backprop and {@code batchnorm_bp}) against the two-pass kernels of {@link FusedBatchNorm}; and
 * {@code batchnorm_bp} alone with libnd4j's platform helpers (oneDNN) allowed and disallowed, which shows whether the
 * oneDNN implementation runs for these calls. Prints the largest difference of the fused results from the op chain's.
 *
 * <p>Arguments (optional): {@code --reps N} (default 50), {@code --warmup N} (default 10).
 */
public final class BatchNormStageBenchmark {

    private BatchNormStageBenchmark() {
    }

    public static void main(String[] args) {
        int reps = 50;
        int warmup = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--probe" -> {
                    probe();
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        SearchStepBenchmark.Benchmarks.printEnvironment();
        System.out.println("fast path: " + OneDnn.status());
        for (long[] shape : new long[][] {{64, 18, 14, 14}, {64, 36, 7, 7}, {64, 72, 4, 4}}) {
            run(shape, reps, warmup);
        }
    }

    private static void run(long[] shape, int reps, int warmup) {
        Nd4j.getRandom().setSeed(7);
        int c = (int) shape[1];
        INDArray z = Nd4j.randn(DataType.FLOAT, shape).muli(1.7).addi(0.4);
        INDArray eps = Nd4j.randn(DataType.FLOAT, shape).muli(0.01);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, c).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, c).muli(0.1);
        INDArray mask = Nd4j.rand(DataType.FLOAT, c);
        double epsilon = 1e-5;
        int[] reduce = {0, 2, 3};

        // The op chain's arrays.
        INDArray mean = Nd4j.create(DataType.FLOAT, c);
        INDArray var = Nd4j.create(DataType.FLOAT, c);
        INDArray pre = z.ulike();
        INDArray act = z.ulike();
        INDArray out = z.ulike();
        INDArray dz = z.ulike();
        INDArray dMean = mean.ulike();
        INDArray dVar = mean.ulike();
        INDArray dGamma = mean.ulike();
        INDArray dBeta = mean.ulike();
        INDArray maskGrad = mean.ulike();
        // The fused kernels' arrays.
        INDArray fMean = mean.ulike();
        INDArray fVar = mean.ulike();
        INDArray fAct = z.ulike();
        INDArray fOut = z.ulike();
        INDArray fDz = z.ulike();
        INDArray fDGamma = mean.ulike();
        INDArray fDBeta = mean.ulike();
        double[][] fMaskGrad = new double[1][];

        Runnable chainForward = () -> {
            z.mean(mean, reduce);
            Nd4j.exec(new Variance(z, var, false, reduce));
            Nd4j.exec(DynamicCustomOp.builder("batchnorm").addInputs(z, mean, var, gamma, beta).addOutputs(pre)
                    .addIntegerArguments(1, 1, 1).addFloatingPointArguments(epsilon).build());
            INDArray a = act.assign(pre);
            new ActivationReLU().getActivation(a, true);
            Broadcast.mul(act, mask, out, 1);
        };
        Runnable chainBackward = () -> {
            Nd4j.exec(new Dot(eps, act, maskGrad, reduce));
            INDArray epsAct = Broadcast.mul(eps, mask, eps.ulike(), 1);
            INDArray epsPre = new ActivationReLU().backprop(pre, epsAct).getFirst();
            batchnormBp(z, mean, var, gamma, beta, epsPre, epsilon, dz, dMean, dVar, dGamma, dBeta);
        };
        INDArray epsPreFixed = new ActivationReLU().backprop(z.dup(), eps.dup()).getFirst();
        Runnable bpOnly = () -> batchnormBp(z, mean, var, gamma, beta, epsPreFixed, epsilon, dz.ulike(), dMean, dVar,
                dGamma, dBeta);
        Runnable fusedForward = () -> FusedBatchNorm.forward(z, gamma, beta, mask, epsilon, true, fMean, fVar, fAct, fOut);
        Runnable fusedBackward = () -> fMaskGrad[0] = FusedBatchNorm.backward(z, fAct, eps, mask, gamma, fMean, fVar,
                epsilon, true, fDz, fDGamma, fDBeta);

        chainForward.run();
        chainBackward.run();
        fusedForward.run();
        fusedBackward.run();
        System.out.println();
        System.out.println("shape " + java.util.Arrays.toString(shape) + ": fused against the op chain, max |diff| / max |value|:"
                + String.format(Locale.ROOT, " output %.2e, dL/dz %.2e, dgamma %.2e, dbeta %.2e, mask gradient %.2e",
                relDiff(fOut, out), relDiff(fDz, dz), relDiff(fDGamma, dGamma), relDiff(fDBeta, dBeta),
                relDiff(Nd4j.createFromArray(fMaskGrad[0]).castTo(DataType.FLOAT), maskGrad)));

        Map<String, Supplier<Long>> ops = new LinkedHashMap<>();
        ops.put("chain forward", () -> time(chainForward));
        ops.put("fused forward", () -> time(fusedForward));
        ops.put("chain backward", () -> time(chainBackward));
        ops.put("fused backward", () -> time(fusedBackward));
        ops.put("batchnorm_bp", () -> time(bpOnly));
        ops.put("batchnorm_bp no helpers", () -> {
            Nd4j.getEnvironment().allowHelpers(false);
            try {
                return time(bpOnly);
            } finally {
                Nd4j.getEnvironment().allowHelpers(true);
            }
        });
        Map<String, double[]> ms = SearchStepBenchmark.Benchmarks.interleave(ops, warmup, reps);
        for (Map.Entry<String, double[]> e : ms.entrySet()) {
            System.out.printf(Locale.ROOT, "  %-24s median %7.3f ms  p10 %7.3f  p90 %7.3f%n", e.getKey(),
                    SearchStepBenchmark.Benchmarks.percentile(e.getValue(), 50),
                    SearchStepBenchmark.Benchmarks.percentile(e.getValue(), 10),
                    SearchStepBenchmark.Benchmarks.percentile(e.getValue(), 90));
        }
    }

    /**
     * One {@code batchnorm_bp} call on the largest shape with libnd4j's debug and verbose output on (its platform
     * helpers print what they check), then with the platform helpers disallowed.
     */
    private static void probe() {
        System.out.println("fast path: " + OneDnn.status() + "; libnd4j isUseONEDNN " + OneDnn.nativeUsesOneDnn());
        INDArray z = Nd4j.randn(DataType.FLOAT, 64, 18, 14, 14);
        INDArray eps = Nd4j.randn(DataType.FLOAT, 64, 18, 14, 14);
        INDArray mean = z.mean(0, 2, 3);
        INDArray var = z.var(false, 0, 2, 3);
        INDArray gamma = Nd4j.ones(DataType.FLOAT, 18);
        INDArray beta = Nd4j.zeros(DataType.FLOAT, 18);
        for (boolean helpers : new boolean[] {true, false}) {
            Nd4j.getEnvironment().allowHelpers(helpers);
            Nd4j.getEnvironment().setDebug(true);
            Nd4j.getEnvironment().setVerbose(true);
            System.out.println("---- batchnorm_bp, platform helpers allowed: " + helpers);
            System.out.flush();
            batchnormBp(z, mean, var, gamma, beta, eps, 1e-5, z.ulike(), mean.ulike(), mean.ulike(), mean.ulike(),
                    mean.ulike());
            Nd4j.getEnvironment().setDebug(false);
            Nd4j.getEnvironment().setVerbose(false);
            System.out.println("---- done");
            System.out.flush();
        }
        Nd4j.getEnvironment().allowHelpers(true);
    }

    private static void batchnormBp(INDArray z, INDArray mean, INDArray var, INDArray gamma, INDArray beta,
                                    INDArray epsPre, double epsilon, INDArray dz, INDArray dMean, INDArray dVar,
                                    INDArray dGamma, INDArray dBeta) {
        Nd4j.exec(DynamicCustomOp.builder("batchnorm_bp").addInputs(z, mean, var, gamma, beta, epsPre)
                .addOutputs(dz, dMean, dVar, dGamma, dBeta).addIntegerArguments(1, 1, 1)
                .addFloatingPointArguments(epsilon).build());
    }

    private static double relDiff(INDArray a, INDArray b) {
        double scale = Math.max(b.amaxNumber().doubleValue(), 1e-30);
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
    }

    private static long time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return System.nanoTime() - t0;
    }
}
