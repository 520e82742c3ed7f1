package io.dl4jdms.resource;

import java.util.Objects;
import java.util.function.Function;

/**
 * Everything dl4j-dms knows about one layer or vertex configuration class, in one place: its
 * {@link ChannelRole} (how channels pass through it), its cost ({@link VertexRule}: FLOPs, parameters,
 * latency), how the slim exporter rebuilds it ({@link Slim}) and what the supernet converter makes of
 * it ({@link Conversion}). Rules live in a {@link LayerRegistry}; a custom layer gets one with
 * {@link LayerRegistry#with}.
 *
 * <pre>{@code
 * // A per-channel layer that keeps zeros at zero and costs nothing.
 * LayerRule rule = LayerRule.builder(ChannelRole.PER_CHANNEL).cost(site -> site.input(0)).build();
 * LayerRegistry registry = LayerRegistry.standard().with(MyScaleLayer.class, rule);
 * }</pre>
 */
public final class LayerRule {

    /** How the slim exporter rebuilds a layer. */
    public enum Slim {
        /** {@code TopkConv}: a stock convolution (and batch normalisation and activation) of the kept channels. */
        TOPK_CONVOLUTION,
        /** {@code TopkDense}: a stock dense layer (and batch normalisation and activation). */
        TOPK_DENSE,
        /** A stock convolution, dense or output layer: the weights of the kept inputs and outputs. */
        CUT_WEIGHTS,
        /** A per-channel layer with parameters (batch normalisation, depthwise convolution): the kept channels. */
        CUT_PER_CHANNEL,
        /** Copied unchanged (needs all its input channels unless its role passes removed ones through). */
        COPY,
        /** Cannot be exported; {@link #refusal()} says why. */
        REFUSE
    }

    /** What the supernet converter turns a layer into. */
    public enum Conversion {
        /** A stock convolution whose output channels become searchable. */
        CONVOLUTION,
        /** A stock dense layer whose output features become searchable. */
        DENSE,
        /** Kept as it is. */
        NONE
    }

    private final Function<Object, ChannelRole> role;
    private final VertexRule cost;
    private final Slim slim;
    private final String refusal;
    private final Conversion conversion;

    private LayerRule(Builder b) {
        this.role = b.role;
        this.cost = b.cost;
        this.slim = b.slim;
        this.refusal = b.refusal;
        this.conversion = b.conversion;
    }

    /** A rule whose role is the same for every configuration of the class. */
    public static Builder builder(ChannelRole role) {
        Objects.requireNonNull(role, "role");
        return new Builder(conf -> role);
    }

    /** A rule whose role depends on the configuration (e.g. an activation layer's function). */
    public static Builder builder(Function<Object, ChannelRole> role) {
        Objects.requireNonNull(role, "role");
        return new Builder(role);
    }

    /** The role of one configuration of this class. */
    public ChannelRole role(Object configuration) {
        return role.apply(configuration);
    }

    /** The cost rule; null if the resource model cannot count this class. */
    public VertexRule cost() {
        return cost;
    }

    public Slim slim() {
        return slim;
    }

    /** Why the exporter refuses the class ({@link Slim#REFUSE}), or null. */
    public String refusal() {
        return refusal;
    }

    public Conversion conversion() {
        return conversion;
    }

    /** Builds a {@link LayerRule}; the defaults: no cost rule, {@link Slim#COPY}, {@link Conversion#NONE}. */
    public static final class Builder {
        private final Function<Object, ChannelRole> role;
        private VertexRule cost;
        private Slim slim = Slim.COPY;
        private String refusal;
        private Conversion conversion = Conversion.NONE;

        private Builder(Function<Object, ChannelRole> role) {
            this.role = role;
        }

        /** How the layer enters the resource model. */
        public Builder cost(VertexRule cost) {
            this.cost = cost;
            return this;
        }

        public Builder slim(Slim slim) {
            this.slim = Objects.requireNonNull(slim, "slim");
            return this;
        }

        /** The exporter refuses the class, with this reason. */
        public Builder refuseExport(String reason) {
            this.slim = Slim.REFUSE;
            this.refusal = reason;
            return this;
        }

        public Builder conversion(Conversion conversion) {
            this.conversion = Objects.requireNonNull(conversion, "conversion");
            return this;
        }

        public LayerRule build() {
            return new LayerRule(this);
        }
    }
}
