package io.dl4jdms.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a search and its retraining went through, for plots and resumption: sampled iterations of the
 * search (score, resource fraction, target fraction, kept size per operator) and one row per epoch of
 * each training phase (loss and test accuracy). Serialised with the checkpoint, so a resumed search
 * keeps its curves.
 */
public final class SearchHistory {

    /** One sampled iteration of the search. */
    public static final class Step {
        public int iteration;
        public int epoch;
        public double score;
        public double resourceFraction;
        public double targetFraction;
        public Map<String, Integer> keptSizes = new LinkedHashMap<>();

        public Step() {
        }

        public Step(int iteration, int epoch, double score, double resourceFraction, double targetFraction,
                    Map<String, Integer> keptSizes) {
            this.iteration = iteration;
            this.epoch = epoch;
            this.score = score;
            this.resourceFraction = resourceFraction;
            this.targetFraction = targetFraction;
            this.keptSizes = new LinkedHashMap<>(keptSizes);
        }
    }

    /** One finished epoch of a training phase ("search", "slim", "baseline"). */
    public static final class Epoch {
        public String phase;
        public int epoch;
        public double trainLoss;
        public double testAccuracy;

        public Epoch() {
        }

        public Epoch(String phase, int epoch, double trainLoss, double testAccuracy) {
            this.phase = phase;
            this.epoch = epoch;
            this.trainLoss = trainLoss;
            this.testAccuracy = testAccuracy;
        }
    }

    public List<Step> steps = new ArrayList<>();
    public List<Epoch> epochs = new ArrayList<>();

    /** The epochs of one phase, in order. */
    public List<Epoch> phase(String phase) {
        List<Epoch> out = new ArrayList<>();
        for (Epoch e : epochs) {
            if (e.phase.equals(phase)) {
                out.add(e);
            }
        }
        return out;
    }
}
