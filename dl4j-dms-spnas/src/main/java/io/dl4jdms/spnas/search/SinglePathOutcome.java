package io.dl4jdms.spnas.search;

import io.dl4jdms.pipeline.SearchHistory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of one finished {@link SinglePathSearch}, as {@code summary.json} and {@code report.html} show
 * them. Latencies are in ms, of one forward pass at the table's batch size on this machine's backend.
 */
public final class SinglePathOutcome {

    /** One searchable block: where it sits and what the search chose for it. */
    public static final class Block {
        public String name;
        public int height;
        public int width;
        public int inChannels;
        public int outChannels;
        public int stride;
        /** The chosen kernel size (also reported for a skipped block: what its shells say). */
        public int kernelSize;
        /** The chosen expansion ratio, 0 when skipped. */
        public double expansionRatio;
        /** The expanded channels kept, 0 when skipped. */
        public int channels;
        public boolean skip;
        /** The choice as {@code SuperkernelChoice} prints it: {@code 5x5 e3 (48 channels)}, {@code skip}. */
        public String choice;
        /** The table's time of the chosen candidate. */
        public double predictedMs;
        /** The table's time of the block's largest candidate (the supernet's). */
        public double largestMs;
    }

    /** One iteration of the supernet's training: the latency the thresholds stand for after the update. */
    public static final class Step {
        public int iteration;
        public int epoch;
        public double score;
        public double predictedMs;
        public Map<String, Double> blockMs = new LinkedHashMap<>();
    }

    /** The supernet after one epoch of warm-up or search. */
    public static final class Epoch {
        public int epoch;
        public boolean warmup;
        public double score;
        public double testAccuracy;
        public double predictedMs;
        /** {@code lambda} of the latency loss at the end of the epoch (it grows while the search is above target). */
        public double latencyWeight;
        /** Updates of the thresholds the hold has taken back so far (see {@code LatencyLossListener.Builder#hold}). */
        public long revertedUpdates;
        public Map<String, String> choices = new LinkedHashMap<>();
    }

    /** Where the result came from: pipeline, version, data, seed, settings, time ({@code Provenance#toMap()}). */
    public Map<String, Object> provenance = new LinkedHashMap<>();
    public String data;
    public long seed;
    public String backend;
    public int timingBatchSize;
    public double targetMs;
    public double predictedMs;
    /** The predicted time of the search's last choices, before {@link BudgetFill} (equal to it without a fill). */
    public double searchedPredictedMs;
    /** What {@link BudgetFill} switched on, in order ({@link BudgetFill.Step#toString()}). */
    public List<String> fillSteps = new ArrayList<>();
    public double measuredMs;
    public double supernetPredictedMs;
    public double supernetMeasuredMs;
    /**
     * The supernet (as stock layers) timed while profiling, in the same measurement as the table (0 when the table
     * was given). {@code supernetMeasuredMs / supernetProfiledMs - 1} is how much slower (or faster) this process
     * ran at the end than when the table was made: a drift of the machine, not an error of the model.
     */
    public double supernetProfiledMs;
    /**
     * The searched network's time at the speed the machine had when the table was made: its median ratio to the
     * gauge network, timed in the same rounds, times the gauge's time in the table
     * ({@link io.dl4jdms.spnas.latency.LatencyCalibration#measure}). This is what the prediction is checked against:
     * {@link #measuredMs} also carries how much faster or slower the machine runs now than then. NaN when the table
     * has no gauge (0 until measured).
     */
    public double measuredAtTableSpeedMs;
    /** The supernet's time at the table's speed ({@link #measuredAtTableSpeedMs}). */
    public double supernetMeasuredAtTableSpeedMs;
    /** The gauge network's time in the table's measurement (0 if the table has none). */
    public double gaugeProfiledMs;
    /** The gauge network's time in the final measurement. */
    public double gaugeMeasuredMs;
    public double fixedMs;
    public double supernetTestAccuracy;
    public double slimTestAccuracyBeforeRetraining;
    public double slimTestAccuracy;
    public long supernetParameters;
    public long slimParameters;
    public double exportMaxAbsDifference;
    public double profileSeconds;
    public double searchSeconds;
    public double retrainSeconds;
    public double totalSeconds;
    public Map<String, Object> settings = new LinkedHashMap<>();
    public List<Block> blocks = new ArrayList<>();
    public List<Step> steps = new ArrayList<>();
    public List<Epoch> epochs = new ArrayList<>();
    /** Loss and test accuracy per epoch: phase {@code supernet} (warm-up and search), then {@code slim}. */
    public SearchHistory history = new SearchHistory();

    /** {@code (predicted - measured) / measured} of the searched network. */
    public double relativeError() {
        return (predictedMs - measuredMs) / measuredMs;
    }

    /** {@code (predicted - measured) / measured} of the searched network at the table's speed (NaN without a gauge). */
    public double relativeErrorAtTableSpeed() {
        return measuredAtTableSpeedMs > 0 ? (predictedMs - measuredAtTableSpeedMs) / measuredAtTableSpeedMs : Double.NaN;
    }

    /** {@code (predicted - measured) / measured} of the supernet at the table's speed (NaN without a gauge). */
    public double supernetRelativeErrorAtTableSpeed() {
        return supernetMeasuredAtTableSpeedMs > 0
                ? (supernetPredictedMs - supernetMeasuredAtTableSpeedMs) / supernetMeasuredAtTableSpeedMs : Double.NaN;
    }

    /** Block name to choice ({@link Block#choice}). */
    public Map<String, String> choices() {
        Map<String, String> out = new LinkedHashMap<>();
        blocks.forEach(b -> out.put(b.name, b.choice));
        return out;
    }
}
