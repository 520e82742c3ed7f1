package io.dl4jdms.search;

import io.dl4jdms.pipeline.SearchData;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DefaultSupernetTest {

    private static SearchData data;

    @BeforeAll
    static void load() throws IOException {
        data = SearchData.load(null, 1).subset(5, 5);
    }

    @Test
    void searchedSupernetExportsExactlyWithTheModelsFlops() {
        ComputationGraph net = new ComputationGraph(DefaultSupernet.configuration(data, 1.0, 1.0, 3));
        net.init();
        Random random = new Random(2);
        for (TopkOperator op : OperatorState.operators(net)) {
            double[] c = new double[op.operatorSize()];
            for (int i = 0; i < c.length; i++) {
                c[i] = random.nextDouble();
            }
            op.setImportance(c);
            op.setRatio(0.45);
        }
        InputType input = InputType.convolutional(28, 28, 1);
        ResourceModel model = ResourceModel.of(net, input);
        ComputationGraph slim = SlimExporter.export(net);
        assertEquals(model.evaluate(ResourceKind.FLOPS).value(),
                PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.FLOPS, input), 0);
        assertEquals(model.evaluate(ResourceKind.PARAMS).value(),
                PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.PARAMS, input), 0);
        double diff = SlimExporter.maxAbsDiffVsHardMasked(net, slim, data.testSet().getFeatures());
        assertTrue(diff <= 1e-4, "max |diff| " + diff);
    }

    @Test
    void uniformBaselineComesCloseToTheRequestedFlops() {
        InputType input = InputType.convolutional(28, 28, 1);
        ComputationGraph full = new ComputationGraph(DefaultSupernet.configuration(data, 1.0, 1.0, 3));
        full.init();
        double half = 0.5 * ResourceModel.of(full, input).full(ResourceKind.FLOPS);
        DefaultSupernet.Baseline baseline = DefaultSupernet.uniformBaseline(data, half, 1.5, 3, input);
        double flops = PlainNetworkCounter.count(baseline.network.getConfiguration(), ResourceKind.FLOPS, input);
        assertTrue(Math.abs(flops / half - 1) < 0.1, "baseline " + flops + " vs " + half);
        assertTrue(baseline.widthMultiplier > 0.5 && baseline.widthMultiplier < 0.9, "x" + baseline.widthMultiplier);
    }
}
