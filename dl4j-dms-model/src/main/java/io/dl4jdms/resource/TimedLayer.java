package io.dl4jdms.resource;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A layer whose forward time the latency model counts: its configuration, its input type in the
 * supernet, and the channels it reads and writes. {@link io.dl4jdms.latency.LatencyProfiler} times a plain twin of it at a
 * few channel counts between {@link #smallestIn()} and {@link #fullIn()} (and likewise for the output);
 * a per-channel layer (normalisation, activation, pooling, depthwise convolution) is timed along its one
 * channel count.
 */
public final class TimedLayer {
    private final String name;
    private final Layer layer;
    private final InputType inputType;
    private final Channels in;
    private final Channels out;
    private final List<Factor> gates = new ArrayList<>();

    TimedLayer(String name, Layer layer, InputType inputType, Channels in, Channels out) {
        this.name = name;
        this.layer = layer;
        this.inputType = inputType;
        this.in = in;
        this.out = out;
    }

    /** The layer's name in the network (the key of its latency table entry). */
    public String name() {
        return name;
    }

    /** The layer's configuration in the supernet. */
    public Layer layer() {
        return layer;
    }

    /** The layer's input type in the supernet (after any preprocessor). */
    public InputType inputType() {
        return inputType;
    }

    /** True when the time depends on one channel count: the output channels are the input channels. */
    public boolean perChannel() {
        return out == null;
    }

    /** Input channels (features after a flatten) in the supernet. */
    public long fullIn() {
        return (long) in.value(MaskState.FULL);
    }

    /** Input channels in the smallest buildable network. */
    public long smallestIn() {
        return (long) in.value(MaskState.SMALLEST);
    }

    /** Output channels in the supernet (the input channels for a per-channel layer). */
    public long fullOut() {
        return perChannel() ? fullIn() : (long) out.value(MaskState.FULL);
    }

    /** Output channels in the smallest buildable network. */
    public long smallestOut() {
        return perChannel() ? smallestIn() : (long) out.value(MaskState.SMALLEST);
    }

    Channels in() {
        return in;
    }

    /** Null for a per-channel layer. */
    Channels out() {
        return out;
    }

    /** The depth gates of the blocks this layer lies in (recorded by the walk over the network). */
    List<Factor> gates() {
        return Collections.unmodifiableList(gates);
    }

    void addGate(Factor gate) {
        gates.add(gate);
    }

    @Override
    public String toString() {
        return name + " (" + layer.getClass().getSimpleName() + ") in " + smallestIn() + ".." + fullIn()
                + (perChannel() ? " per channel" : " out " + smallestOut() + ".." + fullOut());
    }
}
