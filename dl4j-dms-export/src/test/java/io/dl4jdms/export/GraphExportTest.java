package io.dl4jdms.export;

import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.Map;

import static io.dl4jdms.export.ExportTestSupport.assertModelSerializerRoundTrip;
import static io.dl4jdms.export.ExportTestSupport.assertPlainDl4j;
import static io.dl4jdms.export.ExportTestSupport.assertSizes;
import static io.dl4jdms.export.ExportTestSupport.assertTrains;
import static io.dl4jdms.export.ExportTestSupport.features;
import static io.dl4jdms.export.ExportTestSupport.labels;
import static io.dl4jdms.export.ExportTestSupport.searched;
import static io.dl4jdms.export.ExportTestSupport.tolerance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphExportTest {

    private static ComputationGraphConfiguration.GraphBuilder graph(DataType type, CNN2DFormat format) {
        return new NeuralNetConfiguration.Builder().dataType(type).seed(3).updater(new Adam(1e-2))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3, format));
    }

    private static TopkConv.Builder topkConv(int kernel, int nOut, CNN2DFormat format) {
        return new TopkConv.Builder(kernel, kernel).nOut(nOut).convolutionMode(ConvolutionMode.Same).dataFormat(format);
    }

    /**
     * Three branches concatenated (a: TopkConv 6 + BN, b: TopkConv 1x1 10, s: stock conv 4) → c: TopkConv
     * stride 2 (8, BN). Then global pooling → d: TopkDense 12, and max pool → flatten → f: dense 5,
     * concatenated again (feed-forward) → linear output 3.
     */
    static ComputationGraph concatSupernet(DataType type, CNN2DFormat format) {
        ComputationGraphConfiguration conf = graph(type, format)
                .addLayer("a", topkConv(3, 6, format).activation(Activation.RELU).batchNorm(true).hasBias(false).build(), "in")
                .addLayer("b", topkConv(1, 10, format).activation(Activation.TANH).build(), "in")
                .addLayer("s", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .dataFormat(format).activation(Activation.RELU).build(), "in")
                .addVertex("abs", new MergeVertex(), "a", "b", "s")
                .addLayer("c", topkConv(3, 8, format).stride(2, 2).activation(Activation.RELU).batchNorm(true).build(), "abs")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c")
                .addLayer("d", new TopkDense.Builder().nOut(12).activation(Activation.ELU).build(), "gap")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .dataFormat(format).build(), "c")
                .addLayer("f", new DenseLayer.Builder().nOut(5).activation(Activation.RELU).build(), "pool")
                .addVertex("df", new MergeVertex(), "d", "f")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "df")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    static long[] imageShape(CNN2DFormat format, int examples) {
        return MultiLayerExportTest.imageShape(format, examples);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"FLOAT, NCHW", "FLOAT, NHWC", "DOUBLE, NCHW", "DOUBLE, NHWC"})
    void concatenationsKeepTheUnionOfTheirInputsKeptChannels(DataType type, CNN2DFormat format, @TempDir File dir)
            throws IOException {
        ComputationGraph supernet = concatSupernet(type, format);
        searched(supernet, 0.4, 21);
        ComputationGraph slim = SlimExporter.export(supernet);

        // Kept: a 4 of 6, b 6 of 10, s all 4, c 5 of 8, d 7 of 12.
        assertSizes(slim, "a", ConvolutionLayer.class, 3, 4);
        assertSizes(slim, "a_bn", BatchNormalization.class, 4, 4);
        assertSizes(slim, "b", ConvolutionLayer.class, 3, 6);
        assertSizes(slim, "s", ConvolutionLayer.class, 3, 4);
        assertSizes(slim, "c", ConvolutionLayer.class, 4 + 6 + 4, 5);
        assertSizes(slim, "d", DenseLayer.class, 5, 7);
        assertSizes(slim, "f", DenseLayer.class, 5 * 2 * 2, 5);
        assertSizes(slim, "out", OutputLayer.class, 7 + 5, 3);
        Map<String, java.util.List<String>> inputs = slim.getConfiguration().getVertexInputs();
        assertEquals(java.util.List.of("a_act", "b", "s"), inputs.get("abs"));
        assertEquals(java.util.List.of("c_act"), inputs.get("gap"));
        long expectedParams = (27 * 4 + 4 * 4) + (3 * 6 + 6) + (27 * 4 + 4) + (9 * 14 * 5 + 5 + 4 * 5) + (5 * 7 + 7)
                + (20 * 5 + 5) + (12 * 3 + 3);
        assertEquals(expectedParams, slim.numParams());

        INDArray x = features(type, 5, imageShape(format, 16));
        double diff = SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, x);
        System.out.printf("CG concat %s %s: max |slim - hard-masked supernet| = %.3e%n", type, format, diff);
        assertTrue(diff <= tolerance(type), "max |diff| " + diff);
        assertPlainDl4j(slim);
        assertModelSerializerRoundTrip(slim, dir, x);
        assertTrains(slim, x, labels(type, 16, 3));
    }

    /** Two TopkConv layers added element-wise, then pooled. */
    private static ComputationGraph addSupernet(double[] importanceX, double[] importanceY) {
        ComputationGraphConfiguration.GraphBuilder g = graph(DataType.FLOAT, CNN2DFormat.NCHW)
                .addLayer("x", topkConv(3, 6, CNN2DFormat.NCHW).activation(Activation.RELU).build(), "in")
                .addLayer("y", topkConv(3, 6, CNN2DFormat.NCHW).activation(Activation.TANH).build(), "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "x", "y");
        ComputationGraph net = withHead(g, "sum", 2);
        ((TopkOperator) net.getLayer("x")).setImportance(importanceX);
        ((TopkOperator) net.getLayer("y")).setImportance(importanceY);
        return net;
    }

    @Test
    void elementWiseAddOfDifferentKeptChannelsIsRefusedNamingTheVertex() {
        ComputationGraph supernet = addSupernet(new double[] {1, 2, 3, 4, 5, 6}, new double[] {6, 5, 4, 3, 2, 1});
        SlimExportException e = assertThrows(SlimExportException.class, () -> SlimExporter.export(supernet));
        assertTrue(e.getMessage().contains("ElementWiseVertex 'sum'") && e.getMessage().contains("'x' keeps")
                && e.getMessage().contains("'y' keeps") && e.getMessage().contains("WidthMask"), e.getMessage());
    }

    @Test
    void elementWiseAddOfTheSameKeptChannelsExports() {
        double[] importance = {3, 1, 4, 1.5, 5, 9};
        ComputationGraph supernet = addSupernet(importance, importance);
        ComputationGraph slim = SlimExporter.export(supernet);
        assertSizes(slim, "x", ConvolutionLayer.class, 3, 4);
        assertSizes(slim, "y", ConvolutionLayer.class, 3, 4);
        assertSizes(slim, "out", OutputLayer.class, 4, 3);
        INDArray x = features(DataType.FLOAT, 6, imageShape(CNN2DFormat.NCHW, 8));
        double diff = SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, x);
        assertTrue(diff <= ExportTestSupport.FLOAT_TOLERANCE, "max |diff| " + diff);
    }

    /**
     * A stem (stock conv) and two stages of gated residual blocks on a stream of 6 channels whose width
     * is one shared WidthMask; stage 1 has two blocks (each TopkConv 5 → conv 6 → batch normalisation),
     * stage 2 one.
     */
    static ComputationGraph depthSupernet(DataType type, boolean keepFirstBlock) {
        SearchGraphBuilder g = stemGraph(type);
        g.addDepthStage("stage1", 2, "stem_m");
        String x = "stem_m";
        for (int b = 0; b < 2; b++) {
            String p = "s1b" + b;
            g.addLayer(p + "_c1", topkConv(3, 5, CNN2DFormat.NCHW).activation(Activation.RELU).batchNorm(true).build(), x);
            g.addLayer(p + "_c2", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.IDENTITY).hasBias(false).build(), p + "_c1");
            g.addLayer(p + "_bn", new BatchNormalization.Builder().build(), p + "_c2");
            g.addWidthMask(p + "_m", "width", p + "_bn");
            g.addGatedResidual(p, "stage1", b, x, p + "_m");
            x = p;
        }
        g.addDepthStage("stage2", 1, x);
        g.addLayer("s2b0_c1", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.TANH).build(), x);
        g.addWidthMask("s2b0_m", "width", "s2b0_c1");
        g.addGatedResidual("s2b0", "stage2", 0, x, "s2b0_m");
        ComputationGraph net = withHead(g, "s2b0", 8);
        TopkOperator stage1 = (TopkOperator) net.getLayer("stage1");
        stage1.setImportance(keepFirstBlock ? new double[] {2, 1} : new double[] {1, 2});
        stage1.setRatio(0.5);
        return net;
    }

    /** A search graph on 8x8x3 images with a stock stem conv (6) masked by the width group "width" as "stem_m". */
    private static SearchGraphBuilder stemGraph(DataType type) {
        SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder().dataType(type).seed(4)
                .updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER));
        g.addInputs("in");
        g.setInputTypes(InputType.convolutional(8, 8, 3));
        g.addWidthGroup("width", 6, "in");
        g.addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build(), "in");
        g.addWidthMask("stem_m", "width", "stem");
        return g;
    }

    /** Adds global average pooling and a linear output (3) after {@code input}; builds, initialises, searches (0.4). */
    private static ComputationGraph withHead(ComputationGraphConfiguration.GraphBuilder g, String input, long seed) {
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), input);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                .activation(Activation.IDENTITY).build(), "gap");
        g.setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        searched(net, 0.4, seed);
        return net;
    }

    @ParameterizedTest(name = "{0} keepFirstBlock={1}")
    @CsvSource({"FLOAT, true", "FLOAT, false", "DOUBLE, true"})
    void removedBlocksDisappearWithTheirBranchAndWidthGroupsCutEveryWriter(DataType type, boolean keepFirstBlock,
                                                                          @TempDir File dir) throws IOException {
        ComputationGraph supernet = depthSupernet(type, keepFirstBlock);
        ComputationGraph slim = SlimExporter.export(supernet);
        String kept = keepFirstBlock ? "s1b0" : "s1b1";
        String removed = keepFirstBlock ? "s1b1" : "s1b0";
        Map<String, GraphVertex> vertices = slim.getConfiguration().getVertices();
        for (String name : vertices.keySet()) {
            assertFalse(name.startsWith(removed), "the removed block's vertex '" + name + "' is still there");
        }
        assertFalse(vertices.containsKey("width") || vertices.containsKey("stage1") || vertices.containsKey("stage2"),
                "mask layers must disappear: " + vertices.keySet());
        // The width group keeps round(0.6 * 6) = 4 channels: every writer of the stream is cut to them.
        assertSizes(slim, "stem", ConvolutionLayer.class, 3, 4);
        assertSizes(slim, kept + "_c1", ConvolutionLayer.class, 4, 3);
        assertSizes(slim, kept + "_c2", ConvolutionLayer.class, 3, 4);
        assertSizes(slim, kept + "_bn", BatchNormalization.class, 4, 4);
        assertSizes(slim, "s2b0_c1", ConvolutionLayer.class, 4, 4);
        assertSizes(slim, "out", OutputLayer.class, 4, 3);
        assertInstanceOf(ElementWiseVertex.class, vertices.get(kept));
        assertEquals(java.util.List.of("stem", kept + "_bn"), slim.getConfiguration().getVertexInputs().get(kept));
        assertEquals(java.util.List.of(kept, "s2b0_c1"), slim.getConfiguration().getVertexInputs().get("s2b0"));

        INDArray x = features(type, 7, 16, 3, 8, 8);
        double diff = SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, x);
        System.out.printf("CG depth+width %s keepFirstBlock=%s: max |slim - hard-masked supernet| = %.3e%n", type,
                keepFirstBlock, diff);
        assertTrue(diff <= tolerance(type), "max |diff| " + diff);
        assertPlainDl4j(slim);
        assertModelSerializerRoundTrip(slim, dir, x);
        assertTrains(slim, x, labels(type, 16, 3));
    }

    @Test
    void widthMaskOnALayerThatAlsoFeedsAnotherConsumerIsRefused() {
        SearchGraphBuilder g = stemGraph(DataType.FLOAT);
        g.addLayer("side", new ConvolutionLayer.Builder(1, 1).nOut(6).activation(Activation.RELU).build(), "stem");
        g.addVertex("both", new ElementWiseVertex(ElementWiseVertex.Op.Add), "stem_m", "side");
        ComputationGraph net = withHead(g, "both", 3);
        SlimExportException e = assertThrows(SlimExportException.class, () -> SlimExporter.export(net));
        assertTrue(e.getMessage().contains("WidthMaskVertex 'stem_m'") && e.getMessage().contains("'stem'"),
                e.getMessage());
    }

    @Test
    void aMaskLayerReadAsAnActivationIsRefusedNamingTheReader() {
        SearchGraphBuilder g = stemGraph(DataType.FLOAT);
        g.addLayer("misuse", new DenseLayer.Builder().nOut(4).activation(Activation.RELU).build(), "width");
        g.addVertex("both", new MergeVertex(), "misuse", "stem_gap");
        g.addLayer("stem_gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "stem_m");
        ComputationGraph net = withHead(g, "both", 3);
        SlimExportException e = assertThrows(SlimExportException.class, () -> SlimExporter.export(net));
        assertTrue(e.getMessage().contains("WidthMask 'width'") && e.getMessage().contains("DenseLayer 'misuse'"),
                e.getMessage());
    }
}
