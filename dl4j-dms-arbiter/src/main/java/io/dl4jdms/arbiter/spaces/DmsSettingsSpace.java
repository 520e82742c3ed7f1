package io.dl4jdms.arbiter.spaces;

import io.dl4jdms.arbiter.tasks.DmsCandidate;
import io.dl4jdms.search.Pipeline;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;

import java.util.Objects;

/**
 * A space over DMS's own settings: pipeline, target (a fraction of the supernet's FLOPs or parameters), the
 * resource loss weight {@code lambda_res}, search, retraining and pretraining epochs, the supernet's width and depth
 * multipliers and the batch size, each fixed or a {@link ParameterSpace}. Its values are {@link DmsCandidate}s,
 * which {@code DmsTaskCreator} runs as DMS searches. Defaults are those of {@code dms search}.
 *
 * <pre>{@code
 * new DmsSettingsSpace.Builder().targetFlops(0.25)
 *         .resourceWeight(new ContinuousParameterSpace(1, 10)).searchEpochs(new IntegerParameterSpace(1, 2))
 *         .retrainEpochs(1).build();
 * }</pre>
 */
public class DmsSettingsSpace extends CompositeSpace<DmsCandidate> {

    private ParameterSpace<Pipeline> pipeline;
    private String resource;
    private ParameterSpace<Double> target;
    private ParameterSpace<Double> resourceWeight;
    private ParameterSpace<Integer> searchEpochs;
    private ParameterSpace<Integer> retrainEpochs;
    private ParameterSpace<Integer> pretrainEpochs;
    private ParameterSpace<Double> widthMultiplier;
    private ParameterSpace<Double> depthMultiplier;
    private ParameterSpace<Integer> batchSize;
    private long seed;

    /** For JSON. */
    protected DmsSettingsSpace() {
    }

    protected DmsSettingsSpace(Builder b) {
        this.pipeline = b.pipeline;
        this.resource = b.resource;
        this.target = b.target;
        this.resourceWeight = b.resourceWeight;
        this.searchEpochs = b.searchEpochs;
        this.retrainEpochs = b.retrainEpochs;
        this.pretrainEpochs = b.pretrainEpochs;
        this.widthMultiplier = b.widthMultiplier;
        this.depthMultiplier = b.depthMultiplier;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
    }

    @Override
    public DmsCandidate getValue(double[] v) {
        DmsCandidate c = new DmsCandidate(pipeline.getValue(v), resource, target.getValue(v), resourceWeight.getValue(v),
                searchEpochs.getValue(v), retrainEpochs.getValue(v), pretrainEpochs.getValue(v),
                widthMultiplier.getValue(v), depthMultiplier.getValue(v), batchSize.getValue(v), seed);
        c.toSettings(null, java.nio.file.Path.of("."));   // checks every value, naming the bad one
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DmsSettingsSpace)) {
            return false;
        }
        DmsSettingsSpace s = (DmsSettingsSpace) o;
        return Objects.equals(pipeline, s.pipeline) && Objects.equals(resource, s.resource)
                && Objects.equals(target, s.target) && Objects.equals(resourceWeight, s.resourceWeight)
                && Objects.equals(searchEpochs, s.searchEpochs) && Objects.equals(retrainEpochs, s.retrainEpochs)
                && Objects.equals(pretrainEpochs, s.pretrainEpochs) && Objects.equals(widthMultiplier, s.widthMultiplier)
                && Objects.equals(depthMultiplier, s.depthMultiplier) && Objects.equals(batchSize, s.batchSize)
                && seed == s.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(pipeline, resource, target, resourceWeight, searchEpochs, retrainEpochs, pretrainEpochs,
                widthMultiplier, depthMultiplier, batchSize, seed);
    }

    @Override
    public String toString() {
        return "DmsSettingsSpace(pipeline: " + pipeline + ", target " + resource + ": " + target + ", resourceWeight: "
                + resourceWeight + ", searchEpochs: " + searchEpochs + ", retrainEpochs: " + retrainEpochs
                + ", pretrainEpochs: " + pretrainEpochs + ", widthMultiplier: " + widthMultiplier + ", depthMultiplier: "
                + depthMultiplier + ", batchSize: " + batchSize + ", seed: " + seed + ")";
    }

    /** Builds a {@link DmsSettingsSpace}; every option starts at the {@code dms search} default. */
    public static class Builder {
        private ParameterSpace<Pipeline> pipeline = new FixedValue<>(Pipeline.SCRATCH);
        private String resource = "flops";
        private ParameterSpace<Double> target = new FixedValue<>(0.5);
        private ParameterSpace<Double> resourceWeight = new FixedValue<>(5.0);
        private ParameterSpace<Integer> searchEpochs = new FixedValue<>(2);
        private ParameterSpace<Integer> retrainEpochs = new FixedValue<>(3);
        private ParameterSpace<Integer> pretrainEpochs = new FixedValue<>(2);
        private ParameterSpace<Double> widthMultiplier = new FixedValue<>(1.5);
        private ParameterSpace<Double> depthMultiplier = new FixedValue<>(1.0);
        private ParameterSpace<Integer> batchSize = new FixedValue<>(64);
        private long seed = 42;

        public Builder pipeline(Pipeline pipeline) {
            return pipeline(new FixedValue<>(pipeline));
        }

        /** Pipelines to choose from, e.g. {@code EnumChoiceSpace.of(Pipeline.SCRATCH, Pipeline.PRETRAINED)}. */
        public Builder pipeline(ParameterSpace<Pipeline> pipeline) {
            this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
            return this;
        }

        /** The budget as a fraction of the supernet's FLOPs. */
        public Builder targetFlops(double fraction) {
            return targetFlops(new FixedValue<>(fraction));
        }

        public Builder targetFlops(ParameterSpace<Double> fraction) {
            this.resource = "flops";
            this.target = Objects.requireNonNull(fraction, "targetFlops");
            return this;
        }

        /** The budget as a fraction of the supernet's parameters. */
        public Builder targetParams(double fraction) {
            return targetParams(new FixedValue<>(fraction));
        }

        public Builder targetParams(ParameterSpace<Double> fraction) {
            this.resource = "params";
            this.target = Objects.requireNonNull(fraction, "targetParams");
            return this;
        }

        /** {@code lambda_res}, the weight of the resource loss. */
        public Builder resourceWeight(double weight) {
            return resourceWeight(new FixedValue<>(weight));
        }

        public Builder resourceWeight(ParameterSpace<Double> weight) {
            this.resourceWeight = Objects.requireNonNull(weight, "resourceWeight");
            return this;
        }

        public Builder searchEpochs(int epochs) {
            return searchEpochs(new FixedValue<>(epochs));
        }

        public Builder searchEpochs(ParameterSpace<Integer> epochs) {
            this.searchEpochs = Objects.requireNonNull(epochs, "searchEpochs");
            return this;
        }

        public Builder retrainEpochs(int epochs) {
            return retrainEpochs(new FixedValue<>(epochs));
        }

        public Builder retrainEpochs(ParameterSpace<Integer> epochs) {
            this.retrainEpochs = Objects.requireNonNull(epochs, "retrainEpochs");
            return this;
        }

        public Builder pretrainEpochs(int epochs) {
            return pretrainEpochs(new FixedValue<>(epochs));
        }

        public Builder pretrainEpochs(ParameterSpace<Integer> epochs) {
            this.pretrainEpochs = Objects.requireNonNull(epochs, "pretrainEpochs");
            return this;
        }

        public Builder widthMultiplier(double multiplier) {
            return widthMultiplier(new FixedValue<>(multiplier));
        }

        public Builder widthMultiplier(ParameterSpace<Double> multiplier) {
            this.widthMultiplier = Objects.requireNonNull(multiplier, "widthMultiplier");
            return this;
        }

        public Builder depthMultiplier(double multiplier) {
            return depthMultiplier(new FixedValue<>(multiplier));
        }

        public Builder depthMultiplier(ParameterSpace<Double> multiplier) {
            this.depthMultiplier = Objects.requireNonNull(multiplier, "depthMultiplier");
            return this;
        }

        public Builder batchSize(int batchSize) {
            return batchSize(new FixedValue<>(batchSize));
        }

        public Builder batchSize(ParameterSpace<Integer> batchSize) {
            this.batchSize = Objects.requireNonNull(batchSize, "batchSize");
            return this;
        }

        /** The seed of every candidate's search; default 42. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public DmsSettingsSpace build() {
            return new DmsSettingsSpace(this);
        }
    }
}
