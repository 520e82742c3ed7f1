package io.dl4jdms.export;

import io.dl4jdms.convert.DmsSupernet;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.resource.ResourceValue;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.ResNet50;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;

import static io.dl4jdms.export.ExportTestSupport.assertPlainDl4j;
import static io.dl4jdms.export.ExportTestSupport.features;
import static io.dl4jdms.export.ExportTestSupport.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deeplearning4j-zoo architectures (built without pretrained weights, small input, 10 classes) converted
 * with {@link DmsSupernet}, searched for 20 iterations towards half the FLOPs on random data, exported
 * and checked: the slim network computes what the hard-masked supernet computes, the resource model and
 * the plain counter agree on both, and the slim zip loads with plain DL4J.
 */
class ConvertedNetworkTest {

    static final int CLASSES = 10;
    static final int ITERATIONS = 20;

    @Test
    void zooResNet50(@TempDir File dir) throws Exception {
        // The zoo's ResNet50 ends with a 3x3 pooling of the last stage: 136x136 is about the smallest input.
        int size = 136;
        ComputationGraph stock = ResNet50.builder().numClasses(CLASSES).inputShape(new int[] {3, size, size})
                .build().init();
        DmsSupernet converted = DmsSupernet.builder().convert(stock);
        System.out.println("ResNet50: " + converted.summary());
        // Stages 2 to 5 have 2, 3, 5 and 2 identity blocks, each stage's blocks one depth operator.
        assertEquals(4, converted.depths().size(), converted.summary());
        assertEquals(12, converted.depths().stream().mapToInt(d -> d.blocks().size()).sum());
        checkSearchAndExport("ResNet50", stock, converted.graph(), InputType.convolutional(size, size, 3), dir, 2);
    }

    @Test
    void zooDarknet19(@TempDir File dir) throws Exception {
        int size = 64;
        ComputationGraph stock = Darknet19.builder().numClasses(CLASSES).inputShape(new int[] {3, size, size})
                .build().init();
        DmsSupernet converted = DmsSupernet.builder().convert(stock);
        System.out.println("Darknet19: " + converted.summary());
        checkSearchAndExport("Darknet19", stock, converted.graph(), InputType.convolutional(size, size, 3), dir, 2);
    }

    /** Search, export and the checks of every converted network; returns the slim network. */
    static Model checkSearchAndExport(String what, Model stock, Model supernet, InputType input, File dir, int batch)
            throws Exception {
        boolean graph = supernet instanceof ComputationGraph;
        ResourceModel model = graph ? ResourceModel.of((ComputationGraph) supernet, input)
                : ResourceModel.of((MultiLayerNetwork) supernet, input);
        for (ResourceKind kind : new ResourceKind[] {ResourceKind.FLOPS, ResourceKind.PARAMS}) {
            // The conversion changes no cost: the supernet's full figures are the stock network's.
            double stockCount = plainCount(stock, input, kind);
            assertEquals(stockCount, model.full(kind), 1e-9 * stockCount, what + " " + kind + ": supernet vs stock");
            assertEquals(plainCount(supernet, input, kind), model.full(kind), 1e-9 * stockCount,
                    what + " " + kind + ": resource model vs plain counter on the supernet");
        }

        long[] shape = input.getShape(true);
        shape[0] = batch;
        INDArray x = features(DataType.FLOAT, 7, shape);
        DataSet data = new DataSet(x, labels(DataType.FLOAT, batch, CLASSES));
        ResourceLossListener resource = ResourceLossListener.builder(model).flops().targetFraction(0.5).weight(5)
                .build();
        supernet.setListeners(new TaylorImportanceListener(), resource);
        long start = System.nanoTime();
        for (int i = 0; i < ITERATIONS; i++) {
            fit(supernet, data);
        }
        ResourceValue flops = model.evaluate(ResourceKind.FLOPS);
        System.out.printf("%s: %d iterations in %.1f s, FLOPs fraction %.3f (soft %.3f)%n", what, ITERATIONS,
                (System.nanoTime() - start) / 1e9, flops.fraction(), flops.softValue() / flops.full());
        assertTrue(flops.softValue() < flops.full(), what + ": the search moved no ratio towards the budget");
        assertTrue(Double.isFinite(supernet.score()), what + ": score " + supernet.score());

        Model slim = graph ? SlimExporter.export((ComputationGraph) supernet)
                : SlimExporter.export((MultiLayerNetwork) supernet);
        double diff = graph ? SlimExporter.maxAbsDiffVsHardMasked((ComputationGraph) supernet, (ComputationGraph) slim, x)
                : SlimExporter.maxAbsDiffVsHardMasked((MultiLayerNetwork) supernet, (MultiLayerNetwork) slim, x);
        System.out.printf("%s: %d -> %d parameters, max |slim - hard-masked supernet| = %.3e%n", what,
                supernet.numParams(), slim.numParams(), diff);
        assertTrue(diff <= ExportTestSupport.FLOAT_TOLERANCE, what + ": max |diff| " + diff);
        assertPlainDl4j(slim);
        for (ResourceKind kind : new ResourceKind[] {ResourceKind.FLOPS, ResourceKind.PARAMS}) {
            double value = model.evaluate(kind).value();
            assertEquals(value, plainCount(slim, input, kind), 1e-9 * value,
                    what + " " + kind + ": resource model (hard masks) vs plain counter on the slim network");
        }
        INDArray expected = graph ? ((ComputationGraph) slim).outputSingle(false, x)
                : ((MultiLayerNetwork) slim).output(x, false);
        assertTrue(expected.getRow(0).sub(expected.getRow(1)).amaxNumber().doubleValue() > 0,
                what + ": the output does not depend on the input, the comparison would prove nothing");
        PlainDl4jLoadTest.assertSameOutputInPlainJvm(graph ? "cg" : "mln", slim, expected, x, dir);
        return slim;
    }

    static double plainCount(Model net, InputType input, ResourceKind kind) {
        return net instanceof ComputationGraph
                ? PlainNetworkCounter.count(((ComputationGraph) net).getConfiguration(), kind, input)
                : PlainNetworkCounter.count(((MultiLayerNetwork) net).getLayerWiseConfigurations(), input, kind);
    }

    private static void fit(Model net, DataSet data) {
        if (net instanceof ComputationGraph) {
            ((ComputationGraph) net).fit(data);
        } else {
            ((MultiLayerNetwork) net).fit(data);
        }
    }
}
