package io.dl4jdms.search;

import io.dl4jdms.pipeline.PipelineSettings;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that decides a search: pipeline, budget, lengths, seed, data and output directory.
 * Immutable; built with {@link #builder()}, validated by {@link Builder#build()} with messages that
 * name the bad value. {@link #toMap()} is the one description of them: a checkpoint is resumed only with the
 * same map, and the provenance stored with the results holds it.
 */
public final class SearchSettings implements PipelineSettings {

    public final Pipeline pipeline;
    /** Target FLOPs as a fraction of the supernet's, or NaN. */
    public final double targetFlops;
    /** Target parameter count as a fraction of the supernet's, or NaN. */
    public final double targetParams;
    public final int searchEpochs;
    public final int retrainEpochs;
    public final int pretrainEpochs;
    public final int structureIterations;
    /**
     * Structure-only pipeline: training minibatches on which the batch normalisation of the pruned network and of its
     * baseline is re-estimated before they are evaluated (no weight trained); 0 for none.
     */
    public final int recalibrationBatches;
    public final int batchSize;
    public final long seed;
    public final double widthMultiplier;
    public final double depthMultiplier;
    public final double resourceWeight;
    /** A directory of IDX files or of class-named image folders, or a CSV file; null for the embedded subset. */
    public final Path data;
    /** How the data is read besides its path (e.g. {@code "imageSize=32x32 channels=3"}); empty for the defaults. */
    public final String dataOptions;
    public final Path out;

    private SearchSettings(Builder b) {
        this.pipeline = b.pipeline;
        this.targetFlops = b.targetFlops;
        this.targetParams = b.targetParams;
        this.searchEpochs = b.searchEpochs;
        this.retrainEpochs = b.retrainEpochs;
        this.pretrainEpochs = b.pretrainEpochs;
        this.structureIterations = b.structureIterations;
        this.recalibrationBatches = b.recalibrationBatches;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.widthMultiplier = b.widthMultiplier;
        this.depthMultiplier = b.depthMultiplier;
        this.resourceWeight = b.resourceWeight;
        this.data = b.data;
        this.dataOptions = b.dataOptions;
        this.out = b.out;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when the budget is a parameter count, false for FLOPs. */
    public boolean targetsParams() {
        return !Double.isNaN(targetParams);
    }

    /** The target as a fraction of the supernet's resource. */
    public double targetFraction() {
        return targetsParams() ? targetParams : targetFlops;
    }

    @Override
    public String pipelineName() {
        return "dms search";
    }

    @Override
    public long randomSeed() {
        return seed;
    }

    /**
     * Every setting that decides the result (not the output directory): the checkpoint's identity and the
     * settings of the provenance in {@code summary.json} and {@code slim-model.zip}.
     */
    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pipeline", pipeline.cliName());
        if (targetsParams()) {
            m.put("targetParams", targetParams);
        } else {
            m.put("targetFlops", targetFlops);
        }
        m.put("searchEpochs", searchEpochs);
        m.put("retrainEpochs", retrainEpochs);
        m.put("pretrainEpochs", pretrainEpochs);
        m.put("structureIterations", structureIterations);
        if (pipeline == Pipeline.STRUCTURE_ONLY) {
            m.put("recalibrationBatches", recalibrationBatches);
        }
        m.put("batchSize", batchSize);
        m.put("seed", seed);
        m.put("widthMultiplier", widthMultiplier);
        m.put("depthMultiplier", depthMultiplier);
        m.put("resourceWeight", resourceWeight);
        m.put("data", data == null ? "embedded" : data.toAbsolutePath().normalize().toString());
        if (!dataOptions.isEmpty()) {
            m.put("dataOptions", dataOptions);
        }
        return m;
    }

    /**
     * These settings with the settings of a supernet training after them ({@link SupernetTraining#settings()}, e.g.
     * the workers of a Spark search): the settings map a search trained that way checkpoints and reports. These
     * settings themselves for {@link SupernetTraining#local()}.
     */
    public PipelineSettings trainedBy(SupernetTraining training) {
        Map<String, Object> extra = training.settings();
        if (extra.isEmpty()) {
            return this;
        }
        SearchSettings base = this;
        return new PipelineSettings() {
            @Override
            public String pipelineName() {
                return base.pipelineName();
            }

            @Override
            public long randomSeed() {
                return base.randomSeed();
            }

            @Override
            public Map<String, Object> toMap() {
                Map<String, Object> map = new LinkedHashMap<>(base.toMap());
                map.putAll(extra);
                return map;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SearchSettings && toMap().equals(((SearchSettings) o).toMap());
    }

    @Override
    public int hashCode() {
        return toMap().hashCode();
    }

    /** Collects and checks the settings. */
    public static final class Builder {
        private Pipeline pipeline = Pipeline.SCRATCH;
        private double targetFlops = 0.5;
        private double targetParams = Double.NaN;
        private int searchEpochs = 2;
        private int retrainEpochs = 3;
        private int pretrainEpochs = 2;
        private int structureIterations = 300;
        private int recalibrationBatches = 20;
        private int batchSize = 64;
        private long seed = 42;
        private double widthMultiplier = 1.5;
        private double depthMultiplier = 1.0;
        private double resourceWeight = 5.0;
        private Path data;
        private String dataOptions = "";
        private Path out = Paths.get("dms-out");

        public Builder pipeline(Pipeline pipeline) {
            this.pipeline = pipeline;
            return this;
        }

        /** Budget in FLOPs, as a fraction of the supernet's in (0, 1]. Clears a parameter budget. */
        public Builder targetFlops(double fraction) {
            this.targetFlops = fraction;
            this.targetParams = Double.NaN;
            return this;
        }

        /** Budget in parameters, as a fraction of the supernet's in (0, 1]. Clears the FLOPs budget. */
        public Builder targetParams(double fraction) {
            this.targetParams = fraction;
            this.targetFlops = Double.NaN;
            return this;
        }

        /** Epochs of the search (pretrained and scratch pipelines). */
        public Builder searchEpochs(int epochs) {
            this.searchEpochs = epochs;
            return this;
        }

        /**
         * Epochs of retraining the slim network and the baseline; the pretrained pipeline fine-tunes its baseline for
         * the search epochs too, as long as the slim network's weights trained after the pretraining.
         */
        public Builder retrainEpochs(int epochs) {
            this.retrainEpochs = epochs;
            return this;
        }

        /** Epochs of training the supernet before a pretrained or structure-only search. */
        public Builder pretrainEpochs(int epochs) {
            this.pretrainEpochs = epochs;
            return this;
        }

        /** Iterations of the structure-only search. */
        public Builder structureIterations(int iterations) {
            this.structureIterations = iterations;
            return this;
        }

        /**
         * Structure-only pipeline: minibatches on which the batch normalisation statistics of the pruned network and
         * of the uniformly pruned baseline are re-estimated (no weight trained), 0 for none; default 20.
         */
        public Builder recalibrationBatches(int batches) {
            this.recalibrationBatches = batches;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** How much wider than the base architecture the supernet is (from-scratch pipeline). */
        public Builder widthMultiplier(double multiplier) {
            this.widthMultiplier = multiplier;
            return this;
        }

        /** How much deeper than the base architecture the supernet is (from-scratch pipeline). */
        public Builder depthMultiplier(double multiplier) {
            this.depthMultiplier = multiplier;
            return this;
        }

        /** The weight {@code lambda_res} of the resource loss. */
        public Builder resourceWeight(double weight) {
            this.resourceWeight = weight;
            return this;
        }

        /** A data directory; null for the embedded Fashion-MNIST subset. */
        public Builder data(Path data) {
            this.data = data;
            return this;
        }

        /** How the data is read besides its path (part of the checkpoint's identity); empty for the defaults. */
        public Builder dataOptions(String options) {
            this.dataOptions = options == null ? "" : options;
            return this;
        }

        public Builder out(Path out) {
            this.out = out;
            return this;
        }

        public SearchSettings build() {
            if (pipeline == null) {
                throw new IllegalArgumentException("pipeline must be set");
            }
            double target = Double.isNaN(targetParams) ? targetFlops : targetParams;
            String targetName = Double.isNaN(targetParams) ? "target FLOPs" : "target params";
            if (!(target > 0 && target <= 1)) {
                throw new IllegalArgumentException(targetName + " must be a fraction of the supernet in (0, 1], got " + target);
            }
            positive("search epochs", searchEpochs);
            positive("retrain epochs", retrainEpochs);
            positive("pretrain epochs", pretrainEpochs);
            positive("structure iterations", structureIterations);
            positive("batch size", batchSize);
            if (recalibrationBatches < 0) {
                throw new IllegalArgumentException("recalibration batches must be at least 0, got " + recalibrationBatches);
            }
            if (!(widthMultiplier > 0) || Double.isInfinite(widthMultiplier)) {
                throw new IllegalArgumentException("width multiplier must be positive, got " + widthMultiplier);
            }
            if (!(depthMultiplier > 0) || Double.isInfinite(depthMultiplier)) {
                throw new IllegalArgumentException("depth multiplier must be positive, got " + depthMultiplier);
            }
            if (!(resourceWeight > 0) || Double.isInfinite(resourceWeight)) {
                throw new IllegalArgumentException("resource weight must be positive, got " + resourceWeight);
            }
            if (out == null) {
                throw new IllegalArgumentException("output directory must be set");
            }
            return new SearchSettings(this);
        }

        private static void positive(String what, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(what + " must be positive, got " + value);
            }
        }
    }
}
