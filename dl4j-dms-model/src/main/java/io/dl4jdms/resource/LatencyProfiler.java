package io.dl4jdms.resource;

import io.dl4jdms.layers.SearchableLayer;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Measures the {@link LatencyTable} of a network on the backend in use: every timed layer of a
 * {@link ResourceModel} is built as the plain DL4J layer(s) the searched network will have there (a
 * {@code TopkConv} as a convolution, with its built-in normalisation as convolution, batch normalisation
 * and activation; any other layer as a copy of itself) with a few channel counts between the smallest
 * buildable network's and the supernet's, and its inference forward pass on random input is run
 * {@code warmup} times untimed and {@code repeats} times timed; the median goes into the table. Every run
 * ends with {@code Nd4j.getExecutioner().commit()}, so asynchronous backends are timed to completion.
 *
 * <pre>{@code
 * LatencyTable table = LatencyProfiler.builder().batchSize(32).points(4).build().profile(model);
 * table.write(new File("latency.json"));
 * ResourceModel timed = model.withLatency(table);
 * }</pre>
 *
 * <p>The per-layer times add up to an estimate of the network's forward time; what lies between the
 * layers (graph vertices, the mask multiplications of the supernet) is not counted.
 */
public final class LatencyProfiler {

    private final int batchSize;
    private final int warmup;
    private final int repeats;
    private final int points;
    private final DataType dataType;
    private final Consumer<String> progress;

    private LatencyProfiler(Builder b) {
        this.batchSize = b.batchSize;
        this.warmup = b.warmup;
        this.repeats = b.repeats;
        this.points = b.points;
        this.dataType = b.dataType;
        this.progress = b.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Times every timed layer of the model on its grid of channel counts. */
    public LatencyTable profile(ResourceModel model) {
        List<LatencyTable.Entry> entries = new ArrayList<>();
        for (TimedLayer layer : model.timedLayers()) {
            long[] in = grid(layer.smallestIn(), layer.fullIn(), points);
            String type = layer.layer().getClass().getSimpleName();
            LatencyTable.Entry entry;
            if (layer.perChannel()) {
                double[] ms = new double[in.length];
                for (int i = 0; i < in.length; i++) {
                    ms[i] = time(layer, in[i], in[i]);
                }
                entry = LatencyTable.Entry.perChannel(layer.name(), type, in, ms);
            } else {
                long[] out = grid(layer.smallestOut(), layer.fullOut(), points);
                double[][] ms = new double[in.length][out.length];
                for (int i = 0; i < in.length; i++) {
                    for (int j = 0; j < out.length; j++) {
                        ms[i][j] = time(layer, in[i], out[j]);
                    }
                }
                entry = LatencyTable.Entry.grid(layer.name(), type, in, out, ms);
            }
            progress.accept(entry.toString());
            entries.add(entry);
        }
        return new LatencyTable(backend(), dataType.name(), batchSize, warmup, repeats, environment(), entries);
    }

    /**
     * {@code points} channel counts evenly spread from {@code smallest} to {@code full}, both included
     * (one count if they are equal).
     */
    static long[] grid(long smallest, long full, int points) {
        TreeSet<Long> nodes = new TreeSet<>();
        for (int k = 0; k < points; k++) {
            nodes.add(Math.round(smallest + (full - smallest) * k / (double) (points - 1)));
        }
        return nodes.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * The median forward time, in ms, of the layer's plain twin with {@code in} input and {@code out}
     * output channels ({@code out} is ignored for a per-channel layer).
     */
    public double time(TimedLayer layer, long in, long out) {
        InputType type = withChannels(layer.inputType(), in);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(dataType).list();
        for (Layer l : twin(layer, in, out)) {
            list.layer(l);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(type).build());
        net.init();
        INDArray input = Nd4j.rand(dataType, shape(type));
        return LatencyTiming.interleavedTimes(List.of(net), List.of(input), warmup, repeats, 0.5, () -> { })[0];
    }

    /** The plain DL4J layers the searched network has in place of the timed layer. */
    static List<Layer> twin(TimedLayer timed, long in, long out) {
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

    /** The ND4J backend in use: "CPU", "CUDA", ... */
    static String backend() {
        return LatencyTiming.backend();
    }

    /** What ND4J reports about the machine (its strings, numbers and booleans), plus the JVM and OS. */
    static Map<String, String> environment() {
        return LatencyTiming.environment(true);
    }

    /** Settings of a profiler; each setter checks its value. */
    public static final class Builder {
        private int batchSize = 32;
        private int warmup = 5;
        private int repeats = 15;
        private int points = 4;
        private DataType dataType = DataType.FLOAT;
        private Consumer<String> progress = s -> { };

        /** The minibatch size the layers are timed at; default 32. */
        public Builder batchSize(int batchSize) {
            this.batchSize = atLeast("batch size", batchSize, 1);
            return this;
        }

        /** Untimed runs before the timed ones; default 5. */
        public Builder warmup(int warmup) {
            this.warmup = atLeast("warm-up", warmup, 0);
            return this;
        }

        /** Timed runs, of which the median is kept; default 15. */
        public Builder repeats(int repeats) {
            this.repeats = atLeast("repeats", repeats, 1);
            return this;
        }

        /** Channel counts per searched axis, from the smallest to the full count; at least 2, default 4. */
        public Builder points(int points) {
            this.points = atLeast("points", points, 2);
            return this;
        }

        /** The data type of the timed layers; default FLOAT. */
        public Builder dataType(DataType dataType) {
            if (dataType == null || !dataType.isFPType()) {
                throw new IllegalArgumentException("latency profiler: data type must be a floating-point type, got "
                        + dataType);
            }
            this.dataType = dataType;
            return this;
        }

        /** Receives one line per profiled layer. */
        public Builder progress(Consumer<String> progress) {
            if (progress == null) {
                throw new IllegalArgumentException("latency profiler: progress must not be null");
            }
            this.progress = progress;
            return this;
        }

        private static int atLeast(String what, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException("latency profiler: " + what + " must be >= " + min + ", got " + value);
            }
            return value;
        }

        public LatencyProfiler build() {
            return new LatencyProfiler(this);
        }
    }
}
