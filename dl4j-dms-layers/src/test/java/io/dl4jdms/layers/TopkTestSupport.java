package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Helpers shared by the tests of the searchable layers. */
final class TopkTestSupport {

    private TopkTestSupport() {
    }

    /** The layer implementations of a network that carry a top-k operator, in layer order. */
    static List<Layer> operatorLayers(Model net) {
        Layer[] layers = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getLayers()
                : ((ComputationGraph) net).getLayers();
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof TopkOperator) {
                out.add(l);
            }
        }
        assertFalse(out.isEmpty(), "the network has no top-k operator");
        return out;
    }

    /** The prefix of a layer's keys in the network's parameter and gradient tables. */
    static String prefix(Model net, Layer layer) {
        return net instanceof MultiLayerNetwork ? String.valueOf(layer.getIndex()) : layer.conf().getLayer().getLayerName();
    }

    /** The network-level keys of one parameter (e.g. "a") of every top-k layer. */
    static Set<String> operatorKeys(Model net, String... keys) {
        Set<String> out = new LinkedHashSet<>();
        for (Layer l : operatorLayers(net)) {
            for (String key : keys) {
                if (l.paramTable().containsKey(key)) {
                    out.add(prefix(net, l) + "_" + key);
                }
            }
        }
        return out;
    }

    /**
     * Gives every operator distinct importances (a random order, at least 0.09 apart, so a finite
     * difference never swaps two ranks) and the given ratio.
     */
    static void randomizeOperators(Model net, double ratio, long seed) {
        Random r = new Random(seed);
        for (Layer l : operatorLayers(net)) {
            TopkOperator op = (TopkOperator) l;
            op.setImportance(distinctImportances(op.operatorSize(), r));
            op.setRatio(ratio);
        }
    }

    static double[] distinctImportances(int n, Random r) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, r);
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            c[i] = 0.1 * (order.get(i) + 1) + 0.01 * r.nextDouble();
        }
        return c;
    }

    static INDArray randomInput(DataType type, long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(type, shape).subi(0.5).muli(2);
    }

    static INDArray oneHot(DataType type, int batch, int classes) {
        INDArray labels = Nd4j.zeros(type, batch, classes);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, (i * 2 + 1) % classes, 1.0);
        }
        return labels;
    }

    static double[] doubles(INDArray a) {
        return a.dup().reshape(a.length()).toDoubleVector();
    }
}
