package io.dl4jdms.resource;

import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.WidthMask;
import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
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
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResourceModelTest {

    private static final InputType INPUT = InputType.convolutional(6, 6, 2);

    /** conv3x3(2->4, same) + bias, BN, relu, maxpool 2x2, flatten, dense(36->5), output(5->3). */
    private static MultiLayerConfiguration plain() {
        return new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build();
    }

    /** The same network with searchable layers: TopkConv with built-in BN, TopkDense. */
    private static MultiLayerNetwork searchable() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE).list()
                .layer(new TopkConv.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).batchNorm(true).build())
                .layer(new SubsamplingLayer.Builder(2, 2).stride(2, 2).build())
                .layer(new TopkDense.Builder().nOut(5).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build());
        net.init();
        return net;
    }

    @Test
    void plainCounterMatchesHandComputedFigures() {
        // conv: 9*2*4 MACs + 4 bias per position, 36 positions; BN: 4 per position; dense 36*5 + 5; output 5*3 + 3
        double flops = (9 * 2 * 4 + 4) * 36 + 4 * 36 + (36 * 5 + 5) + (5 * 3 + 3);
        double params = (9 * 2 * 4 + 4) + 2 * 4 + (36 * 5 + 5) + (5 * 3 + 3);
        assertEquals(flops, PlainNetworkCounter.count(plain(), INPUT, ResourceKind.FLOPS), 0);
        assertEquals(params, PlainNetworkCounter.count(plain(), INPUT, ResourceKind.PARAMS), 0);
    }

    @Test
    void fullSupernetAgreesWithThePlainCount() {
        ResourceModel model = ResourceModel.of(searchable(), INPUT);
        for (ResourceKind kind : ResourceKind.values()) {
            assertEquals(PlainNetworkCounter.count(plain(), INPUT, kind), model.full(kind), 0, kind.name());
        }
    }

    @Test
    void hardFiguresFollowTheKeptSizesOfBothSidesOfALayer() {
        MultiLayerNetwork net = searchable();
        List<TopkOperator> ops = OperatorState.operators(net);
        ops.get(0).setImportance(new double[] {1, 2, 3, 4});
        ops.get(0).setRatio(0.5);                      // conv keeps 2 of 4 channels
        ops.get(1).setImportance(new double[] {5, 4, 3, 2, 1});
        ops.get(1).setRatio(0.4);                      // dense keeps 3 of 5 features
        ResourceModel model = ResourceModel.of(net, INPUT);
        double flops = (9 * 2 * 2 + 2 + 2) * 36 + (2 * 9 * 3 + 3) + (3 * 3 + 3);
        double params = (9 * 2 * 2 + 2 + 2 * 2) + (2 * 9 * 3 + 3) + (3 * 3 + 3);
        assertEquals(flops, model.evaluate(ResourceKind.FLOPS).value(), 0);
        assertEquals(params, model.evaluate(ResourceKind.PARAMS).value(), 0);
        assertEquals(model.full(ResourceKind.FLOPS), model.evaluate(ResourceKind.FLOPS).full(), 0);
        double smallest = (9 * 2 + 2) * 36 + (9 * 1 + 1) + (3 + 3);
        assertEquals(smallest, model.smallest(ResourceKind.FLOPS), 0);
    }

    /**
     * The straight-through gradient is the derivative of the resource with each hard count replaced by
     * {@code soft(a) + (hard(a0) - soft(a0))}: checked here by finite differences of that function.
     */
    private static void checkGradientByFiniteDifferences(ResourceModel model) {
        MaskState frozenHard = MaskState.current(model.operators());
        for (ResourceKind kind : ResourceKind.values()) {
            ResourceValue value = model.evaluate(kind);
            for (TopkOperator op : model.operators()) {
                double a0 = op.ratio();
                double h = 1e-6;
                op.setRatio(a0 + h);
                double plus = offsetSoft(model, kind, frozenHard);
                op.setRatio(a0 - h);
                double minus = offsetSoft(model, kind, frozenHard);
                op.setRatio(a0);
                double numeric = (plus - minus) / (2 * h);
                double analytic = value.gradient().get(op.operatorName());
                assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), kind + " d/da of " + op.operatorName());
            }
        }
        boolean someNonZero = false;
        for (double d : model.evaluate(ResourceKind.FLOPS).gradient().values()) {
            someNonZero |= d != 0;
        }
        assertTrue(someNonZero, "the check must exercise some gradient");
    }

    /** The resource with counts soft(a) + (hard(a0) - soft(a0)), a0 the masks of {@code reference}. */
    private static double offsetSoft(ResourceModel model, ResourceKind kind, MaskState reference) {
        java.util.Map<TopkOperator, TopkMask> start = new java.util.IdentityHashMap<>();
        java.util.Map<TopkOperator, TopkMask> now = new java.util.IdentityHashMap<>();
        for (TopkOperator op : model.operators()) {
            now.put(op, op.mask());
        }
        MaskState state = new MaskState() {
            @Override
            double count(TopkOperator op) {
                return now.get(op).softCount() + reference.count(op) - softAtStart(op);
            }

            @Override
            double gate(TopkOperator depth, int block) {
                return now.get(depth).soft()[block] + reference.gate(depth, block) - softGateAtStart(depth, block);
            }

            double softAtStart(TopkOperator op) {
                return start.computeIfAbsent(op, o -> maskAt(o)).softCount();
            }

            double softGateAtStart(TopkOperator op, int block) {
                return start.computeIfAbsent(op, o -> maskAt(o)).soft()[block];
            }
        };
        return model.valueAt(kind, state);
    }

    private static final java.util.Map<TopkOperator, TopkMask> REFERENCE = new java.util.IdentityHashMap<>();

    private static TopkMask maskAt(TopkOperator op) {
        return REFERENCE.get(op);
    }

    private static void rememberReference(ResourceModel model) {
        REFERENCE.clear();
        for (TopkOperator op : model.operators()) {
            REFERENCE.put(op, op.mask());
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesInALayerStack() {
        MultiLayerNetwork net = searchable();
        ResourceModel model = ResourceModel.of(net, INPUT);
        checkGradientWithReference(net, model);
    }

    @Test
    void gradientMatchesFiniteDifferencesWithDepthGatesAndASharedGroup() {
        ComputationGraph graph = residualGraph();
        ResourceModel model = ResourceModel.of(graph, InputType.convolutional(5, 5, 2));
        checkGradientWithReference(graph, model);
    }

    /** Random importances and ratios, then the finite-difference check around them. */
    private static void checkGradientWithReference(Model net, ResourceModel model) {
        Random random = new Random(11);
        for (TopkOperator op : model.operators()) {
            double[] c = new double[op.operatorSize()];
            for (int i = 0; i < c.length; i++) {
                c[i] = random.nextDouble();
            }
            op.setImportance(c);
            op.setRatio(0.2 + 0.4 * random.nextDouble());
        }
        rememberReference(model);
        checkGradientByFiniteDifferences(model);
    }

    /** A stem and a stage of two gated blocks writing into one shared width group. */
    static ComputationGraph residualGraph() {
        // Double precision: the finite differences below step the ratios by 1e-6.
        SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        g.addInputs("in");
        g.setInputTypes(InputType.convolutional(5, 5, 2));
        g.addWidthGroup("width", new WidthMask.Builder(4).build(), "in");
        g.addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build(), "in");
        g.addWidthMask("stem_m", "width", "stem");
        g.addDepthStage("stage", new DepthMask.Builder(2).build(), "stem_m");
        String x = "stem_m";
        for (int b = 0; b < 2; b++) {
            g.addLayer("b" + b + "_c1", new TopkConv.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.RELU).batchNorm(true).hasBias(false).build(), x);
            g.addLayer("b" + b + "_c2", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                    .hasBias(false).activation(Activation.IDENTITY).build(), "b" + b + "_c1");
            g.addLayer("b" + b + "_bn", new BatchNormalization.Builder().build(), "b" + b + "_c2");
            g.addWidthMask("b" + b + "_m", "width", "b" + b + "_bn");
            g.addGatedResidual("b" + b, "stage", b, x, "b" + b + "_m");
            x = "b" + b;
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                .activation(Activation.SOFTMAX).build(), "pool");
        g.setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    @Test
    void graphFiguresCountSharedGroupsAndGatedBlocks() {
        ComputationGraph graph = residualGraph();
        ResourceModel model = ResourceModel.of(graph, InputType.convolutional(5, 5, 2));
        // Full: stem 9*2*4*25 + 4*25 bias; per block: c1 9*4*3*25 + 3*25 (BN), c2 9*3*4*25, bn 4*25; out 4*3 + 3
        double block = 9 * 4 * 3 * 25 + 3 * 25 + 9 * 3 * 4 * 25 + 4 * 25;
        double full = 9 * 2 * 4 * 25 + 4 * 25 + 2 * block + 4 * 3 + 3;
        assertEquals(full, model.full(ResourceKind.FLOPS), 0);

        List<TopkOperator> ops = OperatorState.operators(graph);
        TopkOperator width = ops.stream().filter(o -> o.operatorName().equals("width")).findFirst().orElseThrow();
        TopkOperator stage = ops.stream().filter(o -> o.operatorName().equals("stage")).findFirst().orElseThrow();
        width.setImportance(new double[] {4, 3, 2, 1});
        width.setRatio(0.5);                          // stream keeps 2 channels
        stage.setImportance(new double[] {1, 2});
        stage.setRatio(0.5);                          // block 0 removed, block 1 kept
        double keptBlock = 9 * 2 * 3 * 25 + 3 * 25 + 9 * 3 * 2 * 25 + 2 * 25;
        double expected = 9 * 2 * 2 * 25 + 2 * 25 + keptBlock + 2 * 3 + 3;
        assertEquals(expected, model.evaluate(ResourceKind.FLOPS).value(), 0);
        assertNotEquals(0.0, model.evaluate(ResourceKind.FLOPS).gradient().get("stage"));
    }

    @Test
    void unsupportedLayersAreNamed() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new org.deeplearning4j.nn.conf.layers.LocalResponseNormalization.Builder().name("lrn").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build());
        net.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResourceModel.of(net, INPUT));
        assertTrue(e.getMessage().contains("'lrn'") && e.getMessage().contains("LocalResponseNormalization"), e.getMessage());
    }
}
