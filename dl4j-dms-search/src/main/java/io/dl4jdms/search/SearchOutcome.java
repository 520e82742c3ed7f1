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
    /** The FLOPs of the searched structure with hard masks, after the budget fit: what is exported. */
    public double searchedFlops;
    public double slimFlops;
    public double slimParams;
    public double slimTestAccuracy;
    public double slimMaxAbsDiffVsHardMasked;
    public double baselineFlops;
    public double baselineParams;
    public double baselineTestAccuracy;
    public double baselineWidthMultiplier;
    public double searchSeconds;
    public double retrainSeconds;
    public long seed;
    public String data;
    public List<OperatorSize> operators = new ArrayList<>();
    public SearchHistory history = new SearchHistory();
}
