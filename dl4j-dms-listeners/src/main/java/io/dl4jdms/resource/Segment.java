package io.dl4jdms.resource;

import io.dl4jdms.layers.TopkOperator;

/**
 * A run of channels of an activation: {@code size} channels controlled by {@code operator} (null
 * for a fixed size), each repeated {@code factor} times (the spatial positions after a flatten).
 */
final class Segment {
    final TopkOperator operator;
    final long size;
    final long factor;

    Segment(TopkOperator operator, long size, long factor) {
        this.operator = operator;
        this.size = size;
        this.factor = factor;
    }

    Segment times(long more) {
        return new Segment(operator, size, factor * more);
    }
}
