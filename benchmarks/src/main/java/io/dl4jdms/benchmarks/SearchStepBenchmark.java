package io.dl4jdms.benchmarks;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.layers.FusedNormalization;
import io.dl4jdms.layers.OneDnn;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.search.DefaultSupernet;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * One training step of the default {@code dms search} supernet with its search listeners against the same
 * network as stock DL4J layers, interleaved in one JVM, medians; and the convolution throughput of the loaded
 * native build against the gemm ceiling.
 *
 * <ul>
 *   <li>{@code supernet}: the supernet of {@code dms search} (width multiplier 1.5, 28x28x1, 10 classes) with
 *       {@link TaylorImportanceListener} and {@link ResourceLossListener} attached and the fused batch normalisation
 *       ({@link FusedNormalization}), as in a search;</li>
 *   <li>{@code stock}: the same supernet exported before any search ({@link SlimExporter}: every channel and
 *       block kept), i.e. the same shapes as DL4J's {@code ConvolutionLayer}, {@code BatchNormalization},
 *       {@code ActivationLayer} and {@code ElementWiseVertex}, trained with the supernet's cache mode.</li>
 *   <li>{@code stock-fused} (only on request): the stock network with the fused batch normalisation
 *       ({@link FusedNormalization}), as the supernet has it;</li>
 *   <li>{@code supernet-nocache} (only on request): the supernet with DL4J's cache mode {@code NONE} instead of the
 *       default supernet's {@code DEVICE}, so that its stock convolutions run their forward pass again in backprop
 *       (the same weights).</li>
 * </ul>
 * The PyTorch side of the same comparison is {@code benchmarks/python/search_step_torch.py}, interleaved with
 * {@code --torch}.
 *
 * <p>Arguments (all optional): {@code --reps N} (default 20), {@code --warmup N} (default 5), {@code --batch N}
 * (default 64), {@code --seed N} (default 42), {@code --variants supernet,stock} (default both; also {@code supernet-nocache}; ratios are to {@code stock}), {@code --torch PYTHON}
 * (also time the PyTorch peer, e.g. {@code /usr/bin/python3}; run from the repository root).
 */
public final class SearchStepBenchmark {

    private SearchStepBenchmark() {
    }

    public static void main(String[] args) {
        int reps = 20;
        int warmup = 5;
        int batch = 64;
        long seed = 42;
        List<String> only = List.of("supernet", "stock");
        String torch = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--variants" -> only = List.of(args[++i].split(","));
                case "--torch" -> torch = args[++i];
                case "-h", "--help" -> {
                    System.out.println("Usage: SearchStepBenchmark [--reps N] [--warmup N] [--batch N] [--seed N] [--variants supernet,stock] [--torch PYTHON]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (try --help)");
            }
        }
        Benchmarks.printEnvironment();
        System.out.println("fast path: " + OneDnn.status());

        ComputationGraphConfiguration conf = DefaultSupernet.configuration(28, 28, 1, 10, 1.5, 1.0, seed);
        ComputationGraph supernet = new ComputationGraph(conf);
        supernet.init();
        ComputationGraph stock = SlimExporter.export(supernet);
        // The exported network has DL4J's default cache mode; it trains here with the supernet's, like for like.
        stock.getConfiguration().setCacheMode(conf.getCacheMode());
        stock.setCacheMode(conf.getCacheMode());
        // As dms search trains it: the stock batch normalisations with the fused pass.
        int fusedNorms = FusedNormalization.install(supernet);
        ResourceModel model = ResourceModel.of(supernet, InputType.convolutional(28, 28, 1));
        System.out.printf(Locale.ROOT, "supernet: %,d parameters, %.2f M multiply-accumulates per image%n",
                supernet.numParams(), model.full(ResourceKind.FLOPS) / 1e6);
        System.out.println("supernet: fused pass in " + fusedNorms + " stock batch normalisation layers");
        listeners(supernet, model);
        DataSet data = fixedBatch(batch, seed);

        Map<String, Supplier<Long>> variants = new LinkedHashMap<>();
        if (only.contains("supernet")) {
            variants.put("supernet", () -> time(supernet, data));
        }
        if (only.contains("stock")) {
            variants.put("stock", () -> time(stock, data));
        }
        if (only.contains("stock-fused")) {
            ComputationGraph fused = SlimExporter.export(supernet);
            fused.getConfiguration().setCacheMode(conf.getCacheMode());
            fused.setCacheMode(conf.getCacheMode());
            FusedNormalization.install(fused);
            variants.put("stock-fused", () -> time(fused, data));
        }
        if (only.contains("supernet-nocache")) {
            ComputationGraphConfiguration uncached = conf.clone();
            uncached.setCacheMode(CacheMode.NONE);
            ComputationGraph noCache = new ComputationGraph(uncached);
            noCache.init(supernet.params().dup(), false);
            noCache.setCacheMode(CacheMode.NONE);
            FusedNormalization.install(noCache);
            listeners(noCache, ResourceModel.of(noCache, InputType.convolutional(28, 28, 1)));
            variants.put("supernet-nocache", () -> time(noCache, data));
        }
        TorchPeer peer = torch == null ? null : new TorchPeer(torch, batch);
        if (peer != null) {
            variants.put("pytorch", peer::step);
        }
        Map<String, double[]> ms;
        try {
            ms = Benchmarks.interleave(variants, warmup, reps);
        } finally {
            if (peer != null) {
                peer.close();
            }
        }
        Benchmarks.printTable("Training-step time (ms), batch " + batch, ms,
                ms.containsKey("stock") ? "stock" : ms.keySet().iterator().next());

        convolutionThroughput(reps, warmup);
    }

    /** The native conv2d / conv2d_bp ops on [64, 32, 28, 28] -> 64, 3x3 against an n^3 gemm. */
    static void convolutionThroughput(int reps, int warmup) {
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, 32, 28, 28);
        INDArray w = Nd4j.rand(DataType.FLOAT, 64, 32, 3, 3).subi(0.5);
        INDArray eps = Nd4j.rand(DataType.FLOAT, 64, 64, 28, 28);
        INDArray out = Nd4j.create(DataType.FLOAT, 64, 64, 28, 28);
        INDArray gx = x.ulike();
        INDArray gw = w.ulike();
        INDArray a = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray c = Nd4j.create(DataType.FLOAT, 1024, 1024);
        Map<String, Supplier<Long>> ops = new LinkedHashMap<>();
        // kH kW sH sW pH pW dH dW same-mode, NCHW, weights [oC, iC, kH, kW]: as DL4J's oneDNN helper calls them.
        int[] args = {3, 3, 1, 1, 1, 1, 1, 1, 1, 0, 1};
        ops.put("conv2d", () -> timeOp(() -> Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w)
                .addOutputs(out).addIntegerArguments(args).build())));
        ops.put("conv2d_bp", () -> timeOp(() -> Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, eps)
                .addOutputs(gx, gw).addIntegerArguments(args).build())));
        ops.put("gemm1024", () -> timeOp(() -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0)));
        Map<String, double[]> ms = Benchmarks.interleave(ops, warmup, reps);
        double convFlops = 2.0 * 64 * 64 * 28 * 28 * 32 * 9;
        double gemmFlops = 2.0 * 1024 * 1024 * 1024;
        System.out.println();
        System.out.println("Native ops (ms, medians of " + reps + "), GFLOP/s:");
        double fwd = Benchmarks.percentile(ms.get("conv2d"), 50);
        double bwd = Benchmarks.percentile(ms.get("conv2d_bp"), 50);
        double gemm = Benchmarks.percentile(ms.get("gemm1024"), 50);
        System.out.printf(Locale.ROOT, "  conv2d    [64,32,28,28]->64 3x3  %8.1f ms  %6.1f GFLOP/s%n", fwd, convFlops / fwd / 1e6);
        System.out.printf(Locale.ROOT, "  conv2d_bp [64,32,28,28]->64 3x3  %8.1f ms  %6.1f GFLOP/s (2x the forward work)%n",
                bwd, 2 * convFlops / bwd / 1e6);
        System.out.printf(Locale.ROOT, "  gemm 1024^3 (the ceiling)         %8.1f ms  %6.1f GFLOP/s%n", gemm, gemmFlops / gemm / 1e6);
    }

    private static void listeners(ComputationGraph supernet, ResourceModel model) {
        supernet.setListeners(new TaylorImportanceListener(), ResourceLossListener.builder(model)
                .kind(ResourceKind.FLOPS).targetFraction(0.5).weight(5.0).geometricSchedule(1000, 0.8).build());
    }

    private static long time(ComputationGraph net, DataSet data) {
        long t0 = System.nanoTime();
        net.fit(data);
        long t = System.nanoTime() - t0;
        if (!Double.isFinite(net.score())) {
            throw new IllegalStateException("score is not finite: " + net.score());
        }
        return t;
    }

    /**
     * The PyTorch side ({@code benchmarks/python/search_step_torch.py --serve}) in a child process: each request is
     * one step, timed inside Python, so it interleaves with the DL4J variants in one run.
     */
    static final class TorchPeer implements AutoCloseable {
        private final Process process;
        private final java.io.BufferedReader in;
        private final java.io.PrintWriter out;

        TorchPeer(String python, int batch) {
            try {
                process = new ProcessBuilder(python, "benchmarks/python/search_step_torch.py", "--serve", "--batch",
                        Integer.toString(batch)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                in = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                        java.nio.charset.StandardCharsets.UTF_8));
                out = new java.io.PrintWriter(process.getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
                String ready = in.readLine();
                if (ready == null || !ready.startsWith("ready")) {
                    throw new IllegalStateException("the PyTorch peer did not start (" + ready + "); run from the "
                            + "repository root with " + python + " and python3-torch installed");
                }
                System.out.println("PyTorch peer: " + ready.substring("ready ".length()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot start " + python, e);
            }
        }

        long step() {
            out.println("step");
            try {
                String line = in.readLine();
                if (line == null) {
                    throw new IllegalStateException("the PyTorch peer ended");
                }
                return Math.round(Double.parseDouble(line) * 1e6);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            out.close();
            process.destroy();
        }
    }

    private static long timeOp(Runnable op) {
        long t0 = System.nanoTime();
        op.run();
        return System.nanoTime() - t0;
    }

    static DataSet fixedBatch(int batch, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, 10);
        Random random = new Random(seed);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, random.nextInt(10), 1.0);
        }
        return new DataSet(features, labels);
    }

    /** Interleaved timing and its table, shared by the benchmarks. */
    static final class Benchmarks {
        private Benchmarks() {
        }

        /** Runs every variant once per repetition, the first one rotating; returns milliseconds per variant. */
        static Map<String, double[]> interleave(Map<String, Supplier<Long>> variants, int warmup, int reps) {
            List<String> names = new ArrayList<>(variants.keySet());
            for (int w = 0; w < warmup; w++) {
                for (String name : names) {
                    variants.get(name).get();
                }
            }
            Map<String, double[]> ms = new LinkedHashMap<>();
            for (String name : names) {
                ms.put(name, new double[reps]);
            }
            for (int r = 0; r < reps; r++) {
                for (int j = 0; j < names.size(); j++) {
                    String name = names.get((r + j) % names.size());
                    ms.get(name)[r] = variants.get(name).get() / 1e6;
                }
            }
            return ms;
        }

        static void printTable(String title, Map<String, double[]> ms, String baseline) {
            double[] base = ms.get(baseline);
            System.out.println();
            System.out.println(title + ", " + base.length + " interleaved repetitions");
            System.out.printf(Locale.ROOT, "%-10s %9s %9s %9s %22s%n", "variant", "median", "p10", "p90",
                    "ratio to " + baseline);
            for (Map.Entry<String, double[]> e : ms.entrySet()) {
                double[] x = e.getValue();
                double[] pair = new double[x.length];
                for (int r = 0; r < x.length; r++) {
                    pair[r] = x[r] / base[r];
                }
                System.out.printf(Locale.ROOT, "%-10s %9.1f %9.1f %9.1f %10.3f [%.3f-%.3f]%n", e.getKey(),
                        percentile(x, 50), percentile(x, 10), percentile(x, 90), percentile(pair, 50),
                        percentile(pair, 10), percentile(pair, 90));
            }
            System.out.println("ratio: median [p10-p90] of variant / " + baseline + " within each repetition");
        }

        static double percentile(double[] values, double p) {
            return TopkOverheadBenchmark.percentile(values, p);
        }

        static void printEnvironment() {
            TopkOverheadBenchmark.printEnvironment();
            System.out.println("JavaCPP platform extension '"
                    + System.getProperty("org.bytedeco.javacpp.platform.extension", "") + "'");
        }
    }
}
