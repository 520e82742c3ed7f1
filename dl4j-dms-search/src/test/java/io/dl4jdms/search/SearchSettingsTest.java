package io.dl4jdms.search;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchSettingsTest {

    private static void rejects(SearchSettings.Builder builder, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage());
        }
    }

    @Test
    void defaultsAreTheMainJob() {
        SearchSettings s = SearchSettings.builder().build();
        assertEquals(Pipeline.SCRATCH, s.pipeline);
        assertEquals(0.5, s.targetFraction(), 0);
        assertFalse(s.targetsParams());
        assertEquals("dms-out", s.out.toString());
    }

    @Test
    void badValuesAreRejectedWithTheValue() {
        rejects(SearchSettings.builder().targetFlops(1.5), "target FLOPs", "1.5");
        rejects(SearchSettings.builder().targetFlops(0), "target FLOPs", "0.0");
        rejects(SearchSettings.builder().targetParams(-0.1), "target params", "-0.1");
        rejects(SearchSettings.builder().searchEpochs(0), "search epochs", "0");
        rejects(SearchSettings.builder().batchSize(-3), "batch size", "-3");
        rejects(SearchSettings.builder().widthMultiplier(Double.NaN), "width multiplier", "NaN");
        rejects(SearchSettings.builder().resourceWeight(0), "resource weight");
        rejects(SearchSettings.builder().recalibrationBatches(-1), "recalibration batches", "-1");
    }

    @Test
    void theRecalibrationIsASettingOfTheStructureOnlyPipelineOnly() {
        SearchSettings structureOnly = SearchSettings.builder().pipeline(Pipeline.STRUCTURE_ONLY).build();
        assertEquals(20, structureOnly.recalibrationBatches);
        assertEquals(20, structureOnly.toMap().get("recalibrationBatches"));
        assertEquals(0, SearchSettings.builder().pipeline(Pipeline.STRUCTURE_ONLY).recalibrationBatches(0).build()
                .toMap().get("recalibrationBatches"));
        assertFalse(SearchSettings.builder().pipeline(Pipeline.PRETRAINED).build().toMap()
                .containsKey("recalibrationBatches"), "the pipelines that retrain do not recalibrate");
    }

    @Test
    void aParameterBudgetReplacesTheFlopsBudget() {
        SearchSettings s = SearchSettings.builder().targetParams(0.3).build();
        assertTrue(s.targetsParams());
        assertEquals(0.3, s.targetFraction(), 0);
        assertTrue(s.describe().contains("targetParams=0.3"));
    }

    @Test
    void pipelinesParseTheirCommandLineNames() {
        assertEquals(Pipeline.STRUCTURE_ONLY, Pipeline.parse("structure-only"));
        assertEquals("pretrained", Pipeline.PRETRAINED.cliName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pipeline.parse("fast"));
        assertTrue(e.getMessage().contains("'fast'"), e.getMessage());
    }
}
