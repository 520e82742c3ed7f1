package io.dl4jdms.resource;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A resource figure of a network under its current masks: the value with hard counts, the full
 * supernet's value, and the derivative of the value with respect to each operator's ratio {@code a}
 * through the soft counts.
 */
public final class ResourceValue {
    private final ResourceKind kind;
    private final double value;
    private final double full;
    private final Map<String, Double> gradient;

    ResourceValue(ResourceKind kind, double value, double full, Map<String, Double> gradient) {
        this.kind = kind;
        this.value = value;
        this.full = full;
        this.gradient = Collections.unmodifiableMap(new LinkedHashMap<>(gradient));
    }

    public ResourceKind kind() {
        return kind;
    }

    /** The figure with hard counts (what the slim network will have). */
    public double value() {
        return value;
    }

    /** The figure of the full supernet. */
    public double full() {
        return full;
    }

    /** {@link #value()} as a fraction of {@link #full()}. */
    public double fraction() {
        return value / full;
    }

    /** d(value)/da per operator name. */
    public Map<String, Double> gradient() {
        return gradient;
    }
}
