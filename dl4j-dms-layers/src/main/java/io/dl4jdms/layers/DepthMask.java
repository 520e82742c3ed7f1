package io.dl4jdms.layers;

import org.nd4j.shade.jackson.annotation.JsonIgnore;

/**
 * The depth operator of one stage of residual blocks: one learnable {@code a} for the stage and one
 * importance per block; outputs the block mask {@code [batch, blocks]} (slope {@code 4N}, 8 for a
 * single block) that the stage's {@link GatedResidual} vertices read.
 *
 * <pre>{@code
 * graph.addLayer("stage1", new DepthMask.Builder(3).build(), "stem")
 *      .addVertex("block1_0", new GatedResidual(0), "stem", "block1_0_branch", "stage1")
 * }</pre>
 */
public class DepthMask extends MaskLayer {

    /** For JSON deserialisation. */
    protected DepthMask() {
    }

    protected DepthMask(Builder builder) {
        super(builder, "DepthMask");
    }

    @Override
    @JsonIgnore
    public boolean isDepth() {
        return true;
    }

    /** Builds a {@link DepthMask}. */
    public static class Builder extends MaskLayer.Builder<Builder> {

        /** @param blocks the number of removable blocks in the stage */
        public Builder(int blocks) {
            super(blocks);
        }

        @Override
        @SuppressWarnings("unchecked")
        public DepthMask build() {
            return new DepthMask(this);
        }
    }
}
