package io.dl4jdms.trainingfree;

import io.dl4jdms.resource.ResourceKind;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RankingAndScalingTest {

    private static TrainingFreeScores.Scores scores(double length, double kappa) {
        NtkCondition.Status status = Double.isNaN(kappa) ? NtkCondition.Status.NOT_FINITE
                : Double.isInfinite(kappa) ? NtkCondition.Status.SINGULAR : NtkCondition.Status.FINITE;
        return new TrainingFreeScores.Scores(length, new NtkCondition.Result(kappa, 1, 1, status), 0);
    }

    /** Dense ranks with ties, non-finite kappas last and counted, the smallest rank sum first. */
    @Test
    void denseRanksAndRankSums() {
        Ranking r = Ranking.of(List.of(scores(2.0, 10), scores(3.0, 10), scores(3.0, Double.NaN), scores(1.0, 5),
                scores(2.5, Double.POSITIVE_INFINITY)));
        int[] kappaRanks = r.entries().stream().mapToInt(Ranking.Entry::kappaRank).toArray();
        int[] lengthRanks = r.entries().stream().mapToInt(Ranking.Entry::lengthRank).toArray();
        assertEquals(List.of(2, 2, 3, 1, 3), box(kappaRanks));
        assertEquals(List.of(3, 1, 1, 4, 2), box(lengthRanks));
        assertEquals(2, r.nonFiniteKappas());
        assertEquals(1, r.best().index(), "rank sum 3, the smallest");
        assertEquals(3, r.best().rankSum());
    }

    @Test
    void aTieOfRankSumsGoesToTheSmallerKappa() {
        Ranking r = Ranking.of(List.of(scores(3.0, 20), scores(1.0, 10), scores(2.0, 15)));
        // rank sums: 3 + 1, 1 + 3, 2 + 2: all 4; kappa rank 1 wins
        assertEquals(1, r.best().index());
    }

    private static List<Integer> box(int[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }

    @Test
    void architectureSettingsRoundTripThroughJson() throws Exception {
        Architecture a = Architecture.seed(Architecture.RESNET).grown(1, 1.1);
        assertEquals(a, Architecture.fromJson(new ObjectMapper().readTree(a.toJson().toString())));
        assertEquals(2, a.blocksPerStage()[1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Architecture.fromJson(new ObjectMapper().readTree("{\"family\":\"vgg\"}")));
        assertTrue(e.getMessage().contains("'vgg'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Architecture.fromJson(
                new ObjectMapper().readTree("{\"family\":\"resnet\",\"stageWidths\":[8,\"x\"]}")));
        assertTrue(e.getMessage().contains("'stageWidths'[1]"), e.getMessage());
    }

    /**
     * A short scaling of a tiny ResNet on 8x8 images: every chosen architecture is within the budget and the best
     * rank sum of its step; the last step had nothing within the budget.
     */
    @Test
    void greedyScalingKeepsTheBestFittingCandidateUntilNothingFits() {
        INDArray images = Nd4j.rand(DataType.FLOAT, 3, 1, 8, 8);
        Architecture seed = new Architecture(Architecture.RESNET, 4, 1, new int[] {4, 8}, new int[] {1, 1},
                new int[] {1, 2}, 1.0);
        TrainingFreeScores scores = TrainingFreeScores.builder()
                .lengthDistortion(LengthDistortion.builder().initialisations(1).points(4).build()).build();
        GreedyScaling.Builder builder = GreedyScaling.builder(seed, images).classes(3).growths(0.1, 0.5).scores(scores);
        double seedFlops = builder.budget(ResourceKind.FLOPS, 1e12).maxSteps(0).build().run().chosen().flops();
        double budget = 3 * seedFlops;
        ScalingOutcome outcome = builder.budget(ResourceKind.FLOPS, budget).maxSteps(10).build().run();
        assertTrue(outcome.steps().size() >= 2, "at least one grow step within 3x the seed's FLOPs");
        for (ScalingOutcome.Step step : outcome.steps().subList(1, outcome.steps().size())) {
            assertEquals(4, step.candidates().size(), "2 stages x 2 growths");
            ScalingOutcome.Candidate chosen = step.candidates().get(step.chosen());
            assertTrue(chosen.flops() <= budget);
            int best = Integer.MAX_VALUE;
            for (ScalingOutcome.Candidate c : step.candidates()) {
                assertEquals(c.flops() <= budget, c.isScored(), "scored exactly when within the budget");
                if (c.isScored()) {
                    best = Math.min(best, c.kappaRank() + c.lengthRank());
                }
            }
            assertEquals(best, chosen.kappaRank() + chosen.lengthRank());
        }
        ScalingOutcome.Candidate last = outcome.chosen();
        for (int stage = 0; stage < 2; stage++) {
            for (double g : new double[] {0.1, 0.5}) {
                Architecture next = last.architecture().grown(stage, 1 + g);
                double flops = io.dl4jdms.resource.ResourceModel.of(network(next), 
                        org.deeplearning4j.nn.conf.inputs.InputType.convolutional(8, 8, 1)).full(ResourceKind.FLOPS);
                assertTrue(flops > budget, "a further candidate fits: " + next);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.budget(ResourceKind.FLOPS, seedFlops / 2).build().run());
        assertTrue(e.getMessage().contains("above the budget"), e.getMessage());
    }

    private static org.deeplearning4j.nn.graph.ComputationGraph network(Architecture a) {
        var net = new org.deeplearning4j.nn.graph.ComputationGraph(a.configuration(8, 8, 1, 3, 42));
        net.init();
        return net;
    }
}
