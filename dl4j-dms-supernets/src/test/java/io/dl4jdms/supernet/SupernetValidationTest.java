package io.dl4jdms.supernet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad options fail with a message that names the family, the option and the bad value. */
class SupernetValidationTest {

    private static void fails(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should contain '" + fragment + "'");
        }
    }

    @Test
    void nonPositiveWidthsAreNamed() {
        fails(() -> new ResNetSupernet.Builder().stageWidths(16, 0, 64),
                "ResNetSupernet: ", "stageWidths[1] must be positive, got 0", "[16, 0, 64]");
        fails(() -> new MobileNetV2Supernet.Builder().stemWidth(-3), "MobileNetV2Supernet: ",
                "stemWidth must be positive, got -3");
        fails(() -> new MobileNetV2Supernet.Builder().headWidth(0), "headWidth must be positive, got 0");
        fails(() -> new ResNetSupernet.Builder().stageWidths(), "stageWidths must have at least one value");
    }

    @Test
    void nonPositiveBlocksStridesAndExpansionsAreNamed() {
        fails(() -> new ResNetSupernet.Builder().blocksPerStage(2, -1, 2), "blocksPerStage[1] must be positive, got -1");
        fails(() -> new ResNetSupernet.Builder().strides(0, 2, 2), "strides[0] must be positive, got 0");
        fails(() -> new MobileNetV2Supernet.Builder().expansions(1, 6, 0, 6), "expansions[2] must be positive, got 0");
        fails(() -> new ResNetSupernet.Builder().stemStride(0), "stemStride must be positive, got 0");
    }

    @Test
    void multipliersMustBePositiveAndFinite() {
        fails(() -> new ResNetSupernet.Builder().widthMultiplier(0), "widthMultiplier must be positive and finite, got 0.0");
        fails(() -> new ResNetSupernet.Builder().depthMultiplier(-2), "depthMultiplier must be positive and finite, got -2.0");
        fails(() -> new MobileNetV2Supernet.Builder().widthMultiplier(Double.NaN), "widthMultiplier", "NaN");
        fails(() -> new MobileNetV2Supernet.Builder().depthMultiplier(Double.POSITIVE_INFINITY), "depthMultiplier",
                "Infinity");
    }

    @Test
    void perStageArraysOfDifferentLengthsFailAtBuild() {
        fails(() -> new ResNetSupernet.Builder().stageWidths(16, 32).build(),
                "blocksPerStage has 3 values [2, 2, 2] but stageWidths has 2 [16, 32]", "one value per stage");
        fails(() -> new ResNetSupernet.Builder().stageWidths(16, 32).blocksPerStage(1, 1).build(),
                "strides has 3 values [1, 2, 2] but stageWidths has 2");
        fails(() -> new MobileNetV2Supernet.Builder().expansions(6, 6).build(),
                "MobileNetV2Supernet: ", "expansions has 2 values [6, 6] but stageWidths has 4");
    }

    @Test
    void otherOptionsAreChecked() {
        fails(() -> new ResNetSupernet.Builder().input(28, 0, 1), "input width must be positive, got 0");
        fails(() -> new ResNetSupernet.Builder().classes(1), "classes must be at least 2, got 1");
        fails(() -> new ResNetSupernet.Builder().initialRatio(1.0), "initialRatio must be in [0, 1), got 1.0");
        fails(() -> new ResNetSupernet.Builder().ratioUpdater(null), "ratioUpdater must not be null");
        fails(() -> new ResNetSupernet.Builder().blockType(null), "blockType must not be null");
        fails(() -> new ResNetSupernet.Builder().globalConfiguration(null), "globalConfiguration must not be null");
        // Allowed by the builder, too large for a one-block stage: the operator's own check names it.
        fails(() -> new ResNetSupernet.Builder().blocksPerStage(1, 2, 2).initialRatio(0.6).build(),
                "'s1_depth'", "initialRatio 0.6");
    }
}
