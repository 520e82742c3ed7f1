package io.dl4jdms.spnas.latency;

import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyLossListenerTest {

    private static final int BATCH = 4;

    private static DataSet data() {
        Nd4j.getRandom().setSeed(9);
        INDArray features = Nd4j.rand(DataType.DOUBLE, BATCH, 6, 8, 8);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, 3);
        for (int i = 0; i < BATCH; i++) {
            labels.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(features, labels);
    }

    private static Map<String, INDArray> thresholdGradients(ComputationGraph net) {
        return Map.of(
                "a_k", view(net, "a", SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY),
                "a_e", view(net, "a", SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY),
                "b_k", view(net, "b", SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY),
                "b_e", view(net, "b", SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY));
    }

    private static INDArray view(ComputationGraph net, String layer, String key) {
        return ((SuperkernelOperator) net.getLayer(layer)).thresholdGradientView(key).dup();
    }

    /** The listener adds lambda * batch / R * dR/dt to every threshold's gradient. */
    @Test
    void addsTheScaledLogLatencyGradient() {
        ComputationGraph net = LatencyModelTest.network(true);
        LatencyModelTest.placeThresholds(net);
        LatencyModel model = LatencyModel.of(LatencyTestSupport.table(net.getConfiguration()));
        LatencyLossListener listener = LatencyLossListener.builder(model).weight(0.1).thresholdStart(0).build();
        DataSet data = data();
        net.setInputs(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        Map<String, INDArray> before = thresholdGradients(net);
        listener.onGradientCalculation(net);
        Map<String, INDArray> after = thresholdGradients(net);

        LatencyModel.Estimate estimate = model.evaluate(net);
        double scale = 0.1 * BATCH / estimate.ms();
        assertEquals(0.1 * Math.log(estimate.ms()), listener.currentLoss(), 1e-12);
        assertEquals(estimate.ms(), listener.currentMs(), 1e-12);
        expectAdded(before.get("a_k"), after.get("a_k"), estimate.kernelThresholdGradient().get("a"), scale);
        expectAdded(before.get("a_e"), after.get("a_e"), estimate.expansionThresholdGradient().get("a"), scale);
        expectAdded(before.get("b_k"), after.get("b_k"), estimate.kernelThresholdGradient().get("b"), scale);
        expectAdded(before.get("b_e"), after.get("b_e"), estimate.expansionThresholdGradient().get("b"), scale);
    }

    private static void expectAdded(INDArray before, INDArray after, double[] gradient, double scale) {
        for (int i = 0; i < gradient.length; i++) {
            assertEquals(before.getDouble(i) + scale * gradient[i], after.getDouble(i), 1e-12);
            assertTrue(gradient[i] != 0.0);
        }
    }

    @Test
    void nothingDuringWarmUpOrBelowTheTarget() {
        ComputationGraph net = LatencyModelTest.network(true);
        LatencyModelTest.placeThresholds(net);
        LatencyModel model = LatencyModel.of(LatencyTestSupport.table(net.getConfiguration()));
        DataSet data = data();
        net.setInputs(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        Map<String, INDArray> before = thresholdGradients(net);
        LatencyLossListener warmingUp = LatencyLossListener.builder(model).weight(0.1).warmupIterations(5)
                .thresholdStart(0).build();
        warmingUp.onGradientCalculation(net);
        assertEquals(before, thresholdGradients(net));
        assertEquals(0.0, warmingUp.currentLoss());
        LatencyLossListener reached = LatencyLossListener.builder(model).weight(0.1).targetMs(100).thresholdStart(0)
                .build();
        reached.onGradientCalculation(net);
        assertEquals(before, thresholdGradients(net));
        assertEquals(0.0, reached.currentLoss());
        assertThrows(IllegalArgumentException.class, () -> LatencyLossListener.builder(model).weight(-1).build());
    }

    /** Training with only the latency loss acting on the thresholds makes the network faster. */
    @Test
    void aSearchUnderTheLatencyLossGetsFaster() {
        ComputationGraph net = new ComputationGraph(LatencyTestSupport.twoSuperkernels(false, new NoOp(), new Adam(0.05)));
        net.init();
        LatencyModel model = LatencyModel.of(LatencyTestSupport.table(net.getConfiguration()));
        double start = model.predictMs(net);
        // Everything on at the start: fixed 2 + a 7x7 e2 3.9 + b 5x5 e3 1.9.
        assertEquals(7.8, start, 1e-12);
        LatencyLossListener listener = LatencyLossListener.builder(model).weight(5).targetMs(4.0).build();
        net.setListeners(listener);
        DataSet data = data();
        for (int i = 0; i < 300 && model.predictMs(net) > 4.0; i++) {
            net.fit(data);
        }
        assertTrue(model.predictMs(net) <= 4.0, "predicted " + model.predictMs(net) + " ms, choices "
                + LatencyModel.choices(net));
    }

    /** A search of the two-superkernel network (weights fixed) under a 5 ms target, run until it reached it. */
    private record Reached(ComputationGraph net, LatencyModel model, LatencyLossListener listener, DataSet data) {
        static Reached fiveMs() {
            ComputationGraph net = new ComputationGraph(LatencyTestSupport.twoSuperkernels(false, new NoOp(),
                    new Adam(0.05)));
            net.init();
            LatencyModel model = LatencyModel.of(LatencyTestSupport.table(net.getConfiguration()));
            LatencyLossListener listener = LatencyLossListener.builder(model).weight(5).targetMs(5.0).build();
            net.setListeners(listener);
            DataSet data = LatencyLossListenerTest.data();
            for (int i = 0; i < 300 && !listener.reached(); i++) {
                net.fit(data);
            }
            assertTrue(listener.reached(), "reached within 300 iterations: " + model.predictMs(net));
            return new Reached(net, model, listener, data);
        }
    }

    /** Once the target is reached, no update takes the hard choices above it again (hold). */
    @Test
    void onceReachedTheTargetIsHeld() {
        Reached r = Reached.fiveMs();
        ComputationGraph net = r.net();
        LatencyModel model = r.model();
        DataSet data = r.data();
        for (int k = 0; k < 60; k++) {
            net.fit(data);
            assertTrue(model.predictMs(net) <= 5.0, "iteration " + k + " after reaching: " + model.predictMs(net)
                    + " ms, " + LatencyModel.choices(net));
        }
        LatencyLossListener free = LatencyLossListener.builder(model).hold(false).build();
        assertTrue(!free.reached() && free.revertedUpdates() == 0);
    }

    /**
     * The hold keeps a search at the target; it must not freeze one that is above it. After the target was
     * reached, the weights' training moves the norms the thresholds are compared with and switches candidates back
     * on (here: every threshold set 0.3 below its norm, everything on again). From there the thresholds must
     * follow the latency loss back to the target, which takes several updates of at most the learning rate each.
     */
    @Test
    void aboveTheTargetAgainAfterReachingItTheThresholdsStillMove() {
        Reached r = Reached.fiveMs();
        ComputationGraph net = r.net();
        LatencyModel model = r.model();
        LatencyLossListener listener = r.listener();
        DataSet data = r.data();
        LatencyTestSupport.placeThresholds(net.getLayer("a"), new double[] {0.3, 0.3}, new double[] {0.3, 0.3});
        LatencyTestSupport.placeThresholds(net.getLayer("b"), new double[] {0.3}, new double[] {0.3, 0.3});
        assertEquals(7.8, model.predictMs(net), 1e-12, "everything on again");
        double[] thresholdsBefore = net.getLayer("a").getParam(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY)
                .toDoubleVector();
        int k = 0;
        while (k < 300 && model.predictMs(net) > 5.0) {
            net.fit(data);
            k++;
        }
        double[] thresholdsAfter = net.getLayer("a").getParam(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY)
                .toDoubleVector();
        assertTrue(model.predictMs(net) <= 5.0, "back at the target within 300 iterations: predicted "
                + model.predictMs(net) + " ms, " + LatencyModel.choices(net) + ", thresholds of 'a' "
                + java.util.Arrays.toString(thresholdsBefore) + " -> " + java.util.Arrays.toString(thresholdsAfter)
                + ", " + listener.revertedUpdates() + " updates taken back");
        assertTrue(k > 1, "one update cannot undo a margin of 0.3 at a learning rate of 0.05: " + k);
    }
}
