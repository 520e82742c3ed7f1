package io.dl4jdms.resource;

import io.dl4jdms.layers.TopkOperator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The channels (or features) of one activation, as the resource model sees them: a list of runs, each
 * run being either the channels a top-k operator keeps or a fixed number of channels, each channel
 * possibly repeated (the spatial positions after a flatten, a depthwise multiplier). A concat holds one
 * run per input. Immutable, except that the fixed channels a layer writes may later be claimed by a
 * shared width operator that masks them further on ({@link VertexContext#share}); every cost already
 * counted with them follows.
 *
 * <p>Its value under a mask state is {@code sum over runs of repeat * count}, with {@code count} the
 * kept size of the run's operator (forward) or the fixed size.
 */
public final class Channels {

    /** Channels one producer writes: a fixed size, unless an operator decides them (set once). */
    static final class Width {
        final long size;
        TopkOperator operator;

        Width(long size, TopkOperator operator) {
            this.size = size;
            this.operator = operator;
        }
    }

    /** A run of {@code width}'s channels, each repeated {@code repeat} times. */
    static final class Run {
        final Width width;
        final long repeat;

        Run(Width width, long repeat) {
            this.width = width;
            this.repeat = repeat;
        }
    }

    private static final Channels NONE = new Channels(List.of());

    private final List<Run> runs;

    private Channels(List<Run> runs) {
        this.runs = Collections.unmodifiableList(runs);
    }

    /**
     * New channels of a fixed size, written by a layer that has no operator of its own. A shared width
     * operator that masks them further on claims them (see {@link VertexContext#share}).
     */
    public static Channels of(long size) {
        if (size < 1) {
            throw new IllegalArgumentException("resource model: a channel count must be at least 1, got " + size);
        }
        return new Channels(List.of(new Run(new Width(size, null), 1)));
    }

    /** The channels a top-k operator keeps (N in the supernet). */
    public static Channels of(TopkOperator operator) {
        return new Channels(List.of(new Run(new Width(operator.operatorSize(), operator), 1)));
    }

    /** No channels: the output of a layer that is not an activation stream (e.g. a mask layer). */
    public static Channels none() {
        return NONE;
    }

    /** The concatenation of several activations' channels, in order (a merge vertex). */
    public static Channels concat(List<Channels> parts) {
        List<Run> runs = new ArrayList<>();
        for (Channels c : parts) {
            runs.addAll(c.runs);
        }
        return new Channels(runs);
    }

    /**
     * Every channel repeated {@code times} times: a flatten over {@code times} spatial positions, or a
     * depthwise convolution's multiplier.
     */
    public Channels repeat(long times) {
        if (times < 1) {
            throw new IllegalArgumentException("resource model: a repeat must be at least 1, got " + times);
        }
        List<Run> out = new ArrayList<>();
        for (Run r : runs) {
            out.add(new Run(r.width, r.repeat * times));
        }
        return new Channels(out);
    }

    /** The size in the full supernet. */
    public long fullSize() {
        long total = 0;
        for (Run r : runs) {
            total += r.width.size * r.repeat;
        }
        return total;
    }

    /** True when no run is decided by an operator now (a fixed size). */
    public boolean isFixed() {
        for (Run r : runs) {
            if (r.width.operator != null) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return runs.isEmpty();
    }

    List<Run> runs() {
        return runs;
    }

    /** The count under a mask state: hard kept sizes, or fixed sizes. */
    double value(MaskState state) {
        double total = 0;
        for (Run r : runs) {
            total += r.repeat * (r.width.operator == null ? r.width.size : state.count(r.width.operator));
        }
        return total;
    }

    /** d(value)/d(a of operator) through the soft counts. */
    double derivative(MaskState state, TopkOperator operator) {
        double total = 0;
        for (Run r : runs) {
            if (r.width.operator == operator) {
                total += r.repeat * state.countDerivative(operator);
            }
        }
        return total;
    }
}
