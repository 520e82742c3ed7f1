package io.dl4jdms.export;

import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the export tests. */
final class ExportTestSupport {

    /** The largest difference accepted between the float slim network and the hard-masked supernet. */
    static final double FLOAT_TOLERANCE = 1e-4;
    /** The same in double precision: only rounding differences are expected. */
    static final double DOUBLE_TOLERANCE = 1e-9;

    private ExportTestSupport() {
    }

    static double tolerance(DataType type) {
        return type == DataType.DOUBLE ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
    }

    /**
     * Gives a supernet a searched look: distinct random importances and the ratio {@code ratio} for every
     * operator, and random values for every bias and normalisation parameter (running statistics
     * included), so that every copied parameter matters.
     */
    static void searched(Model net, double ratio, long seed) {
        Random random = new Random(seed);
        for (Layer layer : layers(net)) {
            if (layer instanceof TopkOperator) {
                TopkOperator operator = (TopkOperator) layer;
                List<Double> importance = new ArrayList<>();
                for (int i = 0; i < operator.operatorSize(); i++) {
                    importance.add(i + 0.5 * random.nextDouble());
                }
                Collections.shuffle(importance, random);
                operator.setImportance(importance.stream().mapToDouble(Double::doubleValue).toArray());
                operator.setRatio(ratio);
            }
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                INDArray p = e.getValue();
                switch (e.getKey()) {
                    case "b":
                    case "beta":
                    case "mean":
                        fill(p, random, -0.5, 0.5);
                        break;
                    case "gamma":
                        fill(p, random, 0.5, 1.5);
                        break;
                    case "var":
                        fill(p, random, 0.3, 2.0);
                        break;
                    default:
                }
            }
        }
    }

    private static void fill(INDArray p, Random random, double low, double high) {
        for (long i = 0; i < p.length(); i++) {
            p.putScalar(i, low + (high - low) * random.nextDouble());
        }
    }

    static Layer[] layers(Model net) {
        return net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getLayers()
                : ((ComputationGraph) net).getLayers();
    }

    static INDArray features(DataType type, long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(type, shape);
    }

    static INDArray labels(DataType type, int examples, int classes) {
        INDArray labels = Nd4j.zeros(type, examples, classes);
        for (int i = 0; i < examples; i++) {
            labels.putScalar(i, i % classes, 1.0);
        }
        return labels;
    }

    /** The configuration of the layer {@code name} of a network. */
    static org.deeplearning4j.nn.conf.layers.Layer layerConf(Model net, String name) {
        Layer layer = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getLayer(name)
                : ((ComputationGraph) net).getLayer(name);
        return layer.conf().getLayer();
    }

    /** Layer {@code name} is of the stock class {@code type} with these sizes. */
    static void assertSizes(Model net, String name, Class<?> type, long nIn, long nOut) {
        org.deeplearning4j.nn.conf.layers.Layer layer = layerConf(net, name);
        assertEquals(type, layer.getClass(), name + " must be the stock class");
        assertEquals(nIn, ((FeedForwardLayer) layer).getNIn(), name + " nIn");
        assertEquals(nOut, ((FeedForwardLayer) layer).getNOut(), name + " nOut");
    }

    /** The configuration JSON of a slim network names no class of this project. */
    static void assertPlainDl4j(Model slim) {
        String json = slim instanceof MultiLayerNetwork ? ((MultiLayerNetwork) slim).getLayerWiseConfigurations().toJson()
                : ((ComputationGraph) slim).getConfiguration().toJson();
        assertFalse(json.contains("io.dl4jdms"), "the slim configuration names a class of ours:\n" + json);
        for (Layer layer : layers(slim)) {
            assertFalse(layer.getClass().getName().startsWith("io.dl4jdms"), layer.getClass().getName());
        }
    }

    /** Saves with ModelSerializer, restores, and checks parameters and outputs are identical. */
    static void assertModelSerializerRoundTrip(Model slim, File dir, INDArray features) throws IOException {
        File file = new File(dir, "slim.zip");
        ModelSerializer.writeModel(slim, file, true);
        if (slim instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) slim;
            MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
            assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
            assertEquals(net.params(), restored.params());
            assertEquals(net.output(features, false), restored.output(features, false));
        } else {
            ComputationGraph net = (ComputationGraph) slim;
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
            assertEquals(net.getConfiguration(), restored.getConfiguration());
            assertEquals(net.params(), restored.params());
            assertArrayEquals(net.output(false, features), restored.output(false, features));
        }
    }

    /** One training step runs on the slim network (its updaters and configuration are usable). */
    static void assertTrains(Model slim, INDArray features, INDArray labels) {
        INDArray before = slim.params().dup();
        if (slim instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) slim).fit(features, labels);
        } else {
            ((ComputationGraph) slim).fit(new INDArray[] {features}, new INDArray[] {labels});
        }
        assertTrue(Double.isFinite(slim.score()), "score " + slim.score());
        assertFalse(before.equals(slim.params()), "a training step changed no parameter");
    }
}
