package io.dl4jdms.trainingfree;

import io.dl4jdms.resource.ResourceKind;

import java.util.List;

/**
 * What {@link GreedyScaling} did: every step's candidates (with their FLOPs, parameters and, if they fit,
 * scores and ranks) and the one it kept.
 *
 * @param kind            the budget's resource
 * @param budget          the budget
 * @param steps           step 0 is the seed alone; then one step per growth
 * @param nonFiniteKappas how many scored candidates had a kappa that is not finite (ranked last)
 * @param seconds         the whole run's time
 */
public record ScalingOutcome(ResourceKind kind, double budget, List<Step> steps, int nonFiniteKappas, double seconds) {

    /** The architecture the scaling ended with: the last step's choice. */
    public Candidate chosen() {
        Step last = steps.get(steps.size() - 1);
        return last.candidates().get(last.chosen());
    }

    /**
     * One step.
     *
     * @param number          0 for the seed
     * @param candidates      every candidate of the step, in the order stage, growth
     * @param chosen          the index of the kept candidate
     * @param nonFiniteKappas how many of this step's scored candidates had a kappa that is not finite
     */
    public record Step(int number, List<Candidate> candidates, int chosen, int nonFiniteKappas) {
    }

    /**
     * One candidate architecture.
     *
     * @param architecture its settings
     * @param flops        FLOPs (multiply-accumulates of one example's forward pass)
     * @param params       trainable parameters
     * @param scores       its scores; null if it did not fit the budget
     * @param kappaRank    its rank of kappa within the step (0 if not scored or the seed)
     * @param lengthRank   its rank of L^E within the step (0 if not scored or the seed)
     */
    public record Candidate(Architecture architecture, double flops, double params, TrainingFreeScores.Scores scores,
                            int kappaRank, int lengthRank) {

        /** FLOPs or parameters. */
        public double resource(ResourceKind kind) {
            return kind == ResourceKind.PARAMS ? params : flops;
        }

        Candidate scored(TrainingFreeScores.Scores s) {
            return new Candidate(architecture, flops, params, s, kappaRank, lengthRank);
        }

        Candidate ranked(int kappa, int length) {
            return new Candidate(architecture, flops, params, scores, kappa, length);
        }

        /** Whether it fitted the budget and was scored. */
        public boolean isScored() {
            return scores != null;
        }
    }
}
