package io.dl4jdms.benchmarks;

import io.dl4jdms.layers.TopkConv;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * Training-step time of a CNN built from {@link TopkConv} layers against the same CNN built from
 * DL4J's own {@link ConvolutionLayer}, measured in one run.
 *
 * <p>Network (DESIGN.md): 3x conv3x3 (32-64-128 channels, {@code ConvolutionMode.Same}, no bias), each
 * followed by batch normalisation and ReLU; global average pooling; dense 10 softmax output (MCXENT).
 * Input 28x28x1, batch 64, float32, Adam, same seed. Variants:
 * <ul>
 *   <li>{@code plain}: ConvolutionLayer + BatchNormalization + ActivationLayer(ReLU)</li>
 *   <li>{@code topk-bn}: TopkConv with {@code .batchNorm(true).activation(RELU).hasBias(false)} (the
 *       same maths in one layer, plus the mask)</li>
 *   <li>{@code topk+bn}: TopkConv (identity activation, no built-in BN) + BatchNormalization +
 *       ActivationLayer(ReLU): the plain network with only the convolution swapped</li>
 * </ul>
 *
 * <p>Method: each network is built and warmed up, then the variants are interleaved for every
 * repetition (the variant that goes first rotates), so machine noise hits all of them alike. One step
 * is {@code net.fit(DataSet)} on a fixed random batch, timed with {@link System#nanoTime()}.
 *
 * <p>Arguments (all optional): {@code --reps N} (default 12), {@code --warmup N} (default 3),
 * {@code --batch N} (default 64), {@code --seed N} (default 42),
 * {@code --variants plain,topk-bn,topk+bn} (default all three; the first is the baseline of the ratios).
 */
public final class TopkOverheadBenchmark {

    private static final int[] CHANNELS = {32, 64, 128};
    private static final int HEIGHT = 28;
    private static final int WIDTH = 28;
    private static final int DEPTH = 1;
    private static final int CLASSES = 10;

    private TopkOverheadBenchmark() {
    }

    /** The network variants. */
    enum Variant {
        PLAIN("plain", "(a) ConvolutionLayer + BatchNormalization + ActivationLayer(ReLU)"),
        TOPK_BN("topk-bn", "(b) TopkConv(batchNorm=true, ReLU)"),
        TOPK_PLUS_BN("topk+bn", "(c) TopkConv(identity) + BatchNormalization + ActivationLayer(ReLU)");

        final String id;
        final String description;

        Variant(String id, String description) {
            this.id = id;
            this.description = description;
        }

        static Variant of(String id) {
            for (Variant v : values()) {
                if (v.id.equalsIgnoreCase(id.trim())) {
                    return v;
                }
            }
            throw new IllegalArgumentException("Unknown variant '" + id + "'; known: plain, topk-bn, topk+bn");
        }
    }

    public static void main(String[] args) {
        int reps = 12;
        int warmup = 3;
        int batch = 64;
        long seed = 42;
        List<Variant> variants = new ArrayList<>(List.of(Variant.values()));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--reps" -> reps = Integer.parseInt(value(args, ++i, arg));
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, arg));
                case "--batch" -> batch = Integer.parseInt(value(args, ++i, arg));
                case "--seed" -> seed = Long.parseLong(value(args, ++i, arg));
                case "--variants" -> {
                    variants.clear();
                    for (String id : value(args, ++i, arg).split(",")) {
                        variants.add(Variant.of(id));
                    }
                }
                case "-h", "--help" -> {
                    System.out.println("Usage: TopkOverheadBenchmark [--reps N] [--warmup N] [--batch N] [--seed N]"
                            + " [--variants plain,topk-bn,topk+bn]");
                    return;
                }
                default -> throw new IllegalArgumentException("Unknown argument: " + arg + " (try --help)");
            }
        }
        if (reps < 1 || warmup < 0 || batch < 1 || variants.isEmpty()) {
            throw new IllegalArgumentException("Need reps >= 1, warmup >= 0, batch >= 1 and at least one variant");
        }
        run(reps, warmup, batch, seed, variants);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException("Missing value for " + name);
        }
        return args[i];
    }

    private static void run(int reps, int warmup, int batch, long seed, List<Variant> variants) {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        printEnvironment();
        System.out.printf(Locale.ROOT, "Settings: batch %d, input %dx%dx%d, float32, Adam, seed %d, warm-up %d, "
                + "repetitions %d (interleaved, rotating start)%n", batch, HEIGHT, WIDTH, DEPTH, seed, warmup, reps);

        DataSet data = fixedBatch(batch, seed);

        Map<Variant, MultiLayerNetwork> nets = new LinkedHashMap<>();
        for (Variant v : variants) {
            MultiLayerNetwork net = new MultiLayerNetwork(configuration(v, seed));
            net.init();
            nets.put(v, net);
            System.out.printf(Locale.ROOT, "  %-8s %-70s %,d params, %d layers%n", v.id, v.description,
                    net.numParams(), net.getnLayers());
        }

        // Warm-up, interleaved as well.
        for (int w = 0; w < warmup; w++) {
            for (Variant v : variants) {
                long t = time(nets.get(v), data);
                System.err.printf(Locale.ROOT, "warm-up %d/%d %-8s %8.1f ms%n", w + 1, warmup, v.id, t / 1e6);
            }
        }

        int k = variants.size();
        double[][] ms = new double[k][reps];
        long start = System.nanoTime();
        for (int r = 0; r < reps; r++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "rep %d/%d", r + 1, reps));
            for (int j = 0; j < k; j++) {
                int idx = (r + j) % k; // rotate which variant goes first
                Variant v = variants.get(idx);
                ms[idx][r] = time(nets.get(v), data) / 1e6;
                line.append(String.format(Locale.ROOT, "  %s %.1f", v.id, ms[idx][r]));
            }
            System.err.println(line);
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        for (MultiLayerNetwork net : nets.values()) {
            if (!Double.isFinite(net.score())) {
                System.out.println("WARNING: a network's score is not finite: " + net.score());
            }
        }

        printTable(variants, ms, seconds);
    }

    private static long time(MultiLayerNetwork net, DataSet data) {
        long t0 = System.nanoTime();
        net.fit(data);
        return System.nanoTime() - t0;
    }

    private static void printTable(List<Variant> variants, double[][] ms, double seconds) {
        int k = variants.size();
        int reps = ms[0].length;
        double baseMedian = percentile(ms[0], 50);
        System.out.println();
        System.out.printf(Locale.ROOT, "Training-step time (ms), %d interleaved repetitions, %.0f s timed%n", reps, seconds);
        System.out.printf(Locale.ROOT, "%-8s %9s %9s %9s %14s %24s%n", "variant", "median", "p10", "p90",
                "ratio medians", "per-rep ratio median");
        for (int i = 0; i < k; i++) {
            double[] x = ms[i];
            double median = percentile(x, 50);
            String ratio;
            String perRep;
            if (i == 0) {
                ratio = "1.000";
                perRep = "(baseline)";
            } else {
                double[] pair = new double[reps];
                for (int r = 0; r < reps; r++) {
                    pair[r] = x[r] / ms[0][r];
                }
                ratio = String.format(Locale.ROOT, "%.3f", median / baseMedian);
                perRep = String.format(Locale.ROOT, "%.3f [%.3f-%.3f]", percentile(pair, 50),
                        percentile(pair, 10), percentile(pair, 90));
            }
            System.out.printf(Locale.ROOT, "%-8s %9.1f %9.1f %9.1f %14s %24s%n", variants.get(i).id, median,
                    percentile(x, 10), percentile(x, 90), ratio, perRep);
        }
        System.out.println("ratios are over '" + variants.get(0).id + "'; per-rep ratio: median [p10-p90] of "
                + "variant/baseline within each repetition");
        for (Variant v : variants) {
            System.out.printf(Locale.ROOT, "  %-8s = %s%n", v.id, v.description);
        }
    }

    /** Linear-interpolated percentile (p in [0, 100]). */
    static double percentile(double[] values, double p) {
        double[] s = values.clone();
        Arrays.sort(s);
        if (s.length == 1) {
            return s[0];
        }
        double pos = p / 100.0 * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    private static DataSet fixedBatch(int batch, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.rand(DataType.FLOAT, batch, DEPTH, HEIGHT, WIDTH);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
        Random random = new Random(seed);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, random.nextInt(CLASSES), 1.0);
        }
        return new DataSet(features, labels);
    }

    static MultiLayerConfiguration configuration(Variant variant, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU)
                .list();
        int nIn = DEPTH;
        for (int c : CHANNELS) {
            switch (variant) {
                case PLAIN -> {
                    list.layer(new ConvolutionLayer.Builder(3, 3).nIn(nIn).nOut(c)
                            .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).hasBias(false).build());
                    list.layer(new BatchNormalization.Builder().nOut(c).build());
                    list.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
                }
                case TOPK_BN -> list.layer(new TopkConv.Builder(3, 3).nIn(nIn).nOut(c)
                        .convolutionMode(ConvolutionMode.Same).batchNorm(true).activation(Activation.RELU)
                        .hasBias(false).build());
                case TOPK_PLUS_BN -> {
                    list.layer(new TopkConv.Builder(3, 3).nIn(nIn).nOut(c)
                            .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).hasBias(false).build());
                    list.layer(new BatchNormalization.Builder().nOut(c).build());
                    list.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
                }
                default -> throw new IllegalStateException(variant.toString());
            }
            nIn = c;
        }
        list.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                .activation(Activation.SOFTMAX).build());
        list.setInputType(InputType.convolutional(HEIGHT, WIDTH, DEPTH));
        return list.build();
    }

    static void printEnvironment() {
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "JVM: %s %s (%s), os %s %s, availableProcessors %d, max heap %d MB%n",
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("java.vendor"), System.getProperty("os.name"), System.getProperty("os.arch"),
                rt.availableProcessors(), rt.maxMemory() >> 20);
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        StringBuilder sb = new StringBuilder("ND4J: backend ").append(Nd4j.getBackend().getClass().getSimpleName());
        for (String key : new String[] {"blas.vendor", "omp.threads", "cores", "cpu", "env.cpu", "memory.available",
                "os", "backend"}) {
            Object value = env.get(key);
            if (value != null) {
                sb.append(", ").append(key).append(' ').append(value);
            }
        }
        System.out.println(sb);
        System.out.println("ND4J environment: " + new java.util.TreeMap<>(env));
    }
}
