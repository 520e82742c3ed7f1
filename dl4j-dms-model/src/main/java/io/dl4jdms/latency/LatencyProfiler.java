package io.dl4jdms.latency;

import io.dl4jdms.layers.OneDnn;
import io.dl4jdms.layers.SearchableLayer;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.resource.TimedLayer;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The one latency profiler: times networks on the backend in use and builds the two latency tables from
 * the times.
 * <ul>
 *   <li>{@link #profile(ResourceModel)}: a {@link ChannelLatencyTable} (DMS latency budgets): every timed
 *       layer of a resource model, built as the plain DL4J layer(s) the searched network will have there, at a
 *       few channel counts.</li>
 *   <li>{@link #profile(List)}: a {@link CandidateLatencyTable} (Single-Path NAS): every candidate (kernel
 *       size x expansion ratio) of every {@link CandidateBlock}, built as the stock layers it stands for.</li>
 *   <li>{@link #times}: the time of any networks, e.g. whole networks to check the tables against.</li>
 * </ul>
 *
 * <p>How it times: inference ({@code output(train=false)}) on random input at {@link Builder#batchSize}; first
 * {@link Builder#warmup} untimed rounds (at least {@link Builder#warmupSeconds} of them, so that the JIT compiler
 * and oneDNN's primitive cache are in the state they are in after a long run), then {@link Builder#repeats}
 * timed rounds; in every round each network runs once (interleaved, so a change of load touches all alike);
 * the median (or {@link Builder#quantile}) is kept. Every run ends with
 * {@code Nd4j.getExecutioner().commit()}, so asynchronous backends are timed to completion.
 * {@link Builder#threads} sets ND4J's, BLAS's and OpenMP's thread counts while timing and restores them afterwards;
 * {@link Builder#clock} reads wall-clock time (default) or, with one thread, the thread's CPU time.
 *
 * <p>Per-call overhead ({@link Builder#overhead}): every timed network pays DL4J's fixed cost of one call
 * (input checks, workspaces, copying the output out); a network made of many timed parts pays it once.
 * {@link Overhead#SUBTRACT} measures it on a network that does nothing (an identity on a 1x1x1 input) and
 * subtracts it from every time, so that sums of table entries count it once where the caller adds it back
 * ({@link CandidateLatencyTable#fixedMs()}); {@link Overhead#KEEP} leaves the times as measured.
 *
 * <p>Every table records its environment ({@link #environment()}, with the backend build and the threads) and is
 * refused on another backend build ({@link MeasuredTable#requireMeasuredHere()}).
 *
 * <pre>{@code
 * LatencyProfiler profiler = LatencyProfiler.builder().batchSize(1).build();
 * CandidateLatencyTable candidates = profiler.profile(supernet.blocks());
 * ChannelLatencyTable channels = profiler.profile(resourceModel);
 * }</pre>
 */
public final class LatencyProfiler {

    /** What to do with DL4J's per-call overhead. */
    public enum Overhead {
        /** Times as measured: each entry includes one call's overhead. */
        KEEP,
        /** The overhead (timed on an identity network) subtracted from every time. */
        SUBTRACT
    }

    /** What a time is read from. */
    public enum Clock {
        /** Elapsed (wall-clock) time: what a user waits, including time other processes hold the cores. */
        WALL,
        /**
         * The CPU time of the timing thread: with {@link Builder#threads} 1 every op runs on that thread, and this
         * is the time the network takes on a core of its own, whatever else the machine runs (a network longer
         * than the scheduler's time slice is otherwise stretched by the machine's load, a short one is not).
         */
        THREAD_CPU
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final int batchSize;
    private final int warmup;
    private final double warmupSeconds;
    private final int repeats;
    private final int points;
    private final DataType dataType;
    private final int threads;
    private final double quantile;
    private final Overhead overhead;
    private final Clock clock;
    private final Consumer<String> progress;
    private final Runnable roundDone;

    private LatencyProfiler(Builder b) {
        this.batchSize = b.batchSize;
        this.warmup = b.warmup;
        this.warmupSeconds = b.warmupSeconds;
        this.repeats = b.repeats;
        this.points = b.points;
        this.dataType = b.dataType;
        this.threads = b.threads;
        this.quantile = b.quantile;
        this.overhead = b.overhead;
        this.clock = b.clock;
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

    public Overhead overhead() {
        return overhead;
    }

    /**
     * The rounds of one measurement ({@link #profile}, {@link #times}) at least: warm-up and timed rounds, each
     * reported to {@link Builder#roundDone} (a time-based warm-up may add rounds).
     */
    public int roundsPerMeasurement() {
        return warmup + repeats;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Single-Path NAS: per-candidate table

    /**
     * Times every candidate of every block; the table's fixed part is 0 (the caller adds the parts outside the
     * blocks, {@link CandidateLatencyTable#withFixedMs}). With {@link Overhead#SUBTRACT} the per-call overhead is
     * subtracted from every entry and recorded as {@code callOverheadMs}.
     */
    public CandidateLatencyTable profile(List<? extends CandidateBlock> blocks) {
        return profile(blocks, List.of(), List.of()).table();
    }

    /**
     * A candidate table and the times of some whole networks, measured together.
     *
     * @param table          the per-candidate table ({@link #profile(List)})
     * @param wholeNetworkMs the whole networks' times as a user sees them (the per-call overhead included)
     */
    public record CandidatesAndNetworks(CandidateLatencyTable table, double[] wholeNetworkMs) {
    }

    /**
     * Times every candidate of every block ({@link #profile(List)}) and the given whole networks in one
     * interleaved measurement: every round runs every candidate and every whole network once, after one warm-up.
     * Why together: the JVM keeps getting faster for a while (JIT compilation) and the machine's speed for this
     * process drifts with its load; a table and the networks it is fitted on that are timed in separate passes
     * differ by that drift (10% between two passes a few seconds apart was seen on a 2-core machine), in the same
     * pass they share it.
     *
     * @param wholeNetworks networks timed as a whole ({@code ComputationGraph} or {@code MultiLayerNetwork})
     * @param wholeInputs   one input per whole network
     */
    public CandidatesAndNetworks profile(List<? extends CandidateBlock> blocks, List<? extends Model> wholeNetworks,
                                         List<INDArray> wholeInputs) {
        if (wholeNetworks.size() != wholeInputs.size()) {
            throw new IllegalArgumentException("latency profiler: " + wholeNetworks.size() + " whole networks and "
                    + wholeInputs.size() + " inputs; give one input per network");
        }
        List<Model> networks = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        List<int[]> where = new ArrayList<>();
        double[][][] ms = new double[blocks.size()][][];
        for (int b = 0; b < blocks.size(); b++) {
            CandidateBlock block = blocks.get(b);
            SuperkernelSpace space = block.space();
            ms[b] = new double[space.shells().count()][space.groups().count()];
            for (int j = 0; j < ms[b].length; j++) {
                for (int i = 0; i < ms[b][j].length; i++) {
                    networks.add(block.candidateNetwork(space.candidate(j, i), dataType));
                    inputs.add(Nd4j.rand(dataType, batchSize, block.candidateInputChannels(space.candidate(j, i)),
                            block.height(), block.width()));
                    where.add(new int[] {b, j, i});
                }
            }
        }
        int candidates = networks.size();
        networks.addAll(wholeNetworks);
        inputs.addAll(wholeInputs);
        Timing timing = times(networks, inputs);
        for (int n = 0; n < where.size(); n++) {
            int[] w = where.get(n);
            ms[w[0]][w[1]][w[2]] = timing.ms()[n];
        }
        double[] whole = new double[wholeNetworks.size()];
        for (int n = 0; n < whole.length; n++) {
            // A whole network pays the call's overhead once; times() took it off.
            whole[n] = timing.ms()[candidates + n] + timing.callOverheadMs();
        }
        List<CandidateLatencyTable.Entry> entries = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            CandidateBlock block = blocks.get(b);
            CandidateLatencyTable.Entry entry = new CandidateLatencyTable.Entry(block.name(), block.height(),
                    block.width(), block.inChannels(), block.outChannels(), block.stride(), block.space(), ms[b], 0.0);
            progress.accept(entry.toString());
            entries.add(entry);
        }
        return new CandidatesAndNetworks(new CandidateLatencyTable(backend(), dataType.name(), batchSize, warmup,
                repeats, 0.0, environment(timing), entries), whole);
    }

    // ---------------------------------------------------------------------------------------------------------
    // DMS: per-channel table

    /** Times every timed layer of the model on its grid of channel counts ({@link Builder#points} per axis). */
    public ChannelLatencyTable profile(ResourceModel model) {
        List<ChannelLatencyTable.Entry> entries = new ArrayList<>();
        Map<String, String> environment = null;
        for (TimedLayer layer : model.timedLayers()) {
            long[] in = grid(layer.smallestIn(), layer.fullIn(), points);
            String type = layer.layer().getClass().getSimpleName();
            long[] out = layer.perChannel() ? new long[] {0} : grid(layer.smallestOut(), layer.fullOut(), points);
            List<Model> networks = new ArrayList<>();
            List<INDArray> inputs = new ArrayList<>();
            for (long i : in) {
                for (long o : out) {
                    InputType inputType = withChannels(layer.inputType(), i);
                    networks.add(twinNetwork(layer, i, layer.perChannel() ? i : o));
                    inputs.add(Nd4j.rand(dataType, shape(inputType)));
                }
            }
            Timing timing = times(networks, inputs);
            if (environment == null) {
                environment = environment(timing);
            }
            double[][] ms = new double[in.length][out.length];
            for (int i = 0; i < in.length; i++) {
                for (int j = 0; j < out.length; j++) {
                    ms[i][j] = timing.ms()[i * out.length + j];
                }
            }
            ChannelLatencyTable.Entry entry;
            if (layer.perChannel()) {
                double[] column = new double[in.length];
                for (int i = 0; i < in.length; i++) {
                    column[i] = ms[i][0];
                }
                entry = ChannelLatencyTable.Entry.perChannel(layer.name(), type, in, column);
            } else {
                entry = ChannelLatencyTable.Entry.grid(layer.name(), type, in, out, ms);
            }
            progress.accept(entry.toString());
            entries.add(entry);
        }
        return new ChannelLatencyTable(backend(), dataType.name(), batchSize, warmup, repeats,
                environment == null ? environment() : environment, entries);
    }

    /**
     * {@code points} channel counts evenly spread from {@code smallest} to {@code full}, both included
     * (one count if they are equal).
     */
    public static long[] grid(long smallest, long full, int points) {
        TreeSet<Long> nodes = new TreeSet<>();
        for (int k = 0; k < points; k++) {
            nodes.add(Math.round(smallest + (full - smallest) * k / (double) (points - 1)));
        }
        return nodes.stream().mapToLong(Long::longValue).toArray();
    }

    /** The plain network standing for a timed layer with {@code in} input and {@code out} output channels. */
    private MultiLayerNetwork twinNetwork(TimedLayer layer, long in, long out) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(dataType).list();
        for (Layer l : twin(layer, in, out)) {
            list.layer(l);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(withChannels(layer.inputType(), in)).build());
        net.init();
        return net;
    }

    /** The plain DL4J layers the searched network has in place of the timed layer. */
    public static List<Layer> twin(TimedLayer timed, long in, long out) {
        Layer layer = timed.layer();
        if (layer instanceof TopkConv) {
            TopkConv t = (TopkConv) layer;
            ConvolutionLayer conv = new ConvolutionLayer.Builder().kernelSize(t.getKernelSize()).stride(t.getStride())
                    .padding(t.getPadding()).dilation(t.getDilation()).convolutionMode(t.getConvolutionMode())
                    .dataFormat(t.getCnn2dDataFormat()).hasBias(t.hasBias()).nIn(in).nOut(out)
                    .activation(normalized(t) ? new ActivationIdentity() : activation(t)).build();
            return withNormalization(conv, t, out, t.getCnn2dDataFormat());
        }
        if (layer instanceof TopkDense) {
            TopkDense t = (TopkDense) layer;
            DenseLayer dense = new DenseLayer.Builder().nIn(in).nOut(out)
                    .activation(normalized(t) ? new ActivationIdentity() : activation(t)).build();
            return withNormalization(dense, t, out, null);
        }
        Layer copy = layer.clone();
        if (copy instanceof FeedForwardLayer) {
            FeedForwardLayer f = (FeedForwardLayer) copy;
            long nOut = timed.perChannel() ? in * f.getNOut() / Math.max(1, f.getNIn()) : out;
            f.setNIn(in);
            f.setNOut(nOut);
        }
        return List.of(copy);
    }

    private static boolean normalized(SearchableLayer layer) {
        return layer.getTopkOptions().isBatchNorm();
    }

    private static IActivation activation(SearchableLayer layer) {
        return layer.getOutputActivation() == null ? new ActivationIdentity() : layer.getOutputActivation();
    }

    private static List<Layer> withNormalization(Layer linear, SearchableLayer searchable, long channels,
                                                 CNN2DFormat format) {
        if (!normalized(searchable)) {
            return List.of(linear);
        }
        BatchNormalization.Builder bn = new BatchNormalization.Builder().nIn(channels).nOut(channels);
        if (format != null) {
            bn.dataFormat(format);
        }
        return List.of(linear, bn.build(), new ActivationLayer.Builder().activation(activation(searchable)).build());
    }

    private static InputType withChannels(InputType type, long channels) {
        switch (type.getType()) {
            case CNN:
                InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) type;
                return InputType.convolutional(c.getHeight(), c.getWidth(), channels, c.getFormat());
            case FF:
                return InputType.feedForward(channels);
            default:
                throw new IllegalArgumentException("latency profiler: unsupported input type " + type);
        }
    }

    private long[] shape(InputType type) {
        if (type.getType() == InputType.Type.FF) {
            return new long[] {batchSize, ((InputType.InputTypeFeedForward) type).getSize()};
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) type;
        return c.getFormat() == CNN2DFormat.NHWC
                ? new long[] {batchSize, c.getHeight(), c.getWidth(), c.getChannels()}
                : new long[] {batchSize, c.getChannels(), c.getHeight(), c.getWidth()};
    }

    // ---------------------------------------------------------------------------------------------------------
    // Timing

    /**
     * The times of some networks (the median, or the chosen quantile, in ms), with the overhead handled as
     * configured, and the per-call overhead itself (0 with {@link Overhead#KEEP}).
     */
    public record Timing(double[] ms, double callOverheadMs) {
    }

    private static void requireOneInputEach(List<? extends Model> networks, List<INDArray> inputs) {
        if (networks.size() != inputs.size() || networks.isEmpty()) {
            throw new IllegalArgumentException("latency profiler: " + networks.size() + " networks and "
                    + inputs.size() + " inputs; give one input per network, at least one network");
        }
    }

    /**
     * Times the networks (each a {@code ComputationGraph} or {@code MultiLayerNetwork}) on their inputs,
     * interleaved, with the warm-up, repeats, quantile, threads and overhead handling of this profiler.
     */
    public Timing times(List<? extends Model> networks, List<INDArray> inputs) {
        requireOneInputEach(networks, inputs);
        List<Model> all = new ArrayList<>(networks);
        List<INDArray> in = new ArrayList<>(inputs);
        if (overhead == Overhead.SUBTRACT) {
            all.add(identity());
            in.add(Nd4j.rand(dataType, batchSize, 1, 1, 1));
        }
        double[] q = interleaved(all, in);
        double callOverhead = overhead == Overhead.SUBTRACT ? q[q.length - 1] : 0.0;
        double[] ms = new double[networks.size()];
        for (int n = 0; n < ms.length; n++) {
            ms[n] = Math.max(0.0, q[n] - callOverhead);
        }
        return new Timing(ms, callOverhead);
    }

    /**
     * The times of whole networks as a user would see them (the per-call overhead included, whatever
     * {@link Overhead} says), interleaved, in ms: what a prediction of a whole network is checked against.
     */
    public double[] wholeNetworkTimes(List<? extends Model> networks, List<INDArray> inputs) {
        requireOneInputEach(networks, inputs);
        return interleaved(new ArrayList<>(networks), inputs);
    }

    /**
     * Whole networks timed interleaved with a gauge network (a fixed network whose time was recorded when the
     * table was made).
     *
     * @param ms           each network's time as a user sees it (the chosen quantile, per-call overhead included)
     * @param gaugeMs      the gauge's time in the same measurement
     * @param ratioToGauge each network's median, over the rounds, of its time divided by the gauge's time in the same
     *                     round: the network's time in units of the gauge's, free of the machine's drift from one
     *                     second to the next (both ran within milliseconds of each other)
     */
    public record Gauged(double[] ms, double gaugeMs, double[] ratioToGauge) {
    }

    /**
     * Times the networks and a gauge network interleaved (every round runs each network and then the gauge) and
     * returns the times and each network's median ratio to the gauge ({@link Gauged}). A latency measured on a
     * machine whose speed drifts (a virtual machine sharing its host: a fixed matrix product took up to 1.96x as
     * long in one second as in another on an idle 2-core machine) is only comparable with one measured at another
     * moment through such a ratio.
     */
    public Gauged wholeNetworkTimesAgainst(List<? extends Model> networks, List<INDArray> inputs, Model gauge,
                                           INDArray gaugeInput) {
        requireOneInputEach(networks, inputs);
        List<Model> all = new ArrayList<>(networks);
        List<INDArray> in = new ArrayList<>(inputs);
        all.add(gauge);
        in.add(gaugeInput);
        double[][] rounds = withThreads(() -> roundTimes(all, in));
        int g = networks.size();
        double[] ms = new double[g];
        double[] ratios = new double[g];
        for (int n = 0; n < g; n++) {
            ms[n] = quantile(rounds[n], quantile);
            double[] r = new double[repeats];
            for (int k = 0; k < repeats; k++) {
                r[k] = rounds[n][k] / rounds[g][k];
            }
            ratios[n] = quantile(r, 0.5);
        }
        return new Gauged(ms, quantile(rounds[g], quantile), ratios);
    }

    /** The time of one network, in ms, as measured (the per-call overhead included). */
    public double timeMs(Model net, INDArray input) {
        return wholeNetworkTimes(List.of(net), List.of(input))[0];
    }

    /** DL4J's per-call overhead: the time of an identity layer on a 1x1x1 input, in ms. */
    public double callOverheadMs() {
        return timeMs(identity(), Nd4j.rand(dataType, batchSize, 1, 1, 1));
    }

    private double[] interleaved(List<Model> networks, List<INDArray> inputs) {
        return withThreads(() -> interleavedRaw(networks, inputs));
    }

    private interface Measurement<T> {
        T run();
    }

    private <T> T withThreads(Measurement<T> measurement) {
        int previousThreads = Nd4j.getEnvironment().maxThreads();
        int previousMasterThreads = Nd4j.getEnvironment().maxMasterThreads();
        int previousBlasThreads = Nd4j.factory().blas().getMaxThreads();
        int previousOmpThreads = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
        if (threads > 0) {
            setThreads(threads, threads, threads, threads);
        }
        try {
            return measurement.run();
        } finally {
            if (threads > 0) {
                setThreads(previousThreads, previousMasterThreads, previousBlasThreads, previousOmpThreads);
            }
        }
    }

    /** The chosen quantile of each network's timed rounds ({@link #roundTimes}). */
    private double[] interleavedRaw(List<Model> networks, List<INDArray> inputs) {
        double[][] times = roundTimes(networks, inputs);
        double[] quantiles = new double[networks.size()];
        for (int n = 0; n < quantiles.length; n++) {
            quantiles[n] = quantile(times[n], quantile);
        }
        return quantiles;
    }

    /**
     * Warm-up rounds (at least {@code warmup}, and for at least {@code warmupSeconds}), then {@code repeats} timed
     * rounds, each running every network once in order; the times in ms, {@code [network][round]}.
     */
    private double[][] roundTimes(List<Model> networks, List<INDArray> inputs) {
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int r = 0; r < warmup || System.nanoTime() < warmupEnd; r++) {
            for (int n = 0; n < networks.size(); n++) {
                run(networks.get(n), inputs.get(n));
            }
            if (r < warmup) {
                roundDone.run();
            }
        }
        double[][] times = new double[networks.size()][repeats];
        for (int r = 0; r < repeats; r++) {
            for (int n = 0; n < networks.size(); n++) {
                long start = now();
                run(networks.get(n), inputs.get(n));
                times[n][r] = (now() - start) / 1e6;
            }
            roundDone.run();
        }
        return times;
    }

    private long now() {
        return clock == Clock.WALL ? System.nanoTime() : THREADS.getCurrentThreadCpuTime();
    }

    /** One inference forward pass, completed on the backend. */
    static void run(Model net, INDArray input) {
        if (net instanceof ComputationGraph) {
            ((ComputationGraph) net).outputSingle(false, input);
        } else if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).output(input, false);
        } else {
            throw new IllegalArgumentException("latency profiler: expected a ComputationGraph or a MultiLayerNetwork, got "
                    + net.getClass().getName());
        }
        Nd4j.getExecutioner().commit();
    }

    /**
     * ND4J's own thread pools, the BLAS library's, and OpenMP's for this thread (what libnd4j's oneDNN kernels
     * use: without it a "single-threaded" timing still runs every oneDNN op on all cores).
     */
    private static void setThreads(int threads, int masterThreads, int blasThreads, int ompThreads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(masterThreads);
        Nd4j.factory().blas().setMaxThreads(blasThreads);
        if (ompThreads > 0) {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(ompThreads);
        }
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
    public static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Environment

    /** The ND4J backend in use: "CPU", "CUDA", ... */
    public static String backend() {
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        return backend == null ? Nd4j.getBackend().getClass().getSimpleName() : backend;
    }

    /**
     * The backend build the times hold for: the backend, whether the loaded libnd4j has oneDNN and whether
     * DL4J's layer helpers are on (each changes which code runs), e.g. {@code "CPU, libnd4j with oneDNN, DL4J
     * helpers on"}. A table measured on another build is refused ({@link MeasuredTable#requireMeasuredHere()}).
     */
    public static String backendBuild() {
        return backend() + ", libnd4j " + (OneDnn.inNativeBuild() ? "with" : "without") + " oneDNN, DL4J helpers "
                + (OneDnn.helpersEnabled() ? "on" : "off");
    }

    /**
     * What ND4J reports about the machine (its strings, numbers and booleans), the JVM and OS, the backend build
     * and the thread counts in use, sorted by key.
     */
    public static Map<String, String> environment() {
        Map<String, String> out = new TreeMap<>();
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        for (String key : p.stringPropertyNames()) {
            out.put(key, p.getProperty(key));
        }
        p.forEach((k, v) -> {
            if (v instanceof Number || v instanceof Boolean) {
                out.put(String.valueOf(k), String.valueOf(v));
            }
        });
        out.put("os.arch", System.getProperty("os.arch"));
        out.put("os.name", System.getProperty("os.name"));
        out.put("java.version", System.getProperty("java.version"));
        out.put("availableProcessors", String.valueOf(Runtime.getRuntime().availableProcessors()));
        out.put(MeasuredTable.BACKEND_BUILD, backendBuild());
        out.put("nd4jThreads", String.valueOf(Nd4j.getEnvironment().maxThreads()));
        out.put("blasThreads", String.valueOf(Nd4j.factory().blas().getMaxThreads()));
        out.put("ompThreads", String.valueOf(NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads()));
        return out;
    }

    /** {@link #environment()} and how this profiler timed. */
    private Map<String, String> environment(Timing timing) {
        Map<String, String> out = environment();
        out.put("timingThreads", threads > 0 ? String.valueOf(threads) : out.get("nd4jThreads"));
        out.put("timingQuantile", String.valueOf(quantile));
        out.put("timingWarmupSeconds", String.valueOf(warmupSeconds));
        out.put("overhead", overhead.name());
        out.put("clock", clock.name());
        out.put("callOverheadMs", String.valueOf(timing.callOverheadMs()));
        return out;
    }

    /** Settings of a profiler; {@link #build()} checks them and names the first bad one. */
    public static final class Builder {
        private int batchSize = 1;
        private int warmup = 20;
        private double warmupSeconds = 0;
        private int repeats = 50;
        private int points = 4;
        private DataType dataType = DataType.FLOAT;
        private int threads = 0;
        private double quantile = 0.5;
        private Overhead overhead = Overhead.SUBTRACT;
        private Clock clock = Clock.WALL;
        private Consumer<String> progress = s -> { };
        private Runnable roundDone = () -> { };

        /** The batch size the networks are timed at; default 1 (the latency of one example). */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Untimed rounds before the timed ones; default 20. */
        public Builder warmup(int warmup) {
            this.warmup = warmup;
            return this;
        }

        /**
         * Untimed rounds go on for at least this long (default 0): the first thousands of calls of a JVM are slower
         * (interpreted code, first oneDNN primitives), and a table measured then overestimates what a warm network
         * takes later.
         */
        public Builder warmupSeconds(double seconds) {
            this.warmupSeconds = seconds;
            return this;
        }

        /** Timed rounds, of which the median (or {@link #quantile}) is kept; default 50. */
        public Builder repeats(int repeats) {
            this.repeats = repeats;
            return this;
        }

        /** Per-channel tables: channel counts per searched axis, from the smallest to the full count; default 4. */
        public Builder points(int points) {
            this.points = points;
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

        /** What to do with DL4J's per-call overhead; default {@link Overhead#SUBTRACT}. */
        public Builder overhead(Overhead overhead) {
            this.overhead = overhead;
            return this;
        }

        /**
         * What the times are read from; default {@link Clock#WALL}. {@link Clock#THREAD_CPU} needs
         * {@link #threads} 1 (with more threads the other threads' work is not counted) and a JVM that measures
         * thread CPU time.
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Receives one line per profiled block or layer. */
        public Builder progress(Consumer<String> progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Called after every counted round (one run of every network being measured): {@link
         * #roundsPerMeasurement()} times per measurement, e.g. to step a progress bar.
         */
        public Builder roundDone(Runnable roundDone) {
            this.roundDone = roundDone;
            return this;
        }

        public LatencyProfiler build() {
            atLeast("batch size", batchSize, 1);
            atLeast("warm-up", warmup, 0);
            atLeast("repeats", repeats, 1);
            atLeast("points", points, 2);
            atLeast("threads", threads, 0);
            if (!(warmupSeconds >= 0) || Double.isInfinite(warmupSeconds)) {
                throw new IllegalArgumentException("latency profiler: warm-up seconds must be finite and >= 0, got "
                        + warmupSeconds);
            }
            if (!(quantile >= 0 && quantile <= 1)) {
                throw new IllegalArgumentException("latency profiler: quantile must be in [0, 1], got " + quantile);
            }
            if (dataType == null || !dataType.isFPType()) {
                throw new IllegalArgumentException("latency profiler: data type must be a floating-point type, got "
                        + dataType);
            }
            if (clock == Clock.THREAD_CPU && (threads != 1 || !THREADS.isCurrentThreadCpuTimeSupported())) {
                throw new IllegalArgumentException("latency profiler: the thread CPU clock needs threads(1) and a JVM"
                        + " that measures thread CPU time; got threads " + threads);
            }
            if (overhead == null || clock == null || progress == null || roundDone == null) {
                throw new IllegalArgumentException("latency profiler: overhead, progress and roundDone must not be null");
            }
            return new LatencyProfiler(this);
        }

        private static void atLeast(String what, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException("latency profiler: " + what + " must be >= " + min + ", got " + value);
            }
        }
    }
}
