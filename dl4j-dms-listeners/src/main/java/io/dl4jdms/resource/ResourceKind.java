package io.dl4jdms.resource;

/** What a resource model counts. */
public enum ResourceKind {
    /**
     * Multiply-accumulate operations of one forward pass of one example (convolutions, dense layers,
     * biases and per-channel normalisation; activations and pooling count zero).
     */
    FLOPS,
    /** Trainable parameters: weights, biases, batch-normalisation gamma and beta (not running statistics, not {@code a} or importances). */
    PARAMS
}
