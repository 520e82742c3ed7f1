package io.dl4jdms.search;

import io.dl4jdms.pipeline.SearchHistory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of one finished search, as the report and {@code summary.json} show them. FLOPs are
 * multiply-accumulate operations of one forward pass of one example.
 */
public final class SearchOutcome {

    /** One operator's size in the supernet and after the search. */
    public static final class OperatorSize {
        public String name;
        public String kind;
        public int supernetSize;
        public int keptSize;

        public OperatorSize() {
        }

        public OperatorSize(String name, String kind, int supernetSize, int keptSize) {
            this.name = name;
            this.kind = kind;
            this.supernetSize = supernetSize;
            this.keptSize = keptSize;
        }
    }

    /** Where the result came from: pipeline, version, data, seed, settings, time ({@code Provenance#toMap()}). */
    public Map<String, Object> provenance = new LinkedHashMap<>();
    public String pipeline;
    public String resource;
    public double supernetFlops;
    public double supernetParams;
    public double targetFlops;
    public double targetParams;
    /** The FLOPs of the hard masks when the search ended, before {@link io.dl4jdms.resource.BudgetFit}. */
    public double searchEndFlops;
    /** Elements the budget fit removed after the search (0 when the search ended within the budget). */
    public int budgetFitRemoved;
    /**
     * Elements the budget fit added back after the search, while the structure stayed at most at the target (0 when
     * the search, or the removal, ended at the target or above it).
     */
    public int budgetFitAdded;
    /** The FLOPs of the searched structure with hard masks, after the budget fit: what is exported. */
    public double searchedFlops;
    public double slimFlops;
    public double slimParams;
    public double slimTestAccuracy;
    public double slimMaxAbsDiffVsHardMasked;
    public double baselineFlops;
    public double baselineParams;
    public double baselineTestAccuracy;
    /** The scratch pipeline's baseline: the width multiplier of the base network (NaN for the other pipelines). */
    public double baselineWidthMultiplier = Double.NaN;
    /** The pretrained pipelines' baseline: the fraction of every width the uniform magnitude pruning kept (else NaN). */
    public double baselineKeptFraction = Double.NaN;
    /** What the baseline is and how it was trained, in words (e.g. "uniform width x0.700, trained from scratch"). */
    public String baselineMethod;
    /**
     * Training epochs of the baseline after it was built (0: none): as many as {@link #slimTrainingEpochs}, so the
     * pretrained pipeline's baseline is fine-tuned for the search epochs and the retraining epochs.
     */
    public int baselineTrainingEpochs;
    /** How the slim network was trained after the export: "from scratch", "fine-tuned" or "none". */
    public String slimTraining;
    /**
     * Epochs the slim network's weights trained after the pretraining (scratch: from scratch; 0: none): the
     * retraining epochs, and for the pretrained pipeline also the search epochs ({@link #slimSearchEpochs}), in which
     * they trained inside the supernet.
     */
    public int slimTrainingEpochs;
    /** Of {@link #slimTrainingEpochs}, those of the search (pretrained pipeline; else 0). */
    public int slimSearchEpochs;

    /** How the slim network was trained, in words, e.g. "2 search epoch(s) + fine-tuned 3 epoch(s)" or "not retrained". */
    public String slimTrainingInWords() {
        if (slimTrainingEpochs == 0) {
            return "not retrained";
        }
        int after = slimTrainingEpochs - slimSearchEpochs;
        return slimSearchEpochs > 0
                ? slimSearchEpochs + " search epoch(s) + " + slimTraining + " " + after + " epoch(s)"
                : slimTraining + ", " + after + " epoch(s)";
    }
    /**
     * Structure-only pipeline: the training minibatches on which the batch normalisation statistics of the slim network
     * and of the baseline were re-estimated before evaluation (0: none, and for the other pipelines).
     */
    public int recalibrationBatches;
    /** The slim network's test accuracy before that recalibration (NaN without one). */
    public double slimTestAccuracyBeforeRecalibration = Double.NaN;
    /** The baseline's test accuracy before that recalibration (NaN without one). */
    public double baselineTestAccuracyBeforeRecalibration = Double.NaN;
    /** Test accuracy of the pretrained, unpruned network (pretrained pipelines; NaN for scratch). */
    public double pretrainedTestAccuracy = Double.NaN;
    public double searchSeconds;
    public double retrainSeconds;
    public long seed;
    public String data;
    public List<OperatorSize> operators = new ArrayList<>();
    public SearchHistory history = new SearchHistory();
}
