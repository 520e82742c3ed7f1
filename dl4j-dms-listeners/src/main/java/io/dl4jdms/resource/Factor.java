package io.dl4jdms.resource;

import io.dl4jdms.layers.TopkOperator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One factor of a cost term: a channel count made of {@link Segment}s, or the depth gate of one
 * block. Its value comes from a {@link MaskState}: hard counts forward, the soft derivative backward.
 */
final class Factor {
    private final List<Segment> segments;
    private final TopkOperator gate;
    private final int block;

    private Factor(List<Segment> segments, TopkOperator gate, int block) {
        this.segments = segments;
        this.gate = gate;
        this.block = block;
    }

    static Factor channels(List<Segment> segments) {
        return new Factor(Collections.unmodifiableList(new ArrayList<>(segments)), null, -1);
    }

    static Factor gate(TopkOperator depth, int block) {
        return new Factor(null, depth, block);
    }

    double value(MaskState state) {
        if (gate != null) {
            return state.gate(gate, block);
        }
        double total = 0;
        for (Segment s : segments) {
            total += s.factor * (s.operator == null ? s.size : state.count(s.operator));
        }
        return total;
    }

    /** d(value)/d(a of operator) through the soft counts (0 if the factor does not depend on it). */
    double derivative(MaskState state, TopkOperator operator) {
        if (gate != null) {
            return gate == operator ? state.gateDerivative(gate, block) : 0.0;
        }
        double total = 0;
        for (Segment s : segments) {
            if (s.operator == operator) {
                total += s.factor * state.countDerivative(operator);
            }
        }
        return total;
    }

    boolean dependsOn(TopkOperator operator) {
        if (gate != null) {
            return gate == operator;
        }
        for (Segment s : segments) {
            if (s.operator == operator) {
                return true;
            }
        }
        return false;
    }
}
