package io.dl4jdms.resource;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A resource figure of a network under its current masks: the value with hard counts (what the slim
 * network has), the value with soft counts ({@code sum(m_i)} per operator, soft block gates), the full
 * supernet's value, and the derivative with respect to each operator's ratio {@code a} through the soft
 * counts (straight-through: each count's derivative is that of its soft count, every other factor keeps
 * its hard value).
 */
public final class ResourceValue {
    private final ResourceKind kind;
    private final double value;
    private final double softValue;
    private final double full;
    private final Map<String, Double> gradient;

    ResourceValue(ResourceKind kind, double value, double softValue, double full, Map<String, Double> gradient) {
        this.kind = kind;
        this.value = value;
        this.softValue = softValue;
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

    /** The figure with soft counts: what the supernet's soft masks let through (for logging). */
    public double softValue() {
        return softValue;
    }

    /** The figure of the full supernet. */
    public double full() {
        return full;
    }

    /** {@link #value()} as a fraction of {@link #full()}. */
    public double fraction() {
        return value / full;
    }

    /** d(value)/da per operator name, in the figure's unit per unit of {@code a}. */
    public Map<String, Double> gradient() {
        return gradient;
    }
}
