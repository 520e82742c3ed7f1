package io.dl4jdms.export;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnoreProperties;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.shade.jackson.annotation.JsonPropertyOrder;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The structure a search found, as a small JSON document: per top-k operator (a searched layer's
 * width, a shared width group, a stage's depth) its kind, its size in the supernet, the kept size and
 * indices under the hard mask, and the ratio {@code a}.
 *
 * <pre>{@code
 * {
 *   "network" : "ComputationGraph",
 *   "operators" : [ {
 *     "name" : "conv1", "kind" : "width", "layerType" : "TopkConv",
 *     "supernetSize" : 32, "keptSize" : 19, "keptIndices" : [ 0, 2, ... ], "ratio" : 0.41
 *   }, ... ]
 * }
 * }</pre>
 */
@JsonPropertyOrder({"network", "operators"})
@JsonIgnoreProperties(ignoreUnknown = true)
public final class SearchedStructure {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Whether an operator controls channels or features (width) or the blocks of a stage (depth). */
    public enum Kind {
        @JsonProperty("width") WIDTH,
        @JsonProperty("depth") DEPTH
    }

    /** One top-k operator of the searched network. */
    @JsonPropertyOrder({"name", "kind", "layerType", "supernetSize", "keptSize", "keptIndices", "ratio"})
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Operator {
        private final String name;
        private final Kind kind;
        private final String layerType;
        private final int supernetSize;
        private final int[] keptIndices;
        private final double ratio;

        @JsonCreator
        public Operator(@JsonProperty("name") String name, @JsonProperty("kind") Kind kind,
                        @JsonProperty("layerType") String layerType, @JsonProperty("supernetSize") int supernetSize,
                        @JsonProperty("keptIndices") int[] keptIndices, @JsonProperty("ratio") double ratio) {
            this.name = Objects.requireNonNull(name, "name");
            this.kind = Objects.requireNonNull(kind, "kind");
            this.layerType = layerType;
            this.supernetSize = supernetSize;
            this.keptIndices = keptIndices.clone();
            this.ratio = ratio;
        }

        /** The operator's layer name. */
        @JsonProperty("name")
        public String name() {
            return name;
        }

        @JsonProperty("kind")
        public Kind kind() {
            return kind;
        }

        /** The class of the layer that carries the operator, e.g. TopkConv, TopkDense, DepthMask, WidthMask. */
        @JsonProperty("layerType")
        public String layerType() {
            return layerType;
        }

        /** N: channels, features or blocks in the supernet. */
        @JsonProperty("supernetSize")
        public int supernetSize() {
            return supernetSize;
        }

        /** How many the hard mask keeps. */
        @JsonProperty("keptSize")
        public int keptSize() {
            return keptIndices.length;
        }

        /** The kept elements' indices in the supernet, increasing. */
        @JsonProperty("keptIndices")
        public int[] keptIndices() {
            return keptIndices.clone();
        }

        /** The ratio {@code a} as stored (used clamped). */
        @JsonProperty("ratio")
        public double ratio() {
            return ratio;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Operator)) {
                return false;
            }
            Operator other = (Operator) o;
            return name.equals(other.name) && kind == other.kind && Objects.equals(layerType, other.layerType)
                    && supernetSize == other.supernetSize && Arrays.equals(keptIndices, other.keptIndices)
                    && Double.compare(ratio, other.ratio) == 0;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, kind, layerType, supernetSize, Arrays.hashCode(keptIndices), ratio);
        }

        @Override
        public String toString() {
            return name + " (" + kind.name().toLowerCase() + "): kept " + keptSize() + " of " + supernetSize;
        }
    }

    private final String network;
    private final List<Operator> operators;

    @JsonCreator
    public SearchedStructure(@JsonProperty("network") String network,
                             @JsonProperty("operators") List<Operator> operators) {
        this.network = network;
        this.operators = Collections.unmodifiableList(new ArrayList<>(operators));
    }

    /** The structure a network's operators define now (their hard masks), in layer order. */
    public static SearchedStructure of(Model searched) {
        List<Operator> operators = new ArrayList<>();
        for (TopkOperator operator : OperatorState.operators(searched)) {
            boolean[] kept = operator.mask().kept();
            int[] indices = new int[operator.mask().keptSize()];
            for (int i = 0, j = 0; i < kept.length; i++) {
                if (kept[i]) {
                    indices[j++] = i;
                }
            }
            operators.add(new Operator(operator.operatorName(), operator.isDepthOperator() ? Kind.DEPTH : Kind.WIDTH,
                    layerType(operator), operator.operatorSize(), indices, operator.ratio()));
        }
        return new SearchedStructure(searched.getClass().getSimpleName(), operators);
    }

    private static String layerType(TopkOperator operator) {
        org.deeplearning4j.nn.api.Layer layer = (org.deeplearning4j.nn.api.Layer) operator;
        return layer.conf().getLayer().getClass().getSimpleName();
    }

    /** "MultiLayerNetwork" or "ComputationGraph". */
    @JsonProperty("network")
    public String network() {
        return network;
    }

    @JsonProperty("operators")
    public List<Operator> operators() {
        return operators;
    }

    /** The operator of that name. */
    public Operator operator(String name) {
        for (Operator operator : operators) {
            if (operator.name.equals(name)) {
                return operator;
            }
        }
        throw new IllegalArgumentException("no operator named '" + name + "'; the structure has "
                + operators.stream().map(Operator::name).reduce((a, b) -> a + ", " + b).orElse("none"));
    }

    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the searched structure as JSON", e);
        }
    }

    public static SearchedStructure fromJson(String json) {
        try {
            return MAPPER.readValue(json, SearchedStructure.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a searched structure document: " + e.getMessage(), e);
        }
    }

    public void write(File file) throws IOException {
        MAPPER.writeValue(file, this);
    }

    public static SearchedStructure read(File file) throws IOException {
        return MAPPER.readValue(file, SearchedStructure.class);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SearchedStructure && Objects.equals(network, ((SearchedStructure) o).network)
                && operators.equals(((SearchedStructure) o).operators);
    }

    @Override
    public int hashCode() {
        return Objects.hash(network, operators);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
