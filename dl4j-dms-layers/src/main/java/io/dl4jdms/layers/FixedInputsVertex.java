package io.dl4jdms.layers;

import org.deeplearning4j.nn.conf.graph.GraphVertex;

/**
 * What the configurations of this package's graph vertices ({@link GatedResidual}, {@link WidthMaskVertex})
 * share: no parameters, a fixed number of inputs, and the vertex's name for error messages. Its only field,
 * {@code name}, is serialised as one of the subclass's own (DL4J's JSON sorts the properties by name), so
 * the JSON is the same as without this class.
 */
abstract class FixedInputsVertex extends GraphVertex {

    private final String name;

    /** @param name the vertex's name, used in error messages (may be null) */
    FixedInputsVertex(String name) {
        this.name = name;
    }

    /** The number of inputs the vertex takes. */
    abstract int inputCount();

    /** The vertex's name as given to the constructor, for error messages; may be null. */
    public String getName() {
        return name;
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return inputCount();
    }

    @Override
    public int maxVertexInputs() {
        return inputCount();
    }
}
