package io.dl4jdms.layers;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A removable residual block: with inputs {@code (x, f(x), depthMask)} it outputs
 * {@code x + m_i * f(x)}, {@code m_i} being column {@code block} of its stage's {@link DepthMask}. A
 * block whose hard mask is 0 is the identity and is dropped from the searched network.
 */
public class GatedResidual extends FixedInputsVertex {

    private final int block;

    /** @param block this block's index in its stage, from 0 */
    public GatedResidual(int block) {
        this(block, null);
    }

    /**
     * @param block this block's index in its stage, from 0
     * @param name  the vertex's name, used in error messages (may be null)
     */
    @JsonCreator
    public GatedResidual(@JsonProperty("block") int block, @JsonProperty("name") String name) {
        super(name);
        if (block < 0) {
            throw new IllegalArgumentException(where(block, name) + ": block index must be >= 0, got " + block);
        }
        this.block = block;
    }

    private static String where(int block, String name) {
        return "GatedResidual " + (name == null ? "" : "'" + name + "' ") + "(block " + block + ")";
    }

    /** This block's index in its stage. */
    public int getBlock() {
        return block;
    }

    @Override
    public GatedResidual clone() {
        return new GatedResidual(block, getName());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GatedResidual && ((GatedResidual) o).block == block
                && java.util.Objects.equals(((GatedResidual) o).getName(), getName());
    }

    @Override
    public int hashCode() {
        return 31 * GatedResidual.class.hashCode() + block;
    }

    @Override
    int inputCount() {
        return 3;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new io.dl4jdms.layers.impl.GatedResidual(graph, name, idx, block, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        String where = where(block, getName());
        if (inputs.length != 3) {
            throw new InvalidInputTypeException(where + ": expects 3 inputs (x, f(x), depth mask), got " + inputs.length);
        }
        if (!inputs[0].equals(inputs[1])) {
            throw new InvalidInputTypeException(where + ": x and f(x) differ in shape: " + inputs[0] + " vs " + inputs[1]);
        }
        if (inputs[2].getType() != InputType.Type.FF) {
            throw new InvalidInputTypeException(where + ": the third input must be the stage's DepthMask, got " + inputs[2]);
        }
        long blocks = ((InputType.InputTypeFeedForward) inputs[2]).getSize();
        if (block >= blocks) {
            throw new InvalidInputTypeException(where + ": block index " + block + " is out of range; its stage's"
                    + " DepthMask has " + blocks + " blocks");
        }
        return inputs[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = getOutputType(-1, inputTypes);
        return LayerSupport.vertexMemoryReport(GatedResidual.class, inputTypes, out);
    }

    @Override
    public String toString() {
        return "GatedResidual(block=" + block + ")";
    }
}
