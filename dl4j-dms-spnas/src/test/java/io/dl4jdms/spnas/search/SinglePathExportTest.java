package io.dl4jdms.spnas.search;

import io.dl4jdms.supernet.SinglePathSupernet;

import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.latency.LatencyModel;
import io.dl4jdms.spnas.latency.LatencyTestSupport;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exported plain network computes what the supernet computes with hard indicators. */
class SinglePathExportTest {

    /** 12x12x1 input, stem 8 with stride 2; s1b0 8->8 (residual, skippable), s2b0 8->12 stride 2, s2b1 12->12. */
    static SinglePathSupernet small(DataType type) {
        return SinglePathSupernet.builder().input(12, 12, 1).classes(3).stem(8, 2)
                .stages(new int[] {8, 12}, new int[] {1, 2}, new int[] {1, 2}).kernelSizes(3, 5, 7)
                .expansionRatios(3, 6).headWidth(16).dataType(type).updater(new Adam(1e-2))
                .thresholdUpdater(new Adam(0.05)).seed(7).build();
    }

    static DataSet data(DataType type, int n) {
        Nd4j.getRandom().setSeed(5);
        INDArray features = Nd4j.rand(type, n, 1, 12, 12);
        INDArray labels = Nd4j.zeros(type, n, 3);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(features, labels);
    }

    static void place(ComputationGraph net, String block, double[] kernelOffsets, double[] expansionOffsets) {
        LatencyTestSupport.placeThresholds(net.getLayer(block), kernelOffsets, expansionOffsets);
    }

    private static ComputationGraph trained(SinglePathSupernet supernet, DataType type) {
        ComputationGraph net = new ComputationGraph(supernet.configuration());
        net.init();
        DataSet data = data(type, 8);
        for (int i = 0; i < 3; i++) {
            net.fit(data);
        }
        return net;
    }

    @Test
    void exportedNetworkMatchesTheSupernetWithHardIndicators() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            SinglePathSupernet supernet = small(type);
            ComputationGraph net = trained(supernet, type);
            // s1b0: 5x5 with ratio 6; s2b0: 3x3 with ratio 3; s2b1: 7x7 with ratio 3.
            place(net, "s1b0", new double[] {0.5, -0.5}, new double[] {0.5, 0.5});
            place(net, "s2b0", new double[] {-0.5, 0.5}, new double[] {-0.5});
            place(net, "s2b1", new double[] {0.5, 0.5}, new double[] {0.5, -0.5});
            Map<String, SuperkernelChoice> choices = LatencyModel.choices(net);
            assertEquals("5x5 e6 (48 channels)", choices.get("s1b0").toString());
            assertEquals("3x3 e3 (24 channels)", choices.get("s2b0").toString());
            assertEquals("7x7 e3 (36 channels)", choices.get("s2b1").toString());

            ComputationGraph plain = SinglePathExport.export(supernet, net);
            for (Layer layer : plain.getLayers()) {
                assertFalse(layer instanceof SuperkernelOperator, layer.conf().getLayer().getLayerName());
            }
            assertEquals(DepthwiseConvolution2D.class, plain.getLayer("s2b0").conf().getLayer().getClass());
            assertArrayEquals(new long[] {3, 3, 24, 1}, plain.getParam("s2b0_W").shape());
            assertArrayEquals(new long[] {7, 7, 36, 1}, plain.getParam("s2b1_W").shape());
            assertTrue(plain.numParams() < net.numParams());

            INDArray input = data(type, 8).getFeatures();
            INDArray expected = net.outputSingle(false, input);
            INDArray actual = plain.outputSingle(false, input);
            double difference = expected.sub(actual).amaxNumber().doubleValue();
            assertTrue(difference <= 1e-4, type + ": max difference " + difference);
        }
    }

    @Test
    void skippedBlocksDisappear() {
        SinglePathSupernet supernet = small(DataType.DOUBLE);
        ComputationGraph net = trained(supernet, DataType.DOUBLE);
        place(net, "s1b0", new double[] {-0.5, -0.5}, new double[] {-0.5, 0.5});
        place(net, "s2b1", new double[] {-0.5, -0.5}, new double[] {-0.5, 0.5});
        assertTrue(((SuperkernelOperator) net.getLayer("s1b0")).choice().skip());
        // s2b1 (12 -> 12, stride 1) has a residual too.
        assertTrue(((SuperkernelOperator) net.getLayer("s2b1")).choice().skip());
        ComputationGraph plain = SinglePathExport.export(supernet, net);
        var vertices = plain.getConfiguration().getVertices().keySet();
        assertFalse(vertices.contains("s1b0") || vertices.contains("s1b0_expand") || vertices.contains("s2b1_project"),
                vertices.toString());
        assertTrue(vertices.contains("s2b0"));
        INDArray input = data(DataType.DOUBLE, 4).getFeatures();
        double difference = net.outputSingle(false, input).sub(plain.outputSingle(false, input)).amaxNumber()
                .doubleValue();
        assertTrue(difference <= 1e-10, "max difference " + difference);
    }
}
