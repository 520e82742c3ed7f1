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

    @Test
    void badTargetsAreRejectedWithTheValue() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.searchableStack(), ResourceTestNetworks.STACK_INPUT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BudgetFit.fit(model, ResourceKind.FLOPS, Double.NaN, 0.0));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BudgetFit.fit(model, ResourceKind.FLOPS, 10, -0.5));
        assertTrue(e.getMessage().contains("-0.5"), e.getMessage());
    }
}
