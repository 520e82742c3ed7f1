package io.dl4jdms.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Applies a shared {@link WidthMask} to a stream: with inputs {@code (x, widthMask)} it outputs
 * {@code x} with channel {@code c} multiplied by {@code m_c}. Put one after every layer that writes
 * into a shared stream, all reading the same {@code WidthMask}.
 */
public class WidthMaskVertex extends FixedInputsVertex {

    private final CNN2DFormat format;

    /** For feed-forward or NCHW streams. */
    public WidthMaskVertex() {
        this(CNN2DFormat.NCHW, null);
    }

    /**
     * @param format the layout of a convolutional stream (ignored for feed-forward streams)
     * @param name   the vertex's name, used in error messages (may be null)
     */
    @JsonCreator
    public WidthMaskVertex(@JsonProperty("format") CNN2DFormat format, @JsonProperty("name") String name) {
        super(name);
        this.format = format == null ? CNN2DFormat.NCHW : format;
    }

    private String where() {
        return "WidthMaskVertex" + (getName() == null ? "" : " '" + getName() + "'");
    }

    public CNN2DFormat getFormat() {
        return format;
    }

    @Override
    public WidthMaskVertex clone() {
        return new WidthMaskVertex(format, getName());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WidthMaskVertex && ((WidthMaskVertex) o).format == format
                && java.util.Objects.equals(((WidthMaskVertex) o).getName(), getName());
    }

    @Override
    public int hashCode() {
        return 31 * WidthMaskVertex.class.hashCode() + format.hashCode();
    }

    @Override
    int inputCount() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new io.dl4jdms.layers.impl.WidthMaskVertex(graph, name, idx, format, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        if (inputs.length != 2) {
            throw new InvalidInputTypeException(where() + ": expects 2 inputs (stream, width mask), got "
                    + inputs.length);
        }
        if (inputs[1].getType() != InputType.Type.FF) {
            throw new InvalidInputTypeException(where() + ": the second input must be a WidthMask, got " + inputs[1]);
        }
        long maskSize = ((InputType.InputTypeFeedForward) inputs[1]).getSize();
        long channels = channels(inputs[0]);
        if (channels != maskSize) {
            throw new InvalidInputTypeException(where() + ": the stream has " + channels
                    + " channels but its width mask has " + maskSize);
        }
        return inputs[0];
    }

    private long channels(InputType stream) {
        switch (stream.getType()) {
            case FF:
                return ((InputType.InputTypeFeedForward) stream).getSize();
            case CNN:
                InputType.InputTypeConvolutional cnn = (InputType.InputTypeConvolutional) stream;
                if (cnn.getFormat() != format) {
                    throw new InvalidInputTypeException(where() + ": configured for " + format
                            + " but the stream is " + cnn.getFormat());
                }
                return cnn.getChannels();
            default:
                throw new InvalidInputTypeException(where() + ": supports feed-forward and 2D convolutional"
                        + " streams, got " + stream);
        }
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = getOutputType(-1, inputTypes);
        return LayerSupport.vertexMemoryReport(WidthMaskVertex.class, inputTypes, out);
    }

    @Override
    public String toString() {
        return "WidthMaskVertex(format=" + format + ")";
    }
}
