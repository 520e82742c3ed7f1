package io.dl4jdms.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Helpers shared by the tests of the searchable layers. */
final class TopkTestSupport {

    /** The two kinds of network a layer is tested in. */
    enum Kind { MLN, CG }

    private TopkTestSupport() {
    }

    /**
     * Makes double the default data type for the tests of a class, restoring the previous defaults after
     * them: {@code @ExtendWith(TopkTestSupport.DoublePrecision.class)}.
     */
    static final class DoublePrecision implements BeforeAllCallback, AfterAllCallback {

        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DoublePrecision.class);

        @Override
        public void beforeAll(ExtensionContext context) {
            context.getStore(NAMESPACE).put("previous", new DataType[] {Nd4j.dataType(), Nd4j.defaultFloatingPointType()});
            Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            DataType[] previous = context.getStore(NAMESPACE).get("previous", DataType[].class);
            Nd4j.setDefaultDataTypes(previous[0], previous[1]);
        }
    }

    /** A {@code MultiLayerConfiguration} of the layers in order. */
    static MultiLayerConfiguration chain(NeuralNetConfiguration.Builder base,
                                         Collection<org.deeplearning4j.nn.conf.layers.Layer> layers, InputType inputType) {
        NeuralNetConfiguration.ListBuilder list = base.list();
        layers.forEach(list::layer);
        return list.setInputType(inputType).build();
    }

    /** A {@code ComputationGraphConfiguration} of the layers in a chain from input {@code in}, by name. */
    static ComputationGraphConfiguration chainGraph(NeuralNetConfiguration.Builder base,
                                                    Map<String, org.deeplearning4j.nn.conf.layers.Layer> layers,
                                                    InputType inputType) {
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder().addInputs("in");
        String previous = "in";
        for (Map.Entry<String, org.deeplearning4j.nn.conf.layers.Layer> e : layers.entrySet()) {
            g.addLayer(e.getKey(), e.getValue(), previous);
            previous = e.getKey();
        }
        return g.setOutputs(previous).setInputTypes(inputType).build();
    }

    /** The chain of layers as an initialised network of the given kind (ND4J's random seed 12345 first). */
    static Model network(Kind kind, NeuralNetConfiguration.Builder base,
                         Map<String, org.deeplearning4j.nn.conf.layers.Layer> layers, InputType inputType) {
        Nd4j.getRandom().setSeed(12345);
        Model net = kind == Kind.MLN ? new MultiLayerNetwork(chain(base, layers.values(), inputType))
                : new ComputationGraph(chainGraph(base, layers, inputType));
        net.init();
        return net;
    }

    /** The raw (summed over the batch) gradient of the score for one batch. */
    static Gradient gradient(Model net, INDArray input, INDArray labels) {
        if (net instanceof MultiLayerNetwork) {
            MultiLayerNetwork mln = (MultiLayerNetwork) net;
            mln.setInput(input);
            mln.setLabels(labels);
            mln.computeGradientAndScore();
            return mln.gradient();
        }
        ComputationGraph cg = (ComputationGraph) net;
        cg.setInputs(input);
        cg.setLabels(labels);
        cg.computeGradientAndScore();
        return cg.gradient();
    }

    /**
     * DL4J's gradient check (central differences of step {@code epsilon}, absolute errors below 1e-8
     * forgiven) of every parameter but the excluded ones, printing the failures.
     */
    static boolean checkGradients(Model net, INDArray input, INDArray labels, double epsilon, double maxRelError,
                                  Set<String> excluded) {
        if (net instanceof MultiLayerNetwork) {
            return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net((MultiLayerNetwork) net)
                    .input(input).labels(labels).epsilon(epsilon).maxRelError(maxRelError).minAbsoluteError(1e-8)
                    .excludeParams(excluded).print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        }
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net((ComputationGraph) net)
                .inputs(new INDArray[] {input}).labels(new INDArray[] {labels}).epsilon(epsilon).maxRelError(maxRelError)
                .minAbsoluteError(1e-8).excludeParams(excluded).print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
    }

    /** The layer implementations of a network that carry a top-k operator, in layer order. */
    static List<Layer> operatorLayers(Model net) {
        return layersOf(net, TopkOperator.class, "top-k operator");
    }

    /** The layer implementations of a network of the given type, in layer order; fails if there is none. */
    static List<Layer> layersOf(Model net, Class<?> type, String description) {
        Layer[] layers = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getLayers()
                : ((ComputationGraph) net).getLayers();
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (type.isInstance(l)) {
                out.add(l);
            }
        }
        assertFalse(out.isEmpty(), "the network has no " + description);
        return out;
    }

    /** The prefix of a layer's keys in the network's parameter and gradient tables. */
    static String prefix(Model net, Layer layer) {
        return net instanceof MultiLayerNetwork ? String.valueOf(layer.getIndex()) : layer.conf().getLayer().getLayerName();
    }

    /** The network-level keys of one parameter (e.g. "a") of every top-k layer. */
    static Set<String> operatorKeys(Model net, String... keys) {
        return keys(net, operatorLayers(net), keys);
    }

    /** The network-level keys of the given parameters of the given layers of a network, where they have them. */
    static Set<String> keys(Model net, List<Layer> layers, String... keys) {
        Set<String> out = new LinkedHashSet<>();
        for (Layer l : layers) {
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
