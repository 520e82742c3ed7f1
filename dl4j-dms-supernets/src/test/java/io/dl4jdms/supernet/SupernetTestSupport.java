package io.dl4jdms.supernet;

import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.MaskLayer;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.WidthMaskVertex;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the supernet tests: reading a configuration, random data, operator set-up. */
final class SupernetTestSupport {

    private SupernetTestSupport() {
    }

    /** The layer configuration of vertex {@code name}, failing if there is none. */
    static Layer layer(ComputationGraphConfiguration conf, String name) {
        GraphVertex vertex = conf.getVertices().get(name);
        assertTrue(vertex instanceof LayerVertex, "'" + name + "' is not a layer vertex: " + vertex);
        return ((LayerVertex) vertex).getLayerConf().getLayer();
    }

    /** The size N of the mask layer (width or depth operator) {@code name}. */
    static int maskSize(ComputationGraphConfiguration conf, String name) {
        return ((MaskLayer) layer(conf, name)).getSize();
    }

    /** The {@code nOut} of layer {@code name}. */
    static long nOut(ComputationGraphConfiguration conf, String name) {
        return ((FeedForwardLayer) layer(conf, name)).getNOut();
    }

    /** The names of the layers of a given configuration class (exactly that class or a subclass), sorted. */
    static List<String> layersOf(ComputationGraphConfiguration conf, Class<?> kind) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : new TreeMap<>(conf.getVertices()).entrySet()) {
            if (e.getValue() instanceof LayerVertex
                    && kind.isInstance(((LayerVertex) e.getValue()).getLayerConf().getLayer())) {
                names.add(e.getKey());
            }
        }
        return names;
    }

    /** The names of the non-layer vertices of a given class, sorted. */
    static List<String> verticesOf(ComputationGraphConfiguration conf, Class<? extends GraphVertex> kind) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : new TreeMap<>(conf.getVertices()).entrySet()) {
            if (kind.isInstance(e.getValue())) {
                names.add(e.getKey());
            }
        }
        return names;
    }

    /** The {@link WidthMaskVertex} vertices that read width group {@code group}, sorted. */
    static List<String> maskedBy(ComputationGraphConfiguration conf, String group) {
        List<String> names = new ArrayList<>();
        for (String v : verticesOf(conf, WidthMaskVertex.class)) {
            if (conf.getVertexInputs().get(v).get(1).equals(group)) {
                names.add(v);
            }
        }
        return names;
    }

    /** The inputs of vertex {@code name}. */
    static List<String> inputs(ComputationGraphConfiguration conf, String name) {
        List<String> inputs = conf.getVertexInputs().get(name);
        assertNotNull(inputs, "no vertex '" + name + "'");
        return inputs;
    }

    /** The block index of the {@link GatedResidual} {@code name}. */
    static int gatedBlock(ComputationGraphConfiguration conf, String name) {
        return ((GatedResidual) conf.getVertices().get(name)).getBlock();
    }

    /**
     * Gives every operator distinct importances in a random order (at least 0.09 apart, so a finite
     * difference never swaps two ranks) and the ratio {@code ratio}: the masks are soft and not all ones.
     */
    static void randomizeOperators(ComputationGraph net, double ratio, long seed) {
        Random r = new Random(seed);
        for (TopkOperator op : OperatorState.operators(net)) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < op.operatorSize(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, r);
            double[] c = new double[order.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = 0.1 * (order.get(i) + 1) + 0.01 * r.nextDouble();
            }
            op.setImportance(c);
            op.setRatio(ratio);
        }
    }

    /** Random features in [-1, 1) of shape {@code [batch, channels, height, width]} and cycling one-hot labels. */
    static DataSet randomData(DataType type, long seed, int batch, int channels, int height, int width, int classes) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.rand(type, batch, channels, height, width).subi(0.5).muli(2);
        INDArray labels = Nd4j.zeros(type, batch, classes);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, (i * 2 + 1) % classes, 1.0);
        }
        return new DataSet(features, labels);
    }

    /** Inits a network, fits it on {@code batches} random batches, and checks every score is finite. */
    static ComputationGraph fitRandom(ComputationGraphConfiguration conf, int batches, int batch, int channels,
                                      int height, int width, int classes) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        for (int i = 0; i < batches; i++) {
            net.fit(randomData(DataType.FLOAT, 100 + i, batch, channels, height, width, classes));
            assertTrue(Double.isFinite(net.score()), "score after batch " + i + " is " + net.score());
        }
        return net;
    }

    /** Saves and restores a network with {@code ModelSerializer} and checks parameters and outputs are identical. */
    static void assertSerializerRoundTrip(ComputationGraph net, INDArray features, File dir) throws IOException {
        File file = new File(dir, "supernet.zip");
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(net.getConfiguration(), restored.getConfiguration());
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(net.outputSingle(features), restored.outputSingle(features));
    }

    /**
     * Inits a supernet on {@code 2 x 8 x 8} inputs with 3 classes, gives its operators soft masks, fits it on
     * one random batch, then checks its {@code ModelSerializer} round trip.
     */
    static void assertTrainedSerializerRoundTrip(ComputationGraphConfiguration conf, File dir) throws IOException {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        randomizeOperators(net, 0.3, 5);
        net.fit(randomData(DataType.FLOAT, 3, 4, 2, 8, 8, 3));
        Nd4j.getRandom().setSeed(8);
        INDArray features = Nd4j.rand(DataType.FLOAT, 3, 2, 8, 8);
        assertSerializerRoundTrip(net, features, dir);
    }

    /** Checks the JSON round trip of a configuration is exact. */
    static void assertJsonRoundTrip(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, restored);
        assertEquals(conf.toJson(), restored.toJson());
    }
}
