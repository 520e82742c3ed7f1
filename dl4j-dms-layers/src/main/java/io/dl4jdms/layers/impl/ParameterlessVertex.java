package io.dl4jdms.layers.impl;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What this package's graph vertices without a layer or parameters ({@link GatedResidual},
 * {@link WidthMaskVertex}) share: no layer, no parameter view, the first input's mask passed on, and
 * the checks that the inputs or the epsilon are set, failing with messages that name the vertex.
 */
abstract class ParameterlessVertex extends BaseGraphVertex {

    /** How messages name the kind of vertex, e.g. {@code WidthMaskVertex}. */
    private final String kind;

    ParameterlessVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType, String kind) {
        super(graph, name, vertexIndex, null, null, dataType);
        this.kind = kind;
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    /** Fails unless every input is set. */
    void requireInputs() {
        if (!canDoForward()) {
            throw new IllegalStateException(kind + " '" + vertexName + "': inputs not set");
        }
    }

    /** Fails unless the inputs and the epsilon are set. */
    void requireEpsilon() {
        if (!canDoBackward()) {
            throw new IllegalStateException(kind + " '" + vertexName + "': epsilon not set");
        }
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalStateException(kind + " '" + vertexName + "' has no parameters");
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                          int minibatchSize) {
        return maskArrays == null || maskArrays.length == 0 ? null : new Pair<>(maskArrays[0], currentMaskState);
    }
}
