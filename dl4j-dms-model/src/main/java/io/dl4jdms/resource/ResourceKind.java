package io.dl4jdms.resource;

/** What a resource model counts. */
public enum ResourceKind {
    /**
     * Multiply-accumulate operations (one multiply-add = 1) of one forward pass of one example:
     * convolutions, dense layers, biases and per-channel normalisation; activations, pooling, additions
     * of residual streams and masks count zero.
     */
    FLOPS,
    /**
     * Trainable parameters: weights, biases, batch-normalisation gamma and beta (not running statistics,
     * not the search state {@code a} and importances).
     */
    PARAMS,
    /**
     * Estimated forward time in milliseconds of one minibatch of the size the
     * {@link io.dl4jdms.latency.ChannelLatencyTable} was
     * measured with: the sum over the timed layers of their measured times, interpolated at their channel
     * counts. Needs a table ({@link ResourceModel#withLatency}).
     */
    LATENCY
}
