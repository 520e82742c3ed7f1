package io.dl4jdms.trainingfree;

import io.dl4jdms.supernet.MobileNetV2Supernet;
import io.dl4jdms.supernet.ResNetSupernet;
import io.dl4jdms.supernet.SupernetBuilder;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.Locale;

/**
 * The settings of one of this project's supernet builders ({@link ResNetSupernet}, {@link MobileNetV2Supernet})
 * that greedy scaling changes and {@code dms rank} reads: the family, the stem, the widths, blocks and strides of
 * the stages and the width multiplier. The input and the classes come from the data when the configuration is
 * built. Immutable; JSON with {@link #toJson()} and {@link #fromJson(JsonNode)}.
 *
 * @param family          {@code resnet} or {@code mobilenetv2}
 * @param stemWidth       the stem's output channels before the multiplier
 * @param stemStride      the stem's stride
 * @param stageWidths     each stage's width before the multiplier
 * @param blocksPerStage  each stage's blocks
 * @param strides         each stage's first stride
 * @param widthMultiplier the width multiplier of every width
 */
public record Architecture(String family, int stemWidth, int stemStride, int[] stageWidths, int[] blocksPerStage,
                           int[] strides, double widthMultiplier) {

    public static final String RESNET = "resnet";
    public static final String MOBILENETV2 = "mobilenetv2";

    /** Checks the family and copies the arrays; the builder checks the rest when {@link #configuration} runs. */
    public Architecture {
        if (!RESNET.equals(family) && !MOBILENETV2.equals(family)) {
            throw new IllegalArgumentException("family must be '" + RESNET + "' or '" + MOBILENETV2 + "', got '"
                    + family + "'");
        }
        stageWidths = stageWidths.clone();
        blocksPerStage = blocksPerStage.clone();
        strides = strides.clone();
    }

    /**
     * The seed of greedy scaling: one block per stage and a small width. ResNet: stride-2 stem 8, stages 8-16-32,
     * strides 1-2-2 (the layout of {@code dms search}'s supernet); MobileNetV2: the builder's stem and stages at
     * width multiplier 0.5.
     */
    public static Architecture seed(String family) {
        if (MOBILENETV2.equals(family)) {
            return new Architecture(family, 16, 2, new int[] {16, 24, 32, 64}, new int[] {1, 1, 1, 1},
                    new int[] {1, 2, 2, 1}, 0.5);
        }
        return new Architecture(family, 8, 2, new int[] {8, 16, 32}, new int[] {1, 1, 1}, new int[] {1, 2, 2}, 1.0);
    }

    @Override
    public int[] stageWidths() {
        return stageWidths.clone();
    }

    @Override
    public int[] blocksPerStage() {
        return blocksPerStage.clone();
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    public int stages() {
        return stageWidths.length;
    }

    /** This architecture with one more block in {@code stage} (from 0) and its width multiplier times {@code factor}. */
    public Architecture grown(int stage, double factor) {
        if (stage < 0 || stage >= stages()) {
            throw new IllegalArgumentException("stage " + stage + " does not exist: " + stages() + " stages");
        }
        int[] blocks = blocksPerStage.clone();
        blocks[stage]++;
        return new Architecture(family, stemWidth, stemStride, stageWidths, blocks, strides, widthMultiplier * factor);
    }

    /** The supernet configuration for images of {@code height x width x channels} and {@code classes} classes. */
    public ComputationGraphConfiguration configuration(int height, int width, int channels, int classes, long seed) {
        SupernetBuilder<?> builder = RESNET.equals(family) ? new ResNetSupernet.Builder() : new MobileNetV2Supernet.Builder();
        builder.input(height, width, channels).classes(classes).stemWidth(stemWidth).stemStride(stemStride)
                .stageWidths(stageWidths).blocksPerStage(blocksPerStage).strides(strides)
                .widthMultiplier(widthMultiplier)
                .globalConfiguration(new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-3))
                        .weightInit(WeightInit.RELU));
        if (builder instanceof MobileNetV2Supernet.Builder mobile && stages() != 4) {
            int[] expansions = new int[stages()];
            Arrays.fill(expansions, 6);
            expansions[0] = 1;
            mobile.expansions(expansions);
        }
        return builder.build();
    }

    /** A short description: {@code resnet stem 8/2, widths 8-16-32 x1.050, blocks 1-2-1, strides 1-2-2}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s stem %d/%d, widths %s x%.3f, blocks %s, strides %s", family, stemWidth,
                stemStride, join(stageWidths), widthMultiplier, join(blocksPerStage), join(strides));
    }

    private static String join(int[] values) {
        return String.join("-", Arrays.stream(values).mapToObj(String::valueOf).toArray(String[]::new));
    }

    /** The settings as JSON: {@code family, stemWidth, stemStride, stageWidths, blocksPerStage, strides, widthMultiplier}. */
    public ObjectNode toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        node.put("family", family);
        node.put("stemWidth", stemWidth);
        node.put("stemStride", stemStride);
        array(node.putArray("stageWidths"), stageWidths);
        array(node.putArray("blocksPerStage"), blocksPerStage);
        array(node.putArray("strides"), strides);
        node.put("widthMultiplier", widthMultiplier);
        return node;
    }

    private static void array(ArrayNode node, int[] values) {
        for (int v : values) {
            node.add(v);
        }
    }

    /**
     * Reads {@link #toJson()}'s form; a missing field takes the value of the family's {@link #seed}.
     *
     * @throws IllegalArgumentException naming the field that is not a number or an array of numbers
     */
    public static Architecture fromJson(JsonNode node) {
        if (!node.has("family")) {
            throw new IllegalArgumentException("architecture settings need a 'family' (" + RESNET + " or "
                    + MOBILENETV2 + ")");
        }
        Architecture d = seed(node.get("family").asText());
        return new Architecture(node.get("family").asText(), integer(node, "stemWidth", d.stemWidth),
                integer(node, "stemStride", d.stemStride), ints(node, "stageWidths", d.stageWidths),
                ints(node, "blocksPerStage", d.blocksPerStage), ints(node, "strides", d.strides),
                node.has("widthMultiplier") ? number(node, "widthMultiplier") : d.widthMultiplier);
    }

    private static int integer(JsonNode node, String field, int fallback) {
        if (!node.has(field)) {
            return fallback;
        }
        if (!node.get(field).canConvertToInt()) {
            throw new IllegalArgumentException("'" + field + "' must be an integer, got " + node.get(field));
        }
        return node.get(field).asInt();
    }

    private static double number(JsonNode node, String field) {
        if (!node.get(field).isNumber()) {
            throw new IllegalArgumentException("'" + field + "' must be a number, got " + node.get(field));
        }
        return node.get(field).asDouble();
    }

    private static int[] ints(JsonNode node, String field, int[] fallback) {
        if (!node.has(field)) {
            return fallback;
        }
        JsonNode array = node.get(field);
        if (!array.isArray()) {
            throw new IllegalArgumentException("'" + field + "' must be an array of integers, got " + array);
        }
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            if (!array.get(i).canConvertToInt()) {
                throw new IllegalArgumentException("'" + field + "'[" + i + "] must be an integer, got " + array.get(i));
            }
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Architecture a && family.equals(a.family) && stemWidth == a.stemWidth
                && stemStride == a.stemStride && Arrays.equals(stageWidths, a.stageWidths)
                && Arrays.equals(blocksPerStage, a.blocksPerStage) && Arrays.equals(strides, a.strides)
                && Double.compare(widthMultiplier, a.widthMultiplier) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * family.hashCode() + Arrays.hashCode(stageWidths)) + Arrays.hashCode(blocksPerStage);
    }

    @Override
    public String toString() {
        return describe();
    }
}
