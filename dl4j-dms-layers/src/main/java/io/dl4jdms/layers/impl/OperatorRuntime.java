package io.dl4jdms.layers.impl;

/**
 * What a top-k operator keeps between calls that is not a parameter: the latest {@code dL/dm} (handed
 * to the importance listener once) and whether the forward pass uses the hard mask.
 */
final class OperatorRuntime {

    private double[] maskGradient;
    private boolean hardMask;

    void putMaskGradient(double[] maskGradient) {
        this.maskGradient = maskGradient;
    }

    /** dL/dm of the latest backward pass, handed over once; null if there is none. */
    double[] takeMaskGradient() {
        double[] taken = maskGradient;
        maskGradient = null;
        return taken;
    }

    void setHardMask(boolean hardMask) {
        this.hardMask = hardMask;
    }

    boolean isHardMask() {
        return hardMask;
    }
}
