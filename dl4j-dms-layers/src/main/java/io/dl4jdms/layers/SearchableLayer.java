package io.dl4jdms.layers;

import org.nd4j.linalg.activations.IActivation;

/** What the configurations of width-searchable layers ({@link TopkConv}, {@link TopkDense}) have in common. */
public interface SearchableLayer {

    /** The searched size N: the layer's output channels or features. */
    long getNOut();

    /** The top-k settings. */
    TopkOptions getTopkOptions();

    /**
     * The activation applied after the optional normalisation and before the mask (the one set with
     * {@code .activation(...)} on the builder or inherited from the network's defaults).
     */
    IActivation getOutputActivation();
}
