package io.dl4jdms.resource;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.topk.TopK;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetFitTest {

    private static TopkOperator operator(Model net, String name) {
        return OperatorState.operators(net).stream().filter(o -> o.operatorName().equals(name)).findFirst()
                .orElseThrow();
    }

    private static Map<String, Integer> keptSizes(Model net) {
        Map<String, Integer> sizes = new TreeMap<>();
        for (TopkOperator op : OperatorState.operators(net)) {
            sizes.put(op.operatorName(), TopK.keptSize(op.ratio(), op.operatorSize()));
        }
        return sizes;
    }

    @Test
    void structureWithinTheBudgetIsLeftAlone() {
        MultiLayerNetwork net = ResourceTestNetworks.searchableStack();
        ResourceModel model = ResourceModel.of(net, ResourceTestNetworks.STACK_INPUT);
        Map<String, Integer> before = keptSizes(net);
        double full = model.full(ResourceKind.FLOPS);
        BudgetFit.Result r = BudgetFit.fit(model, ResourceKind.FLOPS, full, 0.0);
        assertTrue(r.withinBudget);
        assertTrue(r.removed.isEmpty());
        assertEquals(full, r.after, 0.0);
        assertEquals(before, keptSizes(net));
    }

    @Test
    void removesTheCheapestElementsUntilTheHardCountIsWithinTheBudget() {
        MultiLayerNetwork net = ResourceTestNetworks.searchableStack();
        ResourceModel model = ResourceModel.of(net, ResourceTestNetworks.STACK_INPUT);
        // conv: one channel far less important than the rest; dense: all alike.
        operator(net, "conv").setImportance(new double[] {5.0, 0.01, 4.0, 6.0});
        operator(net, "dense").setImportance(new double[] {1.0, 1.1, 0.9, 1.2, 1.05});
        double full = model.full(ResourceKind.FLOPS);
        // One conv channel is worth ~1/4 of the conv's and dense's MACs: a target 10% below the full network
        // needs exactly that channel (and nothing of dense, whose one feature saves far less).
        double target = 0.9 * full;
        BudgetFit.Result r = BudgetFit.fit(model, ResourceKind.FLOPS, target, 0.0);
        assertTrue(r.withinBudget, r.toString());
        assertEquals(full, r.before, 0.0);
        assertTrue(r.after <= target, r.after + " > " + target);
        assertEquals(model.evaluate(ResourceKind.FLOPS).value(), r.after, 0.0);
        assertEquals(java.util.List.of("conv"), r.removed);
        assertEquals(3, TopK.keptSize(operator(net, "conv").ratio(), 4));
        assertFalse(operator(net, "conv").mask().kept()[1], "the least important conv channel must be the one removed");
        assertEquals(5, TopK.keptSize(operator(net, "dense").ratio(), 5));
    }

    @Test
    void shrinksAResidualGraphAndStopsAtOneElementPerOperator() {
        ComputationGraph graph = ResourceTestNetworks.residualGraph();
        ResourceModel model = ResourceModel.of(graph, ResourceTestNetworks.RESIDUAL_INPUT);
        double full = model.full(ResourceKind.PARAMS);
        BudgetFit.Result half = BudgetFit.fit(model, ResourceKind.PARAMS, 0.6 * full, 0.02);
        assertTrue(half.withinBudget, half.toString());
        assertTrue(half.after <= 0.6 * full * 1.02 && half.after < full, half.toString());
        int widthKept = OperatorState.operators(graph).stream().filter(op -> !op.isDepthOperator())
                .mapToInt(op -> TopK.keptSize(op.ratio(), op.operatorSize())).sum();
        assertEquals(4 + 3 + 3 - widthKept, half.removed.size());

        // A budget below the smallest buildable network: every width operator ends with one element, and
        // the result says the budget is not met.
        BudgetFit.Result impossible = BudgetFit.fit(model, ResourceKind.PARAMS, 1.0, 0.0);
        assertFalse(impossible.withinBudget);
        for (TopkOperator op : OperatorState.operators(graph)) {
            assertEquals(op.isDepthOperator() ? 2 : 1, TopK.keptSize(op.ratio(), op.operatorSize()), op.operatorName());
        }
        assertTrue(impossible.toString().contains("still above the budget"), impossible.toString());
    }

    /**
     * A structure below its budget gets back the pruned element with the most importance per FLOP, one at a time,
     * while it stays at most at the target; one above the target, or with no step that fits, is left alone.
     */
    @Test
    void growsAStructureBelowTheBudgetBackTowardsItWithoutPassingIt() {
        MultiLayerNetwork net = ResourceTestNetworks.searchableStack();
        ResourceModel model = ResourceModel.of(net, ResourceTestNetworks.STACK_INPUT);
        TopkOperator conv = operator(net, "conv");
        TopkOperator dense = operator(net, "dense");
        conv.setImportance(new double[] {5.0, 0.01, 4.0, 6.0});
        dense.setImportance(new double[] {0.01, 1.1, 0.02, 1.2, 1.05});
        for (TopkOperator op : OperatorState.operators(net)) {
            op.setHardMask(true);
        }
        double full = model.full(ResourceKind.FLOPS);
        // conv keeps 2 of 4 (channels 3 and 0), dense 3 of 5.
        conv.setRatio(BudgetFit.ratioFor(2, 4));
        dense.setRatio(BudgetFit.ratioFor(3, 5));
        double small = model.evaluate(ResourceKind.FLOPS).value();
        conv.setRatio(BudgetFit.ratioFor(3, 4));
        double convGrown = model.evaluate(ResourceKind.FLOPS).value();
        conv.setRatio(BudgetFit.ratioFor(2, 4));
        dense.setRatio(BudgetFit.ratioFor(4, 5));
        double denseGrown = model.evaluate(ResourceKind.FLOPS).value();
        dense.setRatio(BudgetFit.ratioFor(3, 5));
        assertTrue(small < denseGrown && denseGrown < convGrown, small + " " + denseGrown + " " + convGrown);

        // Room for the conv channel or the dense feature, not for both: the conv channel (importance 4 against a kept
        // mean of 5.5) is worth more per FLOP than the dense feature (0.02 against 1.12), though it costs more.
        double target = convGrown + 0.5 * (denseGrown - small);
        BudgetFit.Result r = BudgetFit.fill(model, ResourceKind.FLOPS, target);
        assertEquals(java.util.List.of("conv"), r.added, r.toString());
        assertTrue(r.removed.isEmpty());
        assertEquals(small, r.before, 0.0);
        assertEquals(convGrown, r.after, 0.0);
        assertTrue(r.withinBudget && r.after <= target, r.toString());
        assertEquals(3, TopK.keptSize(conv.ratio(), 4));
        assertTrue(conv.mask().kept()[2], "the conv channel added back is the most important pruned one");
        assertFalse(conv.mask().kept()[1]);
        assertTrue(r.toString().contains("1 element(s) added back"), r.toString());

        // Room for everything: grows to the full network, and nothing above the target is touched.
        BudgetFit.Result all = BudgetFit.fill(model, ResourceKind.FLOPS, full);
        assertEquals(full, all.after, 0.0);
        assertEquals(1 + 2, all.added.size(), all.toString());
        assertEquals(0, BudgetFit.fill(model, ResourceKind.FLOPS, 0.5 * full).added.size());
        assertEquals(full, model.evaluate(ResourceKind.FLOPS).value(), 0.0);

        // No single step fits: left as it is.
        conv.setRatio(BudgetFit.ratioFor(2, 4));
        dense.setRatio(BudgetFit.ratioFor(3, 5));
        BudgetFit.Result none = BudgetFit.fill(model, ResourceKind.FLOPS, small + 0.5 * (denseGrown - small));
        assertTrue(none.added.isEmpty(), none.toString());
        assertEquals(small, model.evaluate(ResourceKind.FLOPS).value(), 0.0);
    }

    @Test
    void badTargetsAreRejectedWithTheValue() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.searchableStack(), ResourceTestNetworks.STACK_INPUT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BudgetFit.fit(model, ResourceKind.FLOPS, Double.NaN, 0.0));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BudgetFit.fit(model, ResourceKind.FLOPS, 10, -0.5));
        assertTrue(e.getMessage().contains("-0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BudgetFit.fill(model, ResourceKind.FLOPS, -3));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
    }
}
