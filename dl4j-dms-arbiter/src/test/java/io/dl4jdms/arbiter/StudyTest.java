package io.dl4jdms.arbiter;

import io.dl4jdms.arbiter.scores.LengthDistortionScore;
import io.dl4jdms.arbiter.spaces.ArrayChoiceSpace;
import io.dl4jdms.arbiter.spaces.SupernetSpace;
import io.dl4jdms.arbiter.spaces.TopkConvLayerSpace;
import io.dl4jdms.arbiter.tasks.TrainingFreeTaskCreator;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Studies check their spaces before they start, stop on a candidate that cannot be made, and write their summary. */
class StudyTest {

    static final InputType MNIST = InputType.convolutional(28, 28, 1);

    static SupernetSpace smallSupernets() {
        return new SupernetSpace.Builder().stemWidth(4)
                .stageWidths(ArrayChoiceSpace.ofInts(new int[] {4, 8, 8}, new int[] {6, 8, 12}))
                .blocksPerStage(1, 1, 1).widthMultiplier(new ContinuousParameterSpace(1.0, 1.5)).build();
    }

    @Test
    void aSpaceThatThrowsFailsBeforeTheStudyNamingSpaceAndValue(@TempDir Path dir) {
        // Three stage widths but two block counts: every candidate fails to build.
        SupernetSpace bad = new SupernetSpace.Builder().stageWidths(8, 16, 32)
                .blocksPerStage(ArrayChoiceSpace.ofInts(new int[] {1, 1}, new int[] {2, 2})).build();
        Study study = Study.builder(bad, new TrainingFreeTaskCreator(), new LengthDistortionScore(MNIST))
                .maxCandidates(5).maxTime(Duration.ofMinutes(1)).output(dir).build();
        IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(IllegalArgumentException.class, study::run));
        assertTrue(e.getMessage().contains("space SupernetSpace"), e.getMessage());
        assertTrue(e.getMessage().contains("blocksPerStage=[1, 1]") || e.getMessage().contains("blocksPerStage=[2, 2]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("blocksPerStage has 2 values"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("summary.json")), "nothing ran");
    }

    @Test
    void aLayerSpaceOutOfRangeIsNamedWithItsOption() {
        TopkConvLayerSpace bad = new TopkConvLayerSpace.Builder().kernelSize(3, 3).nIn(4).nOut(8)
                .initialRatio(new ContinuousParameterSpace(0.0, 1.5)).build();
        Study study = Study.builder(bad, new TrainingFreeTaskCreator(), new LengthDistortionScore(MNIST))
                .maxCandidates(5).maxTime(Duration.ofMinutes(1)).output(Path.of("unused")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, study::validate);
        assertTrue(e.getMessage().contains("space TopkConvLayerSpace"), e.getMessage());
        assertTrue(e.getMessage().contains("topk.initialRatio=1.5"), e.getMessage());
        assertTrue(e.getMessage().contains("initialRatio must be in [0, 1)"), e.getMessage());
    }

    /** A leaf that throws for values in (0.6, 0.9): the corners and centre pass, random candidates do not. */
    static final class ThrowsInABand implements ParameterSpace<Integer> {
        private int index;

        @Override
        public Integer getValue(double[] v) {
            if (v[index] > 0.6 && v[index] < 0.9) {
                throw new IllegalStateException("no value here: " + v[index]);
            }
            return 1;
        }

        public int numParameters() {
            return 1;
        }

        public List<ParameterSpace> collectLeaves() {
            return Collections.singletonList(this);
        }

        public Map<String, ParameterSpace> getNestedSpaces() {
            return Collections.emptyMap();
        }

        public boolean isLeaf() {
            return true;
        }

        public void setIndices(int... indices) {
            index = indices[0];
        }
    }

    @Test
    void aCandidateThatCannotBeMadeDuringTheStudyStopsIt(@TempDir Path dir) {
        SupernetSpace space = new SupernetSpace.Builder().stemWidth(new ThrowsInABandInteger()).build();
        Study study = Study.builder(space, new TrainingFreeTaskCreator(), new LengthDistortionScore(4, 1, 0, MNIST))
                .maxCandidates(1000).maxTime(Duration.ofMinutes(10)).validationSamples(0).output(dir).build();
        // Arbiter's runner alone would spin here until the 10-minute limit.
        IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> assertThrows(IllegalStateException.class, study::run));
        assertTrue(e.getMessage().contains("could not be made"), e.getMessage());
        assertTrue(e.getMessage().contains("no value here"), e.getMessage());
    }

    /** {@link ThrowsInABand} as a stem width (16 where it does not throw). */
    static final class ThrowsInABandInteger extends IntegerParameterSpace {
        private final ThrowsInABand band = new ThrowsInABand();

        ThrowsInABandInteger() {
            super(16, 16);
        }

        @Override
        public Integer getValue(double[] v) {
            band.getValue(v);
            return 16;
        }

        @Override
        public void setIndices(int... indices) {
            super.setIndices(indices);
            band.setIndices(indices);
        }
    }

    @Test
    void everyStudyNeedsBothLimits() {
        Study.Builder b = Study.builder(smallSupernets(), new TrainingFreeTaskCreator(), new LengthDistortionScore(MNIST))
                .output(Path.of("unused"));
        assertTrue(assertThrows(IllegalArgumentException.class, b::build).getMessage().contains("maxCandidates"));
        b.maxCandidates(3);
        assertTrue(assertThrows(IllegalArgumentException.class, b::build).getMessage().contains("maxTime"));
    }

    @Test
    void aTrainingFreeScreenWritesArbiterResultsAndASummary(@TempDir Path dir) throws Exception {
        Study.Result r = Study.builder(smallSupernets(), new TrainingFreeTaskCreator(),
                        new LengthDistortionScore(4, 1, 0, MNIST))
                .maxCandidates(3).maxTime(Duration.ofMinutes(2)).output(dir).build().run();
        assertEquals(3, r.candidates().size());
        JsonNode summary = new ObjectMapper().readTree(r.summary().toFile());
        assertEquals(3, summary.get("candidates").size());
        double best = Double.NEGATIVE_INFINITY;
        for (JsonNode c : summary.get("candidates")) {
            assertEquals("Complete", c.get("status").asText());
            assertTrue(c.get("score").asDouble() > 0, c.toString());
            assertTrue(c.get("settings").has("widthMultiplier"), c.toString());
            best = Math.max(best, c.get("score").asDouble());
        }
        assertEquals(best, summary.get("best").get("score").asDouble());
        assertEquals(r.best().index(), summary.get("bestIndex").asInt());
        // Arbiter's result saver: one directory per candidate with the model and the score.
        try (var saved = Files.list(dir.resolve("arbiter"))) {
            assertEquals(3, saved.count());
        }
    }
}
