package io.dl4jdms.supernet;

import io.dl4jdms.layers.TopkDense;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlpSupernetTest {

    private static Layer layer(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }

    @Test
    void hiddenTopkDenseLayersAreEnlargedByTheWidthMultiplier() {
        ComputationGraphConfiguration conf = new MlpSupernet.Builder().inputs(7).classes(3).hiddenWidths(20, 10)
                .widthMultiplier(1.5).build();
        assertInstanceOf(TopkDense.class, layer(conf, "fc1"));
        assertEquals(30, ((TopkDense) layer(conf, "fc1")).getNOut());
        assertEquals(15, ((TopkDense) layer(conf, "fc2")).getNOut());
        assertEquals(3, ((OutputLayer) layer(conf, "out")).getNOut());
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));

        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        INDArray out = net.outputSingle(Nd4j.rand(DataType.FLOAT, 4, 7));
        assertArrayEquals(new long[] {4, 3}, out.shape());
        assertEquals(4.0, out.sumNumber().doubleValue(), 1e-4, "softmax rows sum to 1");
    }

    @Test
    void badValuesAreNamed() {
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class,
                () -> new MlpSupernet.Builder().hiddenWidths(8, 0));
        assertTrue(widths.getMessage().contains("[8, 0]"), widths.getMessage());
        IllegalArgumentException classes = assertThrows(IllegalArgumentException.class,
                () -> new MlpSupernet.Builder().classes(1));
        assertTrue(classes.getMessage().contains("got 1"), classes.getMessage());
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> new MlpSupernet.Builder().classes(2).build());
        assertTrue(unset.getMessage().contains("inputs"), unset.getMessage());
    }
}
