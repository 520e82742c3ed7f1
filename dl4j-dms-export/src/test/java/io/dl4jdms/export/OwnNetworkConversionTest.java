package io.dl4jdms.export;

import io.dl4jdms.convert.ConversionException;
import io.dl4jdms.convert.DmsSupernet;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.resource.ChannelRole;
import io.dl4jdms.resource.LayerRegistry;
import io.dl4jdms.resource.LayerRule;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.supernet.ResNetSupernet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link DmsSupernet} on small networks of one's own, and what it refuses. */
class OwnNetworkConversionTest {

    private static final InputType INPUT = InputType.convolutional(8, 8, 2);

    private static NeuralNetConfiguration.Builder global() {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU);
    }

    /** conv → BN → ReLU → pool → conv(ReLU) → dense → output. */
    static MultiLayerNetwork ownStack() {
        MultiLayerConfiguration conf = global().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).name("c1").build())
                .layer(new BatchNormalization.Builder().activation(Activation.IDENTITY).name("bn1").build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).name("relu1").build())
                .layer(new SubsamplingLayer.Builder(2, 2).stride(2, 2).name("pool").build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(12).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).name("c2").build())
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.TANH).name("d").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(ConvertedNetworkTest.CLASSES)
                        .activation(Activation.SOFTMAX).name("out").build())
                .setInputType(INPUT).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** A stem, two residual blocks on one stream, a concatenation of two branches, global pooling. */
    static ComputationGraph ownGraph() {
        ComputationGraphConfiguration.GraphBuilder g = global().graphBuilder().addInputs("in").setInputTypes(INPUT)
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("stem_bn", new BatchNormalization.Builder().activation(Activation.IDENTITY).build(), "stem")
                .addLayer("stem_relu", new ActivationLayer(Activation.RELU), "stem_bn");
        String x = "stem_relu";
        for (String b : new String[] {"b1", "b2"}) {
            g.addLayer(b + "_c1", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                            .activation(Activation.RELU).build(), x)
                    .addLayer(b + "_c2", new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                            .activation(Activation.IDENTITY).build(), b + "_c1")
                    .addLayer(b + "_bn", new BatchNormalization.Builder().activation(Activation.IDENTITY).build(), b + "_c2")
                    .addVertex(b + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), x, b + "_bn")
                    .addLayer(b + "_relu", new ActivationLayer(Activation.RELU), b + "_add");
            x = b + "_relu";
        }
        g.addLayer("left", new ConvolutionLayer.Builder(1, 1).nOut(5).activation(Activation.RELU).build(), x)
                .addLayer("right", new ConvolutionLayer.Builder(3, 3).nOut(7).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), x)
                .addVertex("cat", new MergeVertex(), "left", "right")
                .addLayer("gap", new GlobalPoolingLayer(PoolingType.AVG), "cat")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(ConvertedNetworkTest.CLASSES).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    @Test
    void ownMultiLayerNetwork(@TempDir File dir) throws Exception {
        MultiLayerNetwork stock = ownStack();
        INDArray x = ExportTestSupport.features(DataType.FLOAT, 5, 3, 2, 8, 8);
        DmsSupernet converted = DmsSupernet.builder().convert(stock);
        MultiLayerNetwork supernet = converted.multiLayerNetwork();
        // c1 → bn1 → relu1 became one TopkConv with its normalisation built in; c2 a TopkConv; d a TopkDense.
        assertEquals(5, supernet.getnLayers(), converted.summary());
        assertEquals(3, converted.widths().stream().filter(DmsSupernet.Width::searched).count(), converted.summary());
        assertInstanceOf(TopkConv.class, supernet.getLayer("c1").conf().getLayer());
        assertTrue(((TopkConv) supernet.getLayer("c1").conf().getLayer()).getTopkOptions().isBatchNorm());
        assertInstanceOf(TopkConv.class, supernet.getLayer("c2").conf().getLayer());
        assertInstanceOf(TopkDense.class, supernet.getLayer("d").conf().getLayer());
        // With every ratio at 0 the supernet computes what the stock network computed (parameters copied).
        double diff = supernet.output(x, false).sub(stock.output(x, false)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5, "supernet vs stock network: " + diff);
        ConvertedNetworkTest.checkSearchAndExport("own MLN", stock, supernet, INPUT, dir, 4);
    }

    @Test
    void ownComputationGraph(@TempDir File dir) throws Exception {
        ComputationGraph stock = ownGraph();
        INDArray x = ExportTestSupport.features(DataType.FLOAT, 5, 3, 2, 8, 8);
        DmsSupernet converted = DmsSupernet.builder().convert(stock);
        ComputationGraph supernet = converted.graph();
        System.out.println(converted.summary());
        // One shared width for the stream (stem and both blocks' last convolutions), one depth operator for
        // the two blocks; b1_c1, b2_c1, left and right are searchable convolutions of their own.
        DmsSupernet.Width stream = converted.widths().stream().filter(w -> w.layers().contains("stem")).findFirst()
                .orElseThrow();
        assertEquals(java.util.List.of("stem", "b1_c2", "b2_c2"), stream.layers());
        assertTrue(stream.searched(), converted.summary());
        assertEquals(1, converted.depths().size());
        assertEquals(java.util.List.of("b1_add", "b2_add"), converted.depths().get(0).blocks());
        for (String conv : new String[] {"b1_c1", "b2_c1", "left", "right"}) {
            assertInstanceOf(TopkConv.class, supernet.getLayer(conv).conf().getLayer(), conv);
        }
        double diff = supernet.outputSingle(false, x).sub(stock.outputSingle(false, x)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5, "supernet vs stock network: " + diff);
        ConvertedNetworkTest.checkSearchAndExport("own CG", stock, supernet, INPUT, dir, 4);
    }

    @Test
    void widthMultiplierEnlargesTheSearchedWidths() {
        MultiLayerNetwork stock = ownStack();
        DmsSupernet converted = DmsSupernet.builder().copyWeights(false).widthMultiplier(1.5).inputTypes(INPUT)
                .convert(stock);
        MultiLayerNetwork supernet = converted.multiLayerNetwork();
        assertEquals(12, ((TopkConv) supernet.getLayer("c1").conf().getLayer()).getNOut());
        assertEquals(18, ((TopkConv) supernet.getLayer("c2").conf().getLayer()).getNOut());
        assertEquals(24, ((TopkDense) supernet.getLayer("d").conf().getLayer()).getNOut());
        assertEquals(ConvertedNetworkTest.CLASSES, ((OutputLayer) supernet.getLayer("out").conf().getLayer()).getNOut());

        ComputationGraph graph = DmsSupernet.builder().copyWeights(false).widthMultiplier(2).inputTypes(INPUT)
                .convert(ownGraph()).graph();
        assertEquals(16, ((ConvolutionLayer) graph.getLayer("stem").conf().getLayer()).getNOut());
        assertEquals(12, ((TopkConv) graph.getLayer("b1_c1").conf().getLayer()).getNOut());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DmsSupernet.builder().widthMultiplier(2).inputTypes(INPUT).convert(ownStack()));
        assertTrue(e.getMessage().contains("copyWeights(false)"), e.getMessage());
    }

    @Test
    void aSupernetIsRefusedNamingTheVertex() {
        ComputationGraph supernet = new ComputationGraph(new ResNetSupernet.Builder().input(8, 8, 2).classes(3)
                .stemWidth(8).stageWidths(8).blocksPerStage(2).strides(1).build());
        supernet.init();
        ConversionException e = assertThrows(ConversionException.class, () -> DmsSupernet.builder().convert(supernet));
        assertTrue(e.getMessage().contains("already a search vertex") && e.getMessage().contains("'"), e.getMessage());
    }

    /** A layer class of dl4j-dms's own packages that no rule describes. */
    static final class UnruledLayer extends ActivationLayer {
        UnruledLayer() {
            setActivationFn(Activation.RELU.getActivationFunction());
        }
    }

    @Test
    void aProjectClassWithoutRuleFailsEverywhereNamingClassAndVertex() {
        MultiLayerConfiguration conf = global().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).name("c").build())
                .layer(withName(new UnruledLayer(), "mystery"))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).name("out").build())
                .setInputType(INPUT).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        String type = UnruledLayer.class.getName();
        for (Exception e : new Exception[] {
                assertThrows(IllegalArgumentException.class, () -> ResourceModel.of(net, INPUT)),
                assertThrows(SlimExportException.class, () -> SlimExporter.export(net)),
                assertThrows(ConversionException.class, () -> DmsSupernet.builder().convert(net))}) {
            assertTrue(e.getMessage().contains(type) && e.getMessage().contains("'mystery'"), e.getMessage());
        }
        // A rule in the registry makes the class known to all of them.
        LayerRegistry registry = LayerRegistry.standard().with(UnruledLayer.class,
                LayerRule.builder(ChannelRole.PER_CHANNEL).cost(site -> site.input(0)).build());
        ResourceModel.builder(net).inputTypes(INPUT).registry(registry).build();
        DmsSupernet.builder().registry(registry).convert(net);
        // The exporter knows how channels pass through it, but a slim network holds stock layers only.
        SlimExportException e = assertThrows(SlimExportException.class, () -> SlimExporter.export(net, registry));
        assertTrue(e.getMessage().contains("no plain DL4J replacement"), e.getMessage());
    }

    private static ActivationLayer withName(ActivationLayer layer, String name) {
        layer.setLayerName(name);
        return layer;
    }
}
