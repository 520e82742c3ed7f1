package io.dl4jdms.spnas.latency;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Map;

/** A small graph with two superkernels, a hand-made latency table for it, and a way to place thresholds. */
public final class LatencyTestSupport {

    private LatencyTestSupport() {
    }

    /**
     * 8x8x6 input; "a": sizes 3/5/7, ratios 1/2 (groups of 3 channels), residual; "b": sizes 3/5, ratios 1/2/3
     * (groups of 2), stride 2.
     */
    public static ComputationGraphConfiguration twoSuperkernels(boolean relaxed, IUpdater updater, IUpdater thresholdUpdater) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(updater).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 6))
                .addLayer("a", new SuperkernelDepthwise.Builder().kernelSizes(3, 5, 7).expansionRatios(1, 2)
                        .residualBlock(true).convolutionMode(ConvolutionMode.Same).activation(Activation.TANH)
                        .relaxed(relaxed).thresholdUpdater(thresholdUpdater).build(), "in")
                .addLayer("b", new SuperkernelDepthwise.Builder().kernelSizes(3, 5).expansionRatios(1, 2, 3).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.TANH).relaxed(relaxed)
                        .thresholdUpdater(thresholdUpdater).build(), "a")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
    }

    /**
     * Sets a superkernel's thresholds to {@code norm - offset}: a positive offset keeps the indicator on (by that
     * margin), a negative one switches it off. The kernel thresholds go first: the expansion norms are taken on
     * the kernel the shells choose.
     */
    public static void placeThresholds(Layer layer, double[] kernelOffsets, double[] expansionOffsets) {
        SuperkernelOperator op = (SuperkernelOperator) layer;
        place(layer.getParam(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY), op.kernelIndicators().norms(),
                kernelOffsets);
        place(layer.getParam(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY), op.expansionIndicators().norms(),
                expansionOffsets);
    }

    private static void place(INDArray view, double[] norms, double[] offsets) {
        for (int i = 0; i < norms.length; i++) {
            view.putScalar(i, norms[i] - offsets[i]);
        }
    }

    /** Runtimes that grow with kernel size and ratio; skipping "a" costs 0.1; fixed part 2. */
    public static CandidateLatencyTable table(ComputationGraphConfiguration conf) {
        List<SearchableBlock> blocks = SearchableBlock.depthwiseLayers(conf, InputType.convolutional(8, 8, 6));
        CandidateLatencyTable.Entry a = entry(blocks.get(0), new double[][] {{1.0, 1.6}, {1.4, 2.5}, {2.0, 3.9}}, 0.1);
        CandidateLatencyTable.Entry b = entry(blocks.get(1), new double[][] {{0.5, 0.8, 1.2}, {0.7, 1.1, 1.9}}, 0.0);
        return new CandidateLatencyTable("CPU", "DOUBLE", 1, 0, 1, 2.0, Map.of("test", "true"), List.of(a, b));
    }

    /** A table entry for a block, with the block's shape. */
    static CandidateLatencyTable.Entry entry(SearchableBlock block, double[][] ms, double skipMs) {
        return new CandidateLatencyTable.Entry(block.name(), block.height(), block.width(), block.inChannels(),
                block.outChannels(), block.stride(), block.space(), ms, skipMs);
    }
}
