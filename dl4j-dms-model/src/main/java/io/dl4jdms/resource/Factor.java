package io.dl4jdms.resource;

import io.dl4jdms.layers.TopkOperator;

/**
 * One factor of a cost term: a channel count, or the depth gate of one block. Its value comes from a
 * {@link MaskState}: hard counts forward, the soft derivative backward.
 */
final class Factor {
    private final Channels channels;
    private final TopkOperator gate;
    private final int block;

    private Factor(Channels channels, TopkOperator gate, int block) {
        this.channels = channels;
        this.gate = gate;
        this.block = block;
    }

    static Factor channels(Channels channels) {
        return new Factor(channels, null, -1);
    }

    static Factor gate(TopkOperator depth, int block) {
        return new Factor(null, depth, block);
    }

    double value(MaskState state) {
        return gate != null ? state.gate(gate, block) : channels.value(state);
    }

    /** d(value)/d(a of operator) through the soft counts (0 if the factor does not depend on it). */
    double derivative(MaskState state, TopkOperator operator) {
        if (gate != null) {
            return gate == operator ? state.gateDerivative(gate, block) : 0.0;
        }
        return channels.derivative(state, operator);
    }
}
