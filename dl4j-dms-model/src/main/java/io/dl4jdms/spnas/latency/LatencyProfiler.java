package io.dl4jdms.spnas.latency;

import io.dl4jdms.resource.LatencyTiming;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Measures, on the backend in use (ND4J's CPU backend, or CUDA when the project is built with
 * {@code -Pcuda}), the inference time of every candidate (kernel size x expansion ratio) of every
 * {@link SearchableBlock}: each candidate is built as the stock DL4J layers it stands for
 * ({@link BlockLayers}), run {@code warmup} times, then timed {@code repeats} times; the median (by default) goes into
 * the {@link LatencyTable}. The skip op costs nothing (a skipped block has no layers). Every run ends with
 * {@code Nd4j.getExecutioner().commit()}, so asynchronous backends are timed to completion. The
 * candidates are timed interleaved, round by round, so a change of load on the machine affects all alike.
 *
 * <p>Each timed network pays DL4J's per-call overhead once (input checks, workspaces, copying the output),
 * the whole network pays it once too: the profiler measures it on a network that does nothing (an
 * identity on a 1x1x1 input) and subtracts it from every candidate, so that the sum of the table's
 * entries plus the fixed part ({@link #fixedMs}) counts it once.
 *
 * <pre>{@code
 * LatencyTable table = LatencyProfiler.builder().batchSize(1).warmup(10).repeats(30).build().profile(blocks);
 * table.write(new File("latency.json"));
 * }</pre>
 */
public final class LatencyProfiler {

    private final int batchSize;
    private final int warmup;
    private final int repeats;
    private final DataType dataType;
    private final int threads;
    private final double quantile;
    private final Consumer<String> progress;
    private final Runnable roundDone;

    private LatencyProfiler(Builder b) {
        this.batchSize = b.batchSize;
        this.warmup = b.warmup;
        this.repeats = b.repeats;
        this.dataType = b.dataType;
        this.threads = b.threads;
        this.quantile = b.quantile;
        this.progress = b.progress;
        this.roundDone = b.roundDone;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int batchSize() {
        return batchSize;
    }

    public DataType dataType() {
        return dataType;
    }

    /**
     * The rounds of one measurement ({@link #profile}, {@link #fixedMs}, {@link #timeMs}, ...): warm-up and timed
     * rounds, each reported to {@link Builder#roundDone}.
     */
    public int roundsPerMeasurement() {
        return warmup + repeats;
    }

    /**
     * Times every candidate of every block, less the per-call overhead; the table's fixed part is 0 (see
     * {@link #fixedMs} and {@link LatencyTable#withFixedMs}). The candidates are timed interleaved (one run of
     * each, {@code repeats} times over), so that a change in the machine's load spreads over all of them.
     */
    public LatencyTable profile(List<SearchableBlock> blocks) {
        List<Model> networks = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        List<int[]> where = new ArrayList<>();
        double[][][] ms = new double[blocks.size()][][];
        for (int b = 0; b < blocks.size(); b++) {
            SuperkernelSpace space = blocks.get(b).space();
            ms[b] = new double[space.shells().count()][space.groups().count()];
            for (int j = 0; j < ms[b].length; j++) {
                for (int i = 0; i < ms[b][j].length; i++) {
                    SearchableBlock block = blocks.get(b);
                    int channels = block.isInvertedResidual() ? block.inChannels() : space.groups().end(i);
                    networks.add(candidateNetwork(block, space.candidate(j, i)));
                    inputs.add(Nd4j.rand(dataType, batchSize, channels, block.height(), block.width()));
                    where.add(new int[] {b, j, i});
                }
            }
        }
        networks.add(identity());
        inputs.add(Nd4j.rand(dataType, batchSize, 1, 1, 1));
        double[] medians = interleavedTimes(networks, inputs);
        double overhead = medians[medians.length - 1];
        for (int n = 0; n < where.size(); n++) {
            int[] w = where.get(n);
            ms[w[0]][w[1]][w[2]] = Math.max(0.0, medians[n] - overhead);
        }
        List<LatencyTable.Entry> entries = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            LatencyTable.Entry entry = new LatencyTable.Entry(blocks.get(b), ms[b], 0.0);
            progress.accept(entry.toString());
            entries.add(entry);
        }
        Map<String, String> environment = environment();
        environment.put("callOverheadMs", String.valueOf(overhead));
        environment.put("timingThreads", threads > 0 ? String.valueOf(threads) : "default");
        environment.put("timingQuantile", String.valueOf(quantile));
        return new LatencyTable(backend(), dataType.name(), batchSize, warmup, repeats, 0.0, environment, entries);
    }

    /**
     * The time of the parts of a network outside its searchable blocks, given as separate networks with their
     * inputs (say the stem and the head): the sum of their times, with the per-call overhead counted once.
     */
    public double fixedMs(List<Model> segments, List<INDArray> inputs) {
        if (segments.size() != inputs.size() || segments.isEmpty()) {
            throw new IllegalArgumentException("latency profiler: " + segments.size() + " segments and "
                    + inputs.size() + " inputs; give one input per segment, at least one segment");
        }
        List<Model> networks = new ArrayList<>(segments);
        List<INDArray> in = new ArrayList<>(inputs);
        networks.add(identity());
        in.add(Nd4j.rand(dataType, batchSize, 1, 1, 1));
        double[] medians = interleavedTimes(networks, in);
        double sum = 0;
        for (int i = 0; i < segments.size(); i++) {
            sum += medians[i];
        }
        return Math.max(0.0, sum - (segments.size() - 1) * medians[medians.length - 1]);
    }

    /** DL4J's per-call overhead: the median time of an identity layer on a 1x1x1 input, in ms. */
    public double callOverheadMs() {
        return timeMs(identity(), Nd4j.rand(dataType, batchSize, 1, 1, 1));
    }

    /** The stock network of one candidate of a block (its input: the block's input). */
    public ComputationGraph candidateNetwork(SearchableBlock block, SuperkernelChoice choice) {
        if (choice.skip()) {
            throw new IllegalArgumentException("latency profiler: a skipped block has no network");
        }
        int channels = block.isInvertedResidual() ? block.inChannels() : choice.channels();
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(dataType)
                .graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(block.height(), block.width(), channels));
        String out = BlockLayers.add(g, block, choice, "in");
        ComputationGraph net = new ComputationGraph(g.setOutputs(out).build());
        net.init();
        return net;
    }

    /** The inference time of any network on the given input (the median, or the chosen quantile), in ms. */
    public double timeMs(Model net, INDArray input) {
        return interleavedTimes(List.of(net), List.of(input))[0];
    }

    /**
     * Runs each network once per round, {@code warmup} untimed rounds, then {@code repeats} timed rounds; the median
     * (or chosen quantile) time of each.
     * With {@code threads > 0} ND4J's thread counts are set for the timing and restored afterwards.
     */
    public double[] interleavedTimes(List<Model> networks, List<INDArray> inputs) {
        int previousThreads = Nd4j.getEnvironment().maxThreads();
        int previousMasterThreads = Nd4j.getEnvironment().maxMasterThreads();
        int previousBlasThreads = Nd4j.factory().blas().getMaxThreads();
        if (threads > 0) {
            setThreads(threads, threads, threads);
        }
        try {
            return LatencyTiming.interleavedTimes(networks, inputs, warmup, repeats, quantile, roundDone);
        } finally {
            if (threads > 0) {
                setThreads(previousThreads, previousMasterThreads, previousBlasThreads);
            }
        }
    }

    /** ND4J's own thread pools and the BLAS library's. */
    private static void setThreads(int threads, int masterThreads, int blasThreads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(masterThreads);
        Nd4j.factory().blas().setMaxThreads(blasThreads);
    }

    private ComputationGraph identity() {
        ComputationGraph identity = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(dataType)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(1, 1, 1))
                .addLayer("identity", new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), "in")
                .setOutputs("identity").build());
        identity.init();
        return identity;
    }

    /** The q-quantile of the values, interpolated linearly between order statistics (q = 0.5: the median). */
    static double quantile(double[] values, double q) {
        return LatencyTiming.quantile(values, q);
    }

    /** The ND4J backend in use: "CPU", "CUDA", ... */
    public static String backend() {
        return LatencyTiming.backend();
    }

    /** What ND4J reports about the machine (its string values), plus the JVM and OS. */
    public static Map<String, String> environment() {
        return LatencyTiming.environment(false);
    }

    public static final class Builder {
        private int batchSize = 1;
        private int warmup = 10;
        private int repeats = 30;
        private DataType dataType = DataType.FLOAT;
        private int threads = 0;
        private double quantile = 0.5;
        private Consumer<String> progress = s -> { };
        private Runnable roundDone = () -> { };

        /** The batch size the candidates are timed at; default 1 (latency of one image). */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Untimed runs before the timed ones; default 10. */
        public Builder warmup(int warmup) {
            this.warmup = warmup;
            return this;
        }

        /** Timed runs, of which the median is kept; default 30. */
        public Builder repeats(int repeats) {
            this.repeats = repeats;
            return this;
        }

        /** The data type of the timed networks; default FLOAT. */
        public Builder dataType(DataType dataType) {
            this.dataType = dataType;
            return this;
        }

        /**
         * ND4J's and the BLAS library's thread counts while timing (restored afterwards); default 0: leave them as
         * they are. On a machine shared with other work one thread gives steadier times.
         */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Which quantile of the timed runs is kept; default 0.5, the median. Other processes only ever add time:
         * on a machine shared with other work a low quantile (0.1, say) is the steadier estimate.
         */
        public Builder quantile(double quantile) {
            this.quantile = quantile;
            return this;
        }

        /** Receives one line per profiled block. */
        public Builder progress(Consumer<String> progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Called after every round (one run of every network being measured), warm-up rounds included: {@link
         * #roundsPerMeasurement()} times per measurement, e.g. to step a progress bar.
         */
        public Builder roundDone(Runnable roundDone) {
            this.roundDone = roundDone;
            return this;
        }

        public LatencyProfiler build() {
            if (batchSize < 1 || warmup < 0 || repeats < 1 || threads < 0 || !(quantile >= 0 && quantile <= 1)
                    || dataType == null || progress == null || roundDone == null) {
                throw new IllegalArgumentException("latency profiler: batch size and repeats must be >= 1, warm-up >= 0,"
                        + " data type and progress set; got batch " + batchSize + ", warm-up " + warmup + ", repeats "
                        + repeats + ", threads " + threads + ", quantile " + quantile + ", data type " + dataType);
            }
            return new LatencyProfiler(this);
        }
    }
}
