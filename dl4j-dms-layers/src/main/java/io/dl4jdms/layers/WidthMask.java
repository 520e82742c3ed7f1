package io.dl4jdms.layers;

import org.nd4j.shade.jackson.annotation.JsonIgnore;

/**
 * A width operator shared by every layer that writes into one stream (a residual stream or the inputs
 * of an element-wise add): one learnable {@code a} and one importance per channel; outputs the channel
 * mask {@code [batch, channels]} that {@link WidthMaskVertex} vertices apply, so all writers keep the
 * same channels and the searched network can be built.
 */
public class WidthMask extends MaskLayer {

    /** For JSON deserialisation. */
    protected WidthMask() {
    }

    protected WidthMask(Builder builder) {
        super(builder, "WidthMask");
    }

    @Override
    @JsonIgnore
    public boolean isDepth() {
        return false;
    }

    /** Builds a {@link WidthMask}. */
    public static class Builder extends MaskLayer.Builder<Builder> {

        /** @param channels the number of channels of the stream */
        public Builder(int channels) {
            super(channels);
        }

        @Override
        @SuppressWarnings("unchecked")
        public WidthMask build() {
            return new WidthMask(this);
        }
    }
}
