package io.dl4jdms.search;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.topk.TopK;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The baseline of the pretrained pipelines: uniform magnitude pruning to a FLOPs target. */
class UniformPruningTest {

    @Test
    void everyWidthKeepsTheSameFractionByFilterNormAtTheTargetFlops() throws IOException {
        SearchData data = SearchData.load(null, 1).subset(5, 2);
        ComputationGraph net = new ComputationGraph(DefaultSupernet.configuration(data, 1.0, 1.0, 3));
        net.init();
        ResourceModel model = ResourceModel.of(net, data.inputType());
        double full = model.full(ResourceKind.FLOPS);
        for (double target : new double[] {0.5, 0.25}) {
            UniformPruning.Result r = UniformPruning.prune(net, model, target * full, 0.01);
            double flops = model.evaluate(ResourceKind.FLOPS).value();
            assertEquals(flops, r.flops, 1e-6);
            assertTrue(flops <= 1.01 * target * full && flops >= 0.95 * target * full, target + ": " + flops / full);
            int widths = 0;
            int offUniform = 0;
            for (TopkOperator op : model.operators()) {
                assertTrue(op.isHardMask());
                int n = op.operatorSize();
                int k = TopK.keptSize(op.ratio(), n);
                if (op.isDepthOperator()) {
                    assertEquals(n, k, op.operatorName() + ": every block is kept");
                    continue;
                }
                widths++;
                offUniform += Math.max(1, Math.round(r.keptFraction * n)) - k;
                // The kept channels are those of the largest filter norms.
                double[] norms = UniformPruning.filterNorms(net, op);
                double[] sorted = norms.clone();
                Arrays.sort(sorted);
                boolean[] kept = op.mask().kept();
                for (int i = 0; i < n; i++) {
                    assertEquals(norms[i] >= sorted[n - k], kept[i], op.operatorName() + " channel " + i);
                }
            }
            assertTrue(widths >= 5, "width operators: " + widths);
            assertEquals(r.budgetFitRemoved, offUniform, "only the budget fit departs from the uniform cut");
            ComputationGraph slim = SlimExporter.export(net);
            assertEquals(flops, PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.FLOPS, data.inputType()),
                    1e-6 * flops);
            assertTrue(SlimExporter.maxAbsDiffVsHardMasked(net, slim, data.test(20)) <= 1e-4);
        }
        assertThrows(IllegalArgumentException.class, () -> UniformPruning.prune(net, model, 0, 0.01));
    }
}
