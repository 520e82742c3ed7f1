package io.dl4jdms.benchmarks.dmsvsuniform;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One finished (method, budget, seed) cell of the study, as {@code cells/<name>/cell.json}: the network, its FLOPs
 * against the target, its test accuracy after every retraining epoch and the time it took. FLOPs are
 * multiply-accumulates of one forward pass of one example.
 */
public final class CellResult {
    public String method;
    /** The budget as a fraction of the base network's FLOPs (0.5, 0.25, 0.125), or of its latency for the latency run. */
    public double budget;
    /** "flops" or "latency". */
    public String budgetKind = "flops";
    public long seed;
    public double targetFlops;
    public double flops;
    public double params;
    /** Width and depth multipliers of the base layout (NaN for a searched network). */
    public double widthMultiplier = Double.NaN;
    public double depthMultiplier = Double.NaN;
    public String structure;
    public int retrainEpochs;
    /** Test accuracy after each retraining epoch; the last is the cell's result. */
    public List<Double> testAccuracy = new ArrayList<>();
    public List<Double> trainLoss = new ArrayList<>();
    public double trainSeconds;
    /** Seconds of the search (searched networks only). */
    public double searchSeconds;
    /** Batch-1 predicted latency of the latency-target run, ms (NaN elsewhere). */
    public double targetLatencyMs = Double.NaN;
    /** What the search reported (searched networks only): supernet FLOPs, target, FLOPs at the search's end, ... */
    public Map<String, Object> search = new LinkedHashMap<>();

    /** The accuracy after the last retraining epoch. */
    public double finalAccuracy() {
        return testAccuracy.isEmpty() ? Double.NaN : testAccuracy.get(testAccuracy.size() - 1);
    }
}
