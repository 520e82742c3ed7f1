package io.dl4jdms.resource;

/**
 * What a layer or graph vertex does to the channels of its input: the fact every channel analysis
 * (resource model, slim export, conversion to a supernet) builds on. One value per
 * {@link LayerRule}; see {@link LayerRegistry} for the built-in ones.
 */
public enum ChannelRole {
    /** A network input: all of its channels stay. */
    INPUT,
    /** Weights over input and output channels: convolution, dense, output layer, and the searchable ones. */
    WEIGHTED,
    /** Works per channel and maps 0 to 0 (ReLU, pooling, dropout, padding, ...). */
    PER_CHANNEL,
    /** Works per channel but turns 0 into a constant (batch normalisation, sigmoid, shift). */
    PER_CHANNEL_AFFINE,
    /** Concatenation along the channel axis. */
    MERGE,
    /** Element-wise add, subtract, average, product or max of equally shaped inputs: couples their channels. */
    ELEMENT_WISE,
    /** A width or depth mask layer of the search: only read by the vertices that apply it. */
    MASK,
    /** {@code x * m} for a shared width mask ({@code WidthMaskVertex}). */
    WIDTH_MASKED,
    /** {@code x + m_i * f(x)}: a residual block its stage's depth mask can remove ({@code GatedResidual}). */
    GATED_RESIDUAL,
    /** Anything else: its input channels must all stay. */
    OTHER
}
