package io.dl4jdms.resource;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.dl4jdms.resource.ResourceTestNetworks.CONCAT_INPUT;
import static io.dl4jdms.resource.ResourceTestNetworks.RESIDUAL_INPUT;
import static io.dl4jdms.resource.ResourceTestNetworks.STACK_INPUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResourceModelTest {

    private static final ResourceKind[] COUNTED = {ResourceKind.FLOPS, ResourceKind.PARAMS};

    private static TopkOperator operator(Model net, String name) {
        return OperatorState.operators(net).stream().filter(o -> o.operatorName().equals(name)).findFirst()
                .orElseThrow();
    }

    // ---- The independent count over plain DL4J networks, against hand-computed values ----

    @Test
    void plainCounterMatchesHandComputedFiguresOfALayerStack() {
        // conv: 9*2*4 MACs + 4 bias per position, 36 positions; BN: 4 per position; dense 36*5 + 5; output 5*3 + 3
        double flops = (9 * 2 * 4 + 4) * 36 + 4 * 36 + (36 * 5 + 5) + (5 * 3 + 3);
        double params = (9 * 2 * 4 + 4) + 2 * 4 + (36 * 5 + 5) + (5 * 3 + 3);
        MultiLayerNetwork plain = new MultiLayerNetwork(ResourceTestNetworks.plainStack());
        plain.init();
        assertEquals(flops, PlainNetworkCounter.count(plain.getLayerWiseConfigurations(), STACK_INPUT, ResourceKind.FLOPS), 0);
        assertEquals(params, PlainNetworkCounter.count(plain.getLayerWiseConfigurations(), STACK_INPUT, ResourceKind.PARAMS), 0);
        // DL4J's own count also holds BN's running mean and variance (2 per channel), which are not trained.
        assertEquals(params + 2 * 4, plain.numParams(), 0);
    }

    @Test
    void plainCounterMatchesHandComputedFiguresOfAGraphWithConcatDepthwiseAndSeparable() {
        // a: (9*2*4 + 4) per position; b: 1*2*3; merge: 7 channels; dw: 9*7*2 + 14 bias; sep: 9*14 + 14*5 + 5;
        // 36 positions each; output 5*3 + 3.
        double flops = (9 * 2 * 4 + 4) * 36 + (2 * 3) * 36 + (9 * 7 * 2 + 14) * 36 + (9 * 14 + 14 * 5 + 5) * 36 + 18;
        double params = (9 * 2 * 4 + 4) + 2 * 3 + (9 * 7 * 2 + 14) + (9 * 14 + 14 * 5 + 5) + 18;
        ComputationGraph plain = ResourceTestNetworks.init(ResourceTestNetworks.concatGraph(false));
        assertEquals(flops, PlainNetworkCounter.count(plain.getConfiguration(), ResourceKind.FLOPS, CONCAT_INPUT), 0);
        assertEquals(params, PlainNetworkCounter.count(plain.getConfiguration(), ResourceKind.PARAMS, CONCAT_INPUT), 0);
        assertEquals(params, plain.numParams(), 0, "no normalisation: DL4J's parameter count is the trainable count");
    }

    @Test
    void plainCounterRefusesLatency() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlainNetworkCounter.count(
                ResourceTestNetworks.plainStack(), STACK_INPUT, ResourceKind.LATENCY));
        assertTrue(e.getMessage().contains("LATENCY"), e.getMessage());
    }

    // ---- Full supernet = plain twin ----

    @Test
    void fullSupernetAgreesWithThePlainCountOfALayerStack() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.searchableStack(), STACK_INPUT);
        for (ResourceKind kind : COUNTED) {
            assertEquals(PlainNetworkCounter.count(ResourceTestNetworks.plainStack(), STACK_INPUT, kind),
                    model.full(kind), 0, kind.name());
        }
    }

    @Test
    void fullSupernetAgreesWithThePlainCountOfAResidualGraphWithGatesAndAGroup() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.residualGraph(), RESIDUAL_INPUT);
        ComputationGraphConfiguration plain = ResourceTestNetworks.init(ResourceTestNetworks.plainResidualGraph())
                .getConfiguration();
        for (ResourceKind kind : COUNTED) {
            assertEquals(PlainNetworkCounter.count(plain, kind, RESIDUAL_INPUT), model.full(kind), 0, kind.name());
        }
    }

    @Test
    void fullSupernetAgreesWithThePlainCountOfAConcatGraph() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.init(ResourceTestNetworks.concatGraph(true)), CONCAT_INPUT);
        ComputationGraphConfiguration plain = ResourceTestNetworks.init(ResourceTestNetworks.concatGraph(false))
                .getConfiguration();
        for (ResourceKind kind : COUNTED) {
            assertEquals(PlainNetworkCounter.count(plain, kind, CONCAT_INPUT), model.full(kind), 0, kind.name());
        }
    }

    // ---- Hard figures under masks ----

    @Test
    void hardFiguresFollowTheKeptSizesOfBothSidesOfALayer() {
        MultiLayerNetwork net = ResourceTestNetworks.searchableStack();
        operator(net, "conv").setImportance(new double[] {1, 2, 3, 4});
        operator(net, "conv").setRatio(0.5);                      // conv keeps 2 of 4 channels
        operator(net, "dense").setImportance(new double[] {5, 4, 3, 2, 1});
        operator(net, "dense").setRatio(0.4);                     // dense keeps 3 of 5 features
        ResourceModel model = ResourceModel.of(net, STACK_INPUT);
        // conv 9*2*2 + bias 2 + BN 2 per position (36); dense (2 channels * 9 positions) -> 3 + bias; output 3*3 + 3
        double flops = (9 * 2 * 2 + 2 + 2) * 36 + (2 * 9 * 3 + 3) + (3 * 3 + 3);
        double params = (9 * 2 * 2 + 2 + 2 * 2) + (2 * 9 * 3 + 3) + (3 * 3 + 3);
        assertEquals(flops, model.evaluate(ResourceKind.FLOPS).value(), 0);
        assertEquals(params, model.evaluate(ResourceKind.PARAMS).value(), 0);
        assertEquals(model.full(ResourceKind.FLOPS), model.evaluate(ResourceKind.FLOPS).full(), 0);
        assertEquals(flops / model.full(ResourceKind.FLOPS), model.evaluate(ResourceKind.FLOPS).fraction(), 1e-15);
        double s0 = operator(net, "conv").mask().softCount();
        double s1 = operator(net, "dense").mask().softCount();
        assertEquals((9 * 2 * s0 + s0 + s0) * 36 + (s0 * 9 * s1 + s1) + (s1 * 3 + 3),
                model.evaluate(ResourceKind.FLOPS).softValue(), 1e-9, "the same formula with soft counts");
        double smallest = (9 * 2 + 2) * 36 + (9 * 1 + 1) + (3 + 3);
        assertEquals(smallest, model.smallest(ResourceKind.FLOPS), 0);
        Map<String, Double> perLayer = model.perLayer(ResourceKind.FLOPS);
        assertEquals((9 * 2 * 2 + 2 + 2) * 36, perLayer.get("conv"), 0);
        assertEquals(flops, perLayer.values().stream().mapToDouble(Double::doubleValue).sum(), 0);
    }

    @Test
    void graphFiguresCountSharedGroupsAndGatedBlocks() {
        ComputationGraph graph = ResourceTestNetworks.residualGraph();
        ResourceModel model = ResourceModel.of(graph, RESIDUAL_INPUT);
        // Full: stem 9*2*4*25 + 4*25 bias; per block: c1 9*4*3*25 + 3*25 (BN), c2 9*3*4*25, bn 4*25; out 4*3 + 3
        double block = 9 * 4 * 3 * 25 + 3 * 25 + 9 * 3 * 4 * 25 + 4 * 25;
        double full = 9 * 2 * 4 * 25 + 4 * 25 + 2 * block + 4 * 3 + 3;
        assertEquals(full, model.full(ResourceKind.FLOPS), 0);

        operator(graph, "width").setImportance(new double[] {4, 3, 2, 1});
        operator(graph, "width").setRatio(0.5);                   // stream keeps 2 channels
        operator(graph, "stage").setImportance(new double[] {1, 2});
        operator(graph, "stage").setRatio(0.5);                   // block 0 removed, block 1 kept
        double keptBlock = 9 * 2 * 3 * 25 + 3 * 25 + 9 * 3 * 2 * 25 + 2 * 25;
        double expected = 9 * 2 * 2 * 25 + 2 * 25 + keptBlock + 2 * 3 + 3;
        assertEquals(expected, model.evaluate(ResourceKind.FLOPS).value(), 0);
        assertEquals(0.0, model.perLayer(ResourceKind.FLOPS).get("b0_c1"), 0, "a removed block costs nothing");
        assertNotEquals(0.0, model.evaluate(ResourceKind.FLOPS).gradient().get("stage"));
        // Smallest: 1 stream channel, 1 inner channel, only block 0.
        double smallestBlock = 9 * 1 * 1 * 25 + 1 * 25 + 9 * 1 * 1 * 25 + 1 * 25;
        assertEquals(9 * 2 * 1 * 25 + 25 + smallestBlock + 3 + 3, model.smallest(ResourceKind.FLOPS), 0);
    }

    @Test
    void concatCountsEachBranchWithItsOwnOperator() {
        ComputationGraph graph = ResourceTestNetworks.init(ResourceTestNetworks.concatGraph(true));
        operator(graph, "a").setImportance(new double[] {1, 2, 3, 4});
        operator(graph, "a").setRatio(0.5);                      // a keeps 2 of 4
        operator(graph, "b").setImportance(new double[] {3, 1, 2});
        operator(graph, "b").setRatio(0.3);                      // b keeps round(0.7 * 3) = 2 of 3
        ResourceModel model = ResourceModel.of(graph, CONCAT_INPUT);
        // merge 4 channels, dw 8, sep 8 -> 5
        double flops = (9 * 2 * 2 + 2) * 36 + (2 * 2) * 36 + (9 * 4 * 2 + 8) * 36 + (9 * 8 + 8 * 5 + 5) * 36 + 18;
        assertEquals(flops, model.evaluate(ResourceKind.FLOPS).value(), 0);
        double params = (9 * 2 * 2 + 2) + 2 * 2 + (9 * 4 * 2 + 8) + (9 * 8 + 8 * 5 + 5) + 18;
        assertEquals(params, model.evaluate(ResourceKind.PARAMS).value(), 0);
    }

    // ---- Gradients: finite differences of the soft counts ----

    @Test
    void gradientsMatchFiniteDifferencesInALayerStack() {
        checkStraightThroughGradientAt(ResourceTestNetworks.searchableStack(), STACK_INPUT, 11);
    }

    @Test
    void gradientsMatchFiniteDifferencesWithDepthGatesAndASharedGroup() {
        checkStraightThroughGradientAt(ResourceTestNetworks.residualGraph(), RESIDUAL_INPUT, 12);
    }

    @Test
    void gradientsMatchFiniteDifferencesThroughAConcat() {
        checkStraightThroughGradientAt(ResourceTestNetworks.init(ResourceTestNetworks.concatGraph(true)), CONCAT_INPUT, 13);
    }

    /** Random importances and ratios, then the check for FLOPs, parameters and (made-up) latency. */
    private static void checkStraightThroughGradientAt(Model net, InputType input, long seed) {
        randomize(net, seed);
        ResourceModel model = ResourceModel.builder(net).inputTypes(input).build();
        checkStraightThroughGradient(model.withLatency(ResourceTestNetworks.madeUpTable(model)));
    }

    private static void randomize(Model net, long seed) {
        Random random = new Random(seed);
        for (TopkOperator op : OperatorState.operators(net)) {
            double[] c = new double[op.operatorSize()];
            for (int i = 0; i < c.length; i++) {
                c[i] = random.nextDouble();
            }
            op.setImportance(c);
            op.setRatio(0.2 + 0.4 * random.nextDouble());
        }
    }

    /**
     * The straight-through gradient is the derivative of the figure with each hard count replaced by
     * {@code soft(a) + (hard(a0) - soft(a0))} (and each hard gate likewise): checked by central finite
     * differences of that function, for every kind and every operator.
     */
    private static void checkStraightThroughGradient(ResourceModel model) {
        Map<TopkOperator, TopkMask> start = new IdentityHashMap<>();
        for (TopkOperator op : model.operators()) {
            start.put(op, op.mask());
        }
        int nonZero = 0;
        for (ResourceKind kind : ResourceKind.values()) {
            ResourceValue value = model.evaluate(kind);
            assertEquals(value.value(), model.valueAt(kind, offsetSoft(model, start)), 1e-9 * value.value(),
                    kind + ": at a0 the offset soft counts are the hard counts");
            for (TopkOperator op : model.operators()) {
                double a0 = op.ratio();
                double h = 1e-6;
                op.setRatio(a0 + h);
                double plus = model.valueAt(kind, offsetSoft(model, start));
                op.setRatio(a0 - h);
                double minus = model.valueAt(kind, offsetSoft(model, start));
                op.setRatio(a0);
                double numeric = (plus - minus) / (2 * h);
                double analytic = value.gradient().get(op.operatorName());
                assertEquals(numeric, analytic, 1e-5 * Math.max(1, Math.abs(numeric)),
                        kind + " d/da of " + op.operatorName());
                nonZero += analytic != 0 ? 1 : 0;
            }
        }
        assertTrue(nonZero >= model.operators().size(), "the check must exercise the gradients: " + nonZero);
    }

    /** Counts soft(a) + hard(a0) - soft(a0), gates likewise, for the masks the operators have now. */
    private static MaskState offsetSoft(ResourceModel model, Map<TopkOperator, TopkMask> start) {
        Map<TopkOperator, TopkMask> now = new IdentityHashMap<>();
        for (TopkOperator op : model.operators()) {
            now.put(op, op.mask());
        }
        return new MaskState() {
            @Override
            double count(TopkOperator op) {
                return now.get(op).softCount() + start.get(op).keptSize() - start.get(op).softCount();
            }

            @Override
            double gate(TopkOperator depth, int block) {
                TopkMask s = start.get(depth);
                return now.get(depth).soft()[block] + (s.kept()[block] ? 1 : 0) - s.soft()[block];
            }
        };
    }

    // ---- Extension point and errors ----

    @Test
    void aRegisteredRuleSupportsAnUnknownVertex() {
        ComputationGraph graph = ResourceTestNetworks.init(ResourceTestNetworks.base().graphBuilder().addInputs("in")
                .setInputTypes(STACK_INPUT)
                .addLayer("conv", new io.dl4jdms.layers.TopkConv.Builder(3, 3).nOut(4)
                        .convolutionMode(ConvolutionMode.Same).build(), "in")
                .addVertex("norm", new L2NormalizeVertex(), "conv")
                .addLayer("conv2", new ConvolutionLayer.Builder(1, 1).nOut(2).hasBias(false).build(), "norm")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResourceModel.of(graph, STACK_INPUT));
        assertTrue(e.getMessage().contains("'norm'") && e.getMessage().contains("L2NormalizeVertex")
                && e.getMessage().contains("rule"), e.getMessage());

        // The rule: same channels, and (for the test) one FLOP per element.
        ResourceModel model = ResourceModel.builder(graph).inputTypes(STACK_INPUT)
                .rule(L2NormalizeVertex.class, site -> {
                    site.cost(ResourceKind.FLOPS, StandardRules.positions(site.inputType(0)), site.input(0));
                    return site.input(0);
                }).build();
        operator(graph, "conv").setImportance(new double[] {1, 2, 3, 4});
        operator(graph, "conv").setRatio(0.25);                  // keeps 3 of 4
        assertEquals(3 * 36, model.perLayer(ResourceKind.FLOPS).get("norm"), 0);
        assertEquals(3 * 2 * 36, model.perLayer(ResourceKind.FLOPS).get("conv2"), 0,
                "the next layer's input channels come through the custom vertex");
    }

    /** A vertex that describes its own resources: a scale that counts one multiply per element. */
    static final class CountedScaleVertex extends ScaleVertex implements VertexRule {
        CountedScaleVertex() {
            super(0.5);
        }

        @Override
        public Channels count(VertexContext site) {
            site.cost(ResourceKind.FLOPS, StandardRules.positions(site.inputType(0)), site.input(0));
            return site.input(0);
        }

        @Override
        public CountedScaleVertex clone() {
            return new CountedScaleVertex();
        }
    }

    @Test
    void aVertexCanDescribeItsOwnResources() {
        ComputationGraph graph = ResourceTestNetworks.init(ResourceTestNetworks.base().graphBuilder().addInputs("in")
                .setInputTypes(STACK_INPUT)
                .addLayer("conv", new io.dl4jdms.layers.TopkConv.Builder(3, 3).nOut(4)
                        .convolutionMode(ConvolutionMode.Same).build(), "in")
                .addVertex("scale", new CountedScaleVertex(), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "scale")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        ResourceModel model = ResourceModel.of(graph, STACK_INPUT);
        operator(graph, "conv").setImportance(new double[] {1, 2, 3, 4});
        operator(graph, "conv").setRatio(0.5);                   // keeps 2 of 4
        assertEquals(2 * 36, model.perLayer(ResourceKind.FLOPS).get("scale"), 0, "its own rule, not ScaleVertex's");
        assertEquals(2 * 3 + 3, model.perLayer(ResourceKind.FLOPS).get("out"), 0);
    }

    @Test
    void unsupportedLayersAreNamed() {
        MultiLayerNetwork net = new MultiLayerNetwork(ResourceTestNetworks.base().list()
                .layer(new org.deeplearning4j.nn.conf.layers.LocalResponseNormalization.Builder().name("lrn").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(STACK_INPUT).build());
        net.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResourceModel.of(net, STACK_INPUT));
        assertTrue(e.getMessage().contains("'lrn'") && e.getMessage().contains("LocalResponseNormalization"), e.getMessage());
    }

    @Test
    void latencyNeedsATableAndTheRightOne() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.searchableStack(), STACK_INPUT);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.evaluate(ResourceKind.LATENCY));
        assertTrue(e.getMessage().contains("LatencyProfiler"), e.getMessage());
        assertTrue(!model.hasLatency() && model.withLatency(ResourceTestNetworks.madeUpTable(model)).hasLatency());

        ResourceModel other = ResourceModel.of(ResourceTestNetworks.residualGraph(), RESIDUAL_INPUT);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> model.withLatency(ResourceTestNetworks.madeUpTable(other)));
        assertTrue(wrong.getMessage().contains("no entry for layer 'conv'"), wrong.getMessage());
    }

    @Test
    void latencyOfTheSupernetIsTheSumOfTheTableAtFullCounts() {
        MultiLayerNetwork net = ResourceTestNetworks.searchableStack();
        ResourceModel model = ResourceModel.of(net, STACK_INPUT);
        List<TimedLayer> timed = model.timedLayers();
        assertEquals(List.of("conv", "pool", "dense", "layer3"), timed.stream().map(TimedLayer::name).toList());
        // conv reads 2 fixed channels and writes "conv"'s; the dense layer reads 4 channels x 9 positions.
        assertEquals(2, timed.get(0).fullIn());
        assertEquals(4, timed.get(0).fullOut());
        assertTrue(timed.get(1).perChannel());
        assertEquals(36, timed.get(2).fullIn());
        assertEquals(9, timed.get(2).smallestIn());
        ResourceModel withLatency = model.withLatency(ResourceTestNetworks.madeUpTable(model));
        double expected = ResourceTestNetworks.madeUpMs(2, 4) + ResourceTestNetworks.madeUpMs(4, 4)
                + ResourceTestNetworks.madeUpMs(36, 5) + ResourceTestNetworks.madeUpMs(5, 3);
        assertEquals(expected, withLatency.full(ResourceKind.LATENCY), 1e-12);
        assertEquals(expected, withLatency.evaluate(ResourceKind.LATENCY).value(), 1e-12, "all importances equal: full");
    }
}
