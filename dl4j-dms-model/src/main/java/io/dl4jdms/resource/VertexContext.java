package io.dl4jdms.resource;

import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.List;
import java.util.function.Function;

/**
 * One layer or graph vertex as a {@link VertexRule} sees it during the walk over the network: its
 * configuration and instance, the channels and types of its inputs, its output type, and the actions
 * that record its costs. For a layer, input 0 is what the layer computes on (after its input
 * preprocessor).
 */
public final class VertexContext {

    /** What the walk over the network records for a site. */
    interface Recorder {
        void cost(String vertex, ResourceKind kind, double coefficient, Channels[] factors);

        void timed(TimedLayer layer);

        void gateBranch(String vertex, TopkOperator depth, int block, String x, String branch);
    }

    private final String name;
    private final Layer layer;
    private final GraphVertex vertex;
    private final org.deeplearning4j.nn.api.Layer instance;
    private final List<String> inputNames;
    private final List<Channels> inputs;
    private final List<InputType> inputTypes;
    private final InputType outputType;
    private final Function<String, org.deeplearning4j.nn.api.Layer> layers;
    private final Recorder recorder;
    private final boolean configurationOnly;

    VertexContext(String name, Layer layer, GraphVertex vertex, org.deeplearning4j.nn.api.Layer instance,
               List<String> inputNames, List<Channels> inputs, List<InputType> inputTypes, InputType outputType,
               Function<String, org.deeplearning4j.nn.api.Layer> layers, Recorder recorder, boolean configurationOnly) {
        this.configurationOnly = configurationOnly;
        this.name = name;
        this.layer = layer;
        this.vertex = vertex;
        this.instance = instance;
        this.inputNames = inputNames;
        this.inputs = inputs;
        this.inputTypes = inputTypes;
        this.outputType = outputType;
        this.layers = layers;
        this.recorder = recorder;
    }

    /** The layer's or vertex's name in the network ({@code layer<i>} for an unnamed layer of a stack). */
    public String name() {
        return name;
    }

    /** The layer's configuration, or null for a graph vertex that is not a layer. */
    public Layer layer() {
        return layer;
    }

    /** The graph vertex's configuration ({@code LayerVertex} for a layer), or null in a {@code MultiLayerNetwork}. */
    public GraphVertex vertex() {
        return vertex;
    }

    /** The layer's implementation, or null for a graph vertex that is not a layer. */
    public org.deeplearning4j.nn.api.Layer instance() {
        return instance;
    }

    /**
     * Whether the network is seen through its configuration alone ({@link PlainNetworkCounter}): no layer
     * has an operator, every width counts in full and every block is kept.
     */
    public boolean configurationOnly() {
        return configurationOnly;
    }

    /** The top-k operator this layer carries, or null. */
    public TopkOperator operator() {
        return instance instanceof TopkOperator ? (TopkOperator) instance : null;
    }

    public int inputCount() {
        return inputs.size();
    }

    /** The name of input {@code i}. */
    public String inputName(int i) {
        return inputNames.get(i);
    }

    /** The channels of input {@code i}. */
    public Channels input(int i) {
        return inputs.get(i);
    }

    /** The type of input {@code i}. */
    public InputType inputType(int i) {
        return inputTypes.get(i);
    }

    public InputType outputType() {
        return outputType;
    }

    /**
     * The top-k operator that input {@code i} is (a {@code DepthMask} or {@code WidthMask} layer read by a
     * vertex).
     *
     * @throws IllegalArgumentException naming this vertex and the input if that input is not an operator
     */
    public TopkOperator operatorInput(int i) {
        org.deeplearning4j.nn.api.Layer input = layers.apply(inputNames.get(i));
        if (!(input instanceof TopkOperator)) {
            throw error("input " + i + " ('" + inputNames.get(i) + "') must be a top-k operator layer, got "
                    + (input == null ? "a vertex that is not a layer" : input.getClass().getSimpleName()));
        }
        return (TopkOperator) input;
    }

    /**
     * The channels a layer writes: its own operator's if it carries one, else {@code size} fixed channels
     * (which a shared width operator further on may still claim).
     */
    public Channels outputChannels(long size) {
        TopkOperator own = operator();
        return own != null ? Channels.of(own) : Channels.of(size);
    }

    /**
     * Records {@code coefficient * product of the factors' channel counts} of {@code kind} (FLOPs as
     * multiply-accumulates of one example, or parameters) for this vertex.
     */
    public void cost(ResourceKind kind, double coefficient, Channels... factors) {
        if (kind == ResourceKind.LATENCY) {
            throw error("latency is not a product of channel counts; declare the layer with timed(in, out)");
        }
        recorder.cost(name, kind, coefficient, factors);
    }

    /** Counts this layer's forward time, a function of its input and output channel counts. */
    public void timed(Channels in, Channels out) {
        requireLayer("timed");
        recorder.timed(new TimedLayer(name, layer, inputType(0), in, out));
    }

    /** Counts this layer's forward time, a function of one channel count (its output has its input's channels). */
    public void timed(Channels channels) {
        requireLayer("timed");
        recorder.timed(new TimedLayer(name, layer, inputType(0), channels, null));
    }

    /**
     * Masks a stream with a shared width operator: the layers that wrote the stream's fixed channels (and
     * every cost counted with them) now count the operator's kept channels, as the searched network will.
     * Channels another operator already decides (a {@code TopkConv}'s own) stay counted with that operator
     * upstream; from the masking vertex on, the shared operator's count is used.
     *
     * @return the operator's channels, the output of the masking vertex
     */
    public Channels share(Channels stream, TopkOperator operator) {
        if (stream.fullSize() != operator.operatorSize()) {
            throw error("the stream has " + stream.fullSize() + " channels but the width operator '"
                    + operator.operatorName() + "' has " + operator.operatorSize());
        }
        List<Channels.Run> runs = stream.runs();
        if (runs.size() == 1 && runs.get(0).repeat == 1) {
            Channels.Width width = runs.get(0).width;
            if (width.operator == null) {
                width.operator = operator;
            }
            if (width.operator == operator) {
                return stream;
            }
        }
        return Channels.of(operator);
    }

    /**
     * Declares this vertex a removable residual block {@code x + m_block * f(x)}: every layer and vertex
     * between input {@code xInput} (x) and input {@code branchInput} (f(x)) has its costs multiplied by
     * the depth operator's block mask.
     */
    public void gateBranch(TopkOperator depth, int block, int xInput, int branchInput) {
        if (vertex == null) {
            throw error("a gated residual block needs a ComputationGraph");
        }
        if (block < 0 || block >= depth.operatorSize()) {
            throw error("block " + block + " is out of range for the depth operator '" + depth.operatorName()
                    + "' of " + depth.operatorSize() + " blocks");
        }
        recorder.gateBranch(name, depth, block, inputNames.get(xInput), inputNames.get(branchInput));
    }

    /** An error naming this layer or vertex and its type. */
    public IllegalArgumentException error(String message) {
        Object conf = layer != null ? layer : vertex;
        return new IllegalArgumentException("resource model: " + (layer != null ? "layer" : "vertex") + " '" + name
                + "' (" + (conf == null ? "?" : conf.getClass().getSimpleName()) + "): " + message);
    }

    private void requireLayer(String what) {
        if (layer == null) {
            throw error(what + " applies to layers only");
        }
    }
}
