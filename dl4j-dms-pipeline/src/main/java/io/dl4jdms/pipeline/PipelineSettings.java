package io.dl4jdms.pipeline;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the shared pipeline core needs of a pipeline's (immutable) settings: one ordered map of every setting that
 * decides the result. The same map is the checkpoint's identity (a checkpoint is resumed only by settings with an
 * equal map) and the {@code settings} of the {@link Provenance} stored with the results. The output directory is
 * not part of it: a search can be moved.
 */
public interface PipelineSettings {

    /** The pipeline as the command line names it, e.g. {@code dms search}. */
    String pipelineName();

    /** The seed every random choice of the run derives from. */
    long randomSeed();

    /** Every setting that decides the result, in a fixed order; values are strings, numbers, booleans or lists. */
    Map<String, Object> toMap();

    /** The map as one line, {@code key=value key=value ...}, for logs and messages. */
    default String describe() {
        return describe(toMap());
    }

    /** A settings map as one line, {@code key=value key=value ...}. */
    static String describe(Map<String, ?> settings) {
        return settings.entrySet().stream().map(e -> e.getKey() + "=" + ValueText.of(e.getValue()))
                .collect(Collectors.joining(" "));
    }

    /** How a settings value prints: arrays as lists. */
    final class ValueText {
        private ValueText() {
        }

        static String of(Object value) {
            if (value instanceof int[] ints) {
                return java.util.Arrays.toString(ints);
            }
            if (value instanceof double[] doubles) {
                return java.util.Arrays.toString(doubles);
            }
            return String.valueOf(value);
        }
    }
}
