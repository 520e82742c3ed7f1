package io.dl4jdms.spnas.search;

import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.spnas.latency.LatencyModel;
import io.dl4jdms.spnas.latency.LatencyTestSupport;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fill after the search: the indicator nearest to being on comes on first, only while the network stays at or
 * below the target, and the network's own hard choices are the filled ones.
 */
class BudgetFillTest {

    /**
     * "a" (3/5/7, ratios 1/2, skippable) skipped; "b" (3/5, ratios 1/2/3) at 3x3 e1. Norm / threshold of each
     * indicator that is off: a's skip gate 0.9, its group 2 gate 0.7, its shells 0.8 (5x5) and 0.7 (7x7); b's shell
     * 0.95, its group gates 0.6 and 0.4. Prediction 2 (fixed) + 0.1 (a skipped) + 0.5 (b 3x3 e1) = 2.6 ms.
     * With {@code kernelsOn}, every kernel shell is on instead (a 7x7, b 5x5: 2 + 0.1 + 0.7 = 2.8 ms).
     */
    private static ComputationGraph searched(boolean kernelsOn) {
        ComputationGraph net = new ComputationGraph(LatencyTestSupport.twoSuperkernels(false, new NoOp(), new NoOp()));
        net.init();
        // Kernels first: the expansion norms are taken on the chosen kernel.
        close(net.getLayer("a"), SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, kernelsOn ? 2 : 0.8, kernelsOn ? 2 : 0.7);
        close(net.getLayer("b"), SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, kernelsOn ? 2 : 0.95);
        close(net.getLayer("a"), SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, 0.9, 0.7);
        close(net.getLayer("b"), SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, 0.6, 0.4);
        return net;
    }

    /** Sets the chain's thresholds to norm / closeness (closeness below 1: off). */
    private static void close(Layer layer, String key, double... closeness) {
        SuperkernelOperator op = (SuperkernelOperator) layer;
        double[] norms = key.equals(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY) ? op.kernelIndicators().norms()
                : op.expansionIndicators().norms();
        INDArray thresholds = layer.getParam(key);
        for (int i = 0; i < closeness.length; i++) {
            assertTrue(norms[i] > 0, "the test needs positive norms");
            thresholds.putScalar(i, norms[i] / closeness[i]);
        }
    }

    private static LatencyModel model(ComputationGraph net) {
        return LatencyModel.of(LatencyTestSupport.table(net.getConfiguration()));
    }

    @Test
    void switchesOnTheNearestCandidateThatFitsUntilNothingFits() {
        ComputationGraph net = searched(true);
        LatencyModel model = model(net);
        assertEquals(2.8, model.predictMs(net), 1e-12);
        List<BudgetFill.Step> steps = BudgetFill.fill(net, model, 5.2);
        // a's skip gate (0.9): 2 + 2.0 (a 7x7 e1) + 0.7 = 4.7. Then a's group 2 (0.7) would give 6.6: too much; b's
        // group 2 (0.6) gives 2 + 2.0 + 1.1 = 5.1. Then nothing fits (a e2 7.0, b e3 5.9).
        assertEquals(List.of("a", "b"), steps.stream().map(BudgetFill.Step::block).toList(), steps.toString());
        assertEquals("skip", steps.get(0).from().split(" ")[0]);
        assertEquals(4.7, steps.get(0).predictedMs(), 1e-9);
        assertEquals(0.9, steps.get(0).normOverThreshold(), 1e-6);
        assertEquals(5.1, steps.get(1).predictedMs(), 1e-9);
        assertEquals(0.6, steps.get(1).normOverThreshold(), 1e-6);
        assertEquals("7x7 e1 (3 channels)", LatencyModel.choices(net).get("a").toString());
        assertEquals("5x5 e2 (4 channels)", LatencyModel.choices(net).get("b").toString());
        assertEquals(5.1, model.predictMs(net), 1e-9, "the network's own hard choices are the filled ones");
    }

    /**
     * With 0.5 ms left after the single steps (5.1 of 5.6 ms, 9% below) and no single level that fits, the fill gives
     * up one kept level for one it had left off, if the two together stay within the target.
     */
    @Test
    void whenNoSingleLevelFitsItExchangesAKeptLevelForOneLeftOff() {
        ComputationGraph net = searched(true);
        LatencyModel model = model(net);
        List<BudgetFill.Step> steps = BudgetFill.fill(net, model, 5.6);
        // a's 7x7 shell (norm/threshold 2: kept) for a's second channel group (0.475 once a is at 5x5): a goes from
        // 7x7 e1 to 5x5 e2 and the network to exactly 5.6 ms; then nothing is left.
        assertEquals(3, steps.size(), steps.toString());
        assertEquals(5.1, steps.get(1).predictedMs(), 1e-9, steps.toString());
        assertTrue(steps.get(1).givenUp().isEmpty());
        BudgetFill.Step exchange = steps.get(2);
        assertEquals(1, exchange.givenUp().size(), steps.toString());
        assertEquals(5.6, exchange.predictedMs(), 1e-9, steps.toString());
        assertEquals("5x5 e2 (6 channels)", LatencyModel.choices(net).get("a").toString());
        assertEquals("5x5 e2 (4 channels)", LatencyModel.choices(net).get("b").toString());
        assertTrue(exchange.givenUp().get(0).normOverThreshold() > 1 && exchange.normOverThreshold() < 1,
                steps.toString());
        assertEquals(5.6, model.predictMs(net), 1e-9, "the network's own hard choices are the filled ones");
    }

    /**
     * "a" skipped (its 5x5 shell kept, 7x7 off), "b" at 5x5 e3: 2 + 0.1 + 1.9 = 4.0 ms, target 4.3. Bringing "a" back
     * (5x5 e1, 1.4 ms) does not fit, nor with one of b's levels given up (b 3x3 e3 or 5x5 e2: 4.6 ms); with both of
     * them given up (b 3x3 e2, 0.8 ms) it does: 4.2 ms.
     */
    @Test
    void whenNoPairFitsItGivesUpTwoKeptLevelsForOneLeftOff() {
        ComputationGraph net = new ComputationGraph(LatencyTestSupport.twoSuperkernels(false, new NoOp(), new NoOp()));
        net.init();
        close(net.getLayer("a"), SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, 1.5, 0.7);
        close(net.getLayer("b"), SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, 1.2);
        close(net.getLayer("a"), SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, 0.9, 0.7);
        close(net.getLayer("b"), SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, 1.3, 1.1);
        LatencyModel model = model(net);
        assertEquals(4.0, model.predictMs(net), 1e-9);
        List<BudgetFill.Step> steps = BudgetFill.fill(net, model, 4.3);
        assertEquals(1, steps.size(), steps.toString());
        BudgetFill.Step exchange = steps.get(0);
        assertEquals("a", exchange.block());
        assertEquals(0.9, exchange.normOverThreshold(), 1e-6);
        assertEquals(List.of("b", "b"), exchange.givenUp().stream().map(BudgetFill.Step::block).toList());
        assertEquals(4.2, exchange.predictedMs(), 1e-9, steps.toString());
        assertEquals("5x5 e1 (3 channels)", LatencyModel.choices(net).get("a").toString());
        assertEquals("3x3 e2 (4 channels)", LatencyModel.choices(net).get("b").toString());
        assertEquals(4.2, model.predictMs(net), 1e-9, "the network's own hard choices are the filled ones");
        assertTrue(exchange.toString().contains(" and b: "), exchange.toString());
    }

    @Test
    void aNetworkAboveTheTargetIsLeftAsItIs() {
        ComputationGraph net = searched(false);
        INDArray before = net.params().dup();
        assertTrue(BudgetFill.fill(net, model(net), 2.5).isEmpty());
        assertEquals(before, net.params());
    }

    @Test
    void withRoomForEverythingItEndsAtTheLargestCandidates() {
        // Here the kernel shells are off too: switching one on changes the expansion norms (taken on the chosen
        // kernel), which could switch on more than its own indicator; the fill holds every other level, so it takes
        // one step per level that is off: a's skip gate, group 2 and two shells, b's shell and groups 2 and 3.
        ComputationGraph net = searched(false);
        LatencyModel model = model(net);
        List<BudgetFill.Step> steps = BudgetFill.fill(net, model, 100);
        assertEquals(7, steps.size(), steps.toString());
        for (int i = 0; i < steps.size(); i++) {
            assertTrue(i == 0 || steps.get(i).predictedMs() > steps.get(i - 1).predictedMs(), steps.toString());
        }
        assertEquals(2 + 3.9 + 1.9, model.predictMs(net), 1e-9);
        assertEquals(2 + 3.9 + 1.9, steps.get(steps.size() - 1).predictedMs(), 1e-9);
    }
}
