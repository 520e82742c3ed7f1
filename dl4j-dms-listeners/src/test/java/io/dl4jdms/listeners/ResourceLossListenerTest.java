package io.dl4jdms.listeners;

import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.WidthMask;
import io.dl4jdms.latency.ChannelLatencyTable;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.resource.ResourceValue;
import io.dl4jdms.resource.TimedLayer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResourceLossListenerTest {

    private static final InputType INPUT = InputType.convolutional(6, 6, 2);
    private static final double RATIO_LR = 0.1;

    /** conv (TopkConv 3x3, 8, BN) - pool - dense (TopkDense 6) - output 3; double precision, ratios by SGD. */
    private static MultiLayerNetwork stack(IUpdater ratioUpdater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.DOUBLE).updater(new Sgd(0.01)).list()
                .layer(new TopkConv.Builder(3, 3).name("conv").nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).batchNorm(true).ratioUpdater(ratioUpdater).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new TopkDense.Builder().name("dense").nOut(6).activation(Activation.TANH)
                        .ratioUpdater(ratioUpdater).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build());
        net.init();
        return net;
    }

    /** A stem writing into a shared group "width" and a stage "stage" of two gated blocks. */
    private static ComputationGraph residual(IUpdater ratioUpdater) {
        SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.DOUBLE).updater(new Sgd(0.01)));
        g.addInputs("in");
        g.setInputTypes(INPUT);
        g.addWidthGroup("width", new WidthMask.Builder(4).ratioUpdater(ratioUpdater).build(), "in");
        g.addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build(), "in");
        g.addWidthMask("stem_m", "width", "stem");
        g.addDepthStage("stage", new DepthMask.Builder(2).ratioUpdater(ratioUpdater).build(), "stem_m");
        String x = "stem_m";
        for (int b = 0; b < 2; b++) {
            g.addLayer("b" + b + "_c1", new TopkConv.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.RELU).batchNorm(true).hasBias(false).ratioUpdater(ratioUpdater).build(), x);
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

    private static DataSet batch(int size, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.rand(DataType.DOUBLE, size, 2, 6, 6);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, size, 3);
        for (int i = 0; i < size; i++) {
            labels.putScalar(i, (i * 7 + seed) % 3, 1.0);
        }
        return new DataSet(features, labels);
    }

    /** Distinct importances and ratio 0.3 on every operator, so masks and their derivatives are not trivial. */
    private static void spread(Model net) {
        for (TopkOperator op : OperatorState.operators(net)) {
            double[] c = new double[op.operatorSize()];
            for (int i = 0; i < c.length; i++) {
                c[i] = (i * 7919L % c.length) + 1;
            }
            op.setImportance(c);
            op.setRatio(0.3);
        }
    }

    private static Map<String, Double> ratios(Model net) {
        Map<String, Double> out = new HashMap<>();
        OperatorState.operators(net).forEach(op -> out.put(op.operatorName(), op.ratio()));
        return out;
    }

    private static void fit(Model net, DataSet data) {
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(data);
        } else {
            ((ComputationGraph) net).fit(data);
        }
    }

    /**
     * One SGD step with and without the listener from the same state: the difference in every ratio is
     * {@code -lr * lambda * dL/dr * dr/da}, with no division by the batch size (the listener scales what it
     * adds by the batch size; DL4J's updater divides it back).
     */
    private static void checkAddedGradient(java.util.function.Supplier<Model> factory, ResourceKind kind,
                                           Consumer<ResourceLossListener.Builder> options) {
        int batchSize = 8;
        double lambda = 3.0;
        Model with = factory.get();
        Model without = factory.get();
        spread(with);
        spread(without);
        ResourceModel model = ResourceModel.builder(with).inputTypes(INPUT).build();
        if (kind == ResourceKind.LATENCY) {
            model = model.withLatency(madeUpTable(model));
        }
        ResourceValue before = model.evaluate(kind);
        double target = 0.8 * before.fraction();
        ResourceLossListener.Builder builder = ResourceLossListener.builder(model).kind(kind).targetFraction(target)
                .weight(lambda);
        options.accept(builder);
        ResourceLossListener listener = builder.build();
        with.setListeners(listener);
        DataSet data = batch(batchSize, 3);
        fit(with, data);
        fit(without, data);

        double rc = before.fraction();
        assertEquals(rc, listener.currentFraction(), 1e-12);
        assertEquals(target, listener.currentTarget(), 1e-12);
        double dLossDr = listener.lossType() == ResourceLossListener.LossType.LOG_HINGE ? 1 / rc : 2 * (rc - target);
        double expectedLoss = listener.lossType() == ResourceLossListener.LossType.LOG_HINGE
                ? Math.log(rc / target) : (rc - target) * (rc - target);
        assertEquals(expectedLoss, listener.currentLoss(), 1e-12);
        Map<String, Double> a = ratios(with);
        Map<String, Double> b = ratios(without);
        int moved = 0;
        for (TopkOperator op : model.operators()) {
            String name = op.operatorName();
            double expected = -RATIO_LR * lambda * dLossDr * before.gradient().get(name) / before.full();
            assertEquals(expected, a.get(name) - b.get(name), 1e-9 + 1e-6 * Math.abs(expected), name);
            moved += Math.abs(expected) > 1e-6 ? 1 : 0;
        }
        // Every operator moves, except one inside a block its depth mask removes (its cost is multiplied by 0).
        assertTrue(moved >= model.operators().size() - 1, moved + " of " + model.operators().size() + " moved");
    }

    @Test
    void addsLambdaTimesTheResourceGradientInALayerStack() {
        checkAddedGradient(() -> stack(new Sgd(RATIO_LR)), ResourceKind.FLOPS, b -> { });
        checkAddedGradient(() -> stack(new Sgd(RATIO_LR)), ResourceKind.PARAMS, b -> { });
    }

    @Test
    void addsLambdaTimesTheResourceGradientInAGraphWithGatesAndAGroup() {
        checkAddedGradient(() -> residual(new Sgd(RATIO_LR)), ResourceKind.FLOPS, b -> { });
        checkAddedGradient(() -> residual(new Sgd(RATIO_LR)), ResourceKind.LATENCY, b -> { });
    }

    @Test
    void addsLambdaTimesTheLatencyGradient() {
        checkAddedGradient(() -> stack(new Sgd(RATIO_LR)), ResourceKind.LATENCY, b -> { });
    }

    @Test
    void theL2LossAddsItsOwnDerivative() {
        checkAddedGradient(() -> stack(new Sgd(RATIO_LR)), ResourceKind.FLOPS,
                b -> b.lossType(ResourceLossListener.LossType.L2));
    }

    @Test
    void belowAMovingTargetTheHingeAddsNothing() {
        MultiLayerNetwork with = stack(new Sgd(RATIO_LR));
        MultiLayerNetwork without = stack(new Sgd(RATIO_LR));
        spread(with);
        spread(without);
        ResourceModel model = ResourceModel.of(with, INPUT);
        // At iteration 0 a geometric schedule's target is the supernet itself: r_c < r_t.
        ResourceLossListener listener = ResourceLossListener.builder(model).targetFraction(0.3).weight(3)
                .geometricSchedule(100, 0.8).build();
        with.setListeners(listener);
        fit(with, batch(8, 3));
        fit(without, batch(8, 3));
        assertEquals(1.0, listener.currentTarget(), 0);
        assertTrue(listener.currentFraction() < 1);
        assertEquals(0.0, listener.currentLoss(), 0);
        assertEquals(ratios(without), ratios(with));
    }

    @Test
    void afterTheScheduleEndsTheLossHoldsTheTargetFromBelowUnlessTold() {
        for (boolean hold : new boolean[] {true, false}) {
            MultiLayerNetwork net = stack(new Sgd(RATIO_LR));
            spread(net);
            ResourceModel model = ResourceModel.of(net, INPUT);
            double rc = model.evaluate(ResourceKind.FLOPS).fraction();
            double target = Math.min(1, rc * 1.2);
            ResourceLossListener listener = ResourceLossListener.builder(model).targetFraction(target).weight(3)
                    .holdAtTarget(hold).build();
            net.setListeners(listener);
            fit(net, batch(8, 3));
            assertEquals(hold ? Math.log(target / rc) : 0.0, listener.currentLoss(), 1e-12, "hold " + hold);
        }
    }

    @Test
    void depthMasksFreezeHardForTheFinalPartOfTheSearch() {
        ComputationGraph graph = residual(new Adam(0.05));
        ResourceModel model = ResourceModel.of(graph, INPUT);
        ResourceLossListener listener = ResourceLossListener.builder(model).targetFraction(0.4).weight(5)
                .linearSchedule(10, 0.5).freezeDepthFor(0.3).build();
        assertEquals(7, listener.freezeDepthAt());
        TopkOperator stage = OperatorState.operators(graph).stream().filter(TopkOperator::isDepthOperator)
                .findFirst().orElseThrow();
        TopkOperator width = OperatorState.operators(graph).stream().filter(o -> o.operatorName().equals("width"))
                .findFirst().orElseThrow();
        List<double[]> stageStates = new ArrayList<>();
        List<Double> widthRatios = new ArrayList<>();
        graph.setListeners(new TaylorImportanceListener(), listener, new BaseTrainingListener() {
            @Override
            public void iterationDone(Model m, int iteration, int epoch) {
                double[] s = new double[3];
                s[0] = stage.ratio();
                System.arraycopy(stage.importance(), 0, s, 1, 2);
                stageStates.add(s);
                widthRatios.add(width.ratio());
            }
        });
        for (int i = 0; i < 10; i++) {
            assertEquals(i >= 7, listener.isDepthFrozen(), "iteration " + i + ": frozen from iteration 7 on");
            assertEquals(i >= 7, stage.isHardMask(), "iteration " + i);
            fit(graph, batch(8, i));
        }
        assertTrue(listener.isDepthFrozen() && stage.isHardMask() && !width.isHardMask());
        // Iterations 7..9 run with hard depth masks and end with the state the depth operator had after iteration 6.
        for (int i = 7; i < 10; i++) {
            assertEquals(stageStates.get(6)[0], stageStates.get(i)[0], 0, "ratio after iteration " + i);
            assertEquals(stageStates.get(6)[1], stageStates.get(i)[1], 0, "importance after iteration " + i);
        }
        assertFalse(stageStates.get(2)[0] == stageStates.get(6)[0] && stageStates.get(2)[1] == stageStates.get(6)[1],
                "the depth operator trained before it froze");
        assertFalse(widthRatios.get(9).equals(widthRatios.get(7)), "width keeps training: " + widthRatios);
    }

    /** Made-up times, linear between the smallest and the full channel counts: ms = 0.1 + 0.01 in out. */
    private static ChannelLatencyTable madeUpTable(ResourceModel model) {
        List<ChannelLatencyTable.Entry> entries = new ArrayList<>();
        for (TimedLayer t : model.timedLayers()) {
            long[] in = nodes(t.smallestIn(), t.fullIn());
            if (t.perChannel()) {
                double[] ms = new double[in.length];
                for (int i = 0; i < in.length; i++) {
                    ms[i] = 0.1 + 0.01 * in[i];
                }
                entries.add(ChannelLatencyTable.Entry.perChannel(t.name(), "made up", in, ms));
            } else {
                long[] out = nodes(t.smallestOut(), t.fullOut());
                double[][] ms = new double[in.length][out.length];
                for (int i = 0; i < in.length; i++) {
                    for (int j = 0; j < out.length; j++) {
                        ms[i][j] = 0.1 + 0.01 * in[i] * out[j];
                    }
                }
                entries.add(ChannelLatencyTable.Entry.grid(t.name(), "made up", in, out, ms));
            }
        }
        return ChannelLatencyTable.of(8, entries);
    }

    private static long[] nodes(long smallest, long full) {
        return smallest == full ? new long[] {full} : new long[] {smallest, full};
    }

    @Test
    void aLatencyTargetDrivesTheLatencyDown() {
        MultiLayerNetwork net = stack(new Adam(0.05));
        ResourceModel timed = ResourceModel.of(net, INPUT);
        timed = timed.withLatency(madeUpTable(timed));
        ResourceLossListener listener = ResourceLossListener.builder(timed).latency().targetFraction(0.6).weight(5)
                .build();
        net.setListeners(new TaylorImportanceListener(), listener);
        for (int i = 0; i < 60; i++) {
            fit(net, batch(16, i));
        }
        double fraction = timed.evaluate(ResourceKind.LATENCY).fraction();
        System.out.printf("latency search on random data: %.4f of the supernet's latency, target 0.6%n", fraction);
        assertEquals(ResourceKind.LATENCY, listener.kind());
        // Random data and near-tied importances: the same run ended between 0.51 and 0.61 on different
        // occasions (not bit-reproducible here). Only the direction is asserted.
        assertTrue(fraction < 0.75, "latency fraction " + fraction);
    }

    // ---- Validation ----

    private static ResourceLossListener.Builder builderFor(MultiLayerNetwork net) {
        return ResourceLossListener.builder(ResourceModel.of(net, INPUT));
    }

    private static void assertRejected(ResourceLossListener.Builder builder, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void targetsOutsideTheBuildableRangeAreRejected() {
        MultiLayerNetwork net = stack(new Sgd(RATIO_LR));
        ResourceModel model = ResourceModel.of(net, INPUT);
        double full = model.full(ResourceKind.FLOPS);
        assertRejected(builderFor(net).targetFraction(1.2), "above the supernet", "1.2");
        assertRejected(builderFor(net).targetAbsolute(2 * full), "above the supernet");
        double smallest = model.smallest(ResourceKind.FLOPS) / full;
        assertRejected(builderFor(net).targetFraction(smallest / 2), "below the smallest buildable network");
        assertRejected(builderFor(net).params().targetAbsolute(10), "PARAMS 10", "below the smallest");
        assertRejected(builderFor(net).targetFraction(-0.5), "below the smallest");
        assertRejected(builderFor(net), "set a target");
        // The extremes are allowed.
        builderFor(net).targetFraction(1).build();
        builderFor(net).targetAbsolute(model.smallest(ResourceKind.FLOPS)).build();
    }

    @Test
    void aNonPositiveWeightIsRejected() {
        MultiLayerNetwork net = stack(new Sgd(RATIO_LR));
        for (double w : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertRejected(builderFor(net).targetFraction(0.5).weight(w), "lambda_res", String.valueOf(w));
        }
    }

    @Test
    void aScheduleThatEndsBeforeItStartsIsRejected() {
        MultiLayerNetwork net = stack(new Sgd(RATIO_LR));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> builderFor(net).geometricSchedule(0, 0.8));
        assertTrue(zero.getMessage().contains("got 0"), zero.getMessage());
        IllegalArgumentException reach = assertThrows(IllegalArgumentException.class,
                () -> builderFor(net).linearSchedule(100, 0));
        assertTrue(reach.getMessage().contains("got 0.0"), reach.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builderFor(net).geometricSchedule(100, 1.5));
        assertRejected(builderFor(net).targetFraction(0.5).firstIteration(10).freezeDepthFrom(5),
                "freeze at iteration 5", "starts at iteration 10");
        assertRejected(builderFor(net).targetFraction(0.5).freezeDepthFor(0.2), "freezeDepthFor needs the search length");
        assertThrows(IllegalArgumentException.class, () -> builderFor(net).freezeDepthFor(1.0));
    }

    @Test
    void latencyWithoutATableIsRejected() {
        assertRejected(builderFor(stack(new Sgd(RATIO_LR))).latency().targetFraction(0.5), "latency table");
    }

    @Test
    void aModelOfAnotherNetworkIsRejectedAtTheFirstIteration() {
        MultiLayerNetwork net = stack(new Sgd(RATIO_LR));
        ResourceLossListener listener = builderFor(stack(new Sgd(RATIO_LR))).targetFraction(0.5).build();
        net.setListeners(listener);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(batch(4, 1)));
        assertTrue(e.getMessage().contains("another network"), e.getMessage());
    }

    @Test
    void gettersAreUnsetBeforeTheFirstIteration() {
        ResourceLossListener listener = builderFor(stack(new Sgd(RATIO_LR))).targetFraction(0.5).weight(2).build();
        assertTrue(Double.isNaN(listener.currentFraction()) && Double.isNaN(listener.currentLoss())
                && Double.isNaN(listener.currentTarget()) && Double.isNaN(listener.currentValue()));
        assertEquals(2, listener.weight(), 0);
        assertEquals(ResourceLossListener.LossType.LOG_HINGE, listener.lossType());
        assertEquals(-1, listener.freezeDepthAt());
    }
}
