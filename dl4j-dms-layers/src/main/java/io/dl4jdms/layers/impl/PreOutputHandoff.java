package io.dl4jdms.layers.impl;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.Supplier;

/**
 * Hands the pre-output a layer computed at the start of its backprop to its DL4J parent's backprop, which
 * would otherwise compute it again. The layer's pre-output method asks {@link #forBackprop(boolean)} first.
 */
final class PreOutputHandoff {

    /** The pre-output computed at the start of backprop, while the parent's backprop runs. */
    private Pair<INDArray, INDArray> preOutput;

    /** Runs the parent's backprop with {@code preOutput} handed over; returns what it returns. */
    <T> T during(Pair<INDArray, INDArray> preOutput, Supplier<T> parentBackprop) {
        this.preOutput = preOutput;
        try {
            return parentBackprop.get();
        } finally {
            this.preOutput = null;
        }
    }

    /** The handed-over pre-output if the parent asks for one for backprop while it runs; otherwise null. */
    Pair<INDArray, INDArray> forBackprop(boolean forBackprop) {
        return forBackprop ? preOutput : null;
    }

    /** Whether the parent's backprop is running with a handed-over pre-output. */
    boolean isActive() {
        return preOutput != null;
    }
}
