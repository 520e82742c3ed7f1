package io.dl4jdms.latency;

import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A searchable block of a Single-Path NAS supernet as the {@link LatencyProfiler} sees it: its place in the
 * network (name, input size, channels, stride), its search space, and the stock DL4J network of each of its
 * candidates. {@link #candidateNetwork} must build exactly what the exported network will hold in the block's
 * place, so that the measured time is the time of the exported block.
 */
public interface CandidateBlock {

    /** The name of the block's searchable layer: the key of its {@link CandidateLatencyTable} entry. */
    String name();

    /** The height of the block's input. */
    int height();

    /** The width of the block's input. */
    int width();

    /** The block's input channels (0 for a searchable layer timed alone). */
    int inChannels();

    /** The block's output channels (0 for a searchable layer timed alone). */
    int outChannels();

    /** The stride of the block's depthwise convolution. */
    int stride();

    /** The block's candidates: kernel sizes, expansion ratios and whether it can be skipped. */
    SuperkernelSpace space();

    /** The channels of the input of a candidate's network. */
    int candidateInputChannels(SuperkernelChoice choice);

    /** The stock DL4J network of one (non-skip) candidate, initialised, in the given data type. */
    ComputationGraph candidateNetwork(SuperkernelChoice choice, DataType dataType);
}
