package io.dl4jdms.trainingfree;

import io.dl4jdms.layers.SearchableLayer;
import io.dl4jdms.layers.SuperkernelDepthwise;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network cut at its feature vertex, in double precision: a {@link ComputationGraph} holding only the
 * vertices the features depend on, whose single output is the feature vertex. Both scores work on one.
 * A {@link MultiLayerNetwork} is read as its {@link MultiLayerNetwork#toComputationGraph() graph form},
 * whose vertices are named by layer index ({@code "0"}, {@code "1"}, ...).
 */
final class FeatureGraph {

    /** The feature vertex meaning "the network's logits": its output layer with an identity activation. */
    static final String LOGITS = "<logits>";
    /** The name of the loss layer {@link #withSelectedSumLoss(DataType)} adds. */
    static final String LOSS = "ntk_sum";

    private final ComputationGraph graph;
    private final String vertex;

    private FeatureGraph(ComputationGraph graph, String vertex) {
        this.graph = graph;
        this.vertex = vertex;
    }

    /**
     * The features of {@code model} at {@code vertex} (null: the input of the output layer; {@link #LOGITS}:
     * the output layer without its activation) with the model's own weights, cast to double.
     */
    static FeatureGraph of(Model model, String vertex) {
        ComputationGraph source = asGraph(model);
        FeatureGraph cut = cut(source.getConfiguration(), vertex, null);
        for (Map.Entry<String, INDArray> p : cut.graph.paramTable().entrySet()) {
            p.getValue().assign(source.getParam(p.getKey()).castTo(DataType.DOUBLE));
        }
        return cut;
    }

    /**
     * The features at {@code vertex} of a freshly initialised network of {@code model}'s configuration, its
     * weights drawn with {@code seed}.
     */
    static FeatureGraph initialised(Model model, String vertex, long seed) {
        return cut(asGraph(model).getConfiguration(), vertex, seed);
    }

    private static ComputationGraph asGraph(Model model) {
        if (model instanceof ComputationGraph graph) {
            return graph;
        }
        if (model instanceof MultiLayerNetwork network) {
            return network.toComputationGraph();
        }
        throw new IllegalArgumentException("training-free scores need a MultiLayerNetwork or a ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** The configuration's vertex that {@code vertex} names; its default and {@link #LOGITS} resolved. */
    private static FeatureGraph cut(ComputationGraphConfiguration original, String vertex, Long seed) {
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(original.toJson());
        String output = outputLayer(conf, vertex);
        String feature = vertex;
        if (vertex == null) {
            List<String> inputs = conf.getVertexInputs().get(output);
            if (inputs.size() != 1) {
                throw new IllegalArgumentException("output layer '" + output + "' has " + inputs.size()
                        + " inputs " + inputs + ": name the feature vertex");
            }
            feature = inputs.get(0);
        } else if (LOGITS.equals(vertex)) {
            feature = output;
            LayerVertex out = (LayerVertex) conf.getVertices().get(output);
            out.getLayerConf().setLayer(logits(out));
        } else if (!conf.getVertices().containsKey(vertex)) {
            throw new IllegalArgumentException("feature vertex '" + vertex + "' does not exist; the network's vertices: "
                    + conf.getVertices().keySet());
        }
        if (conf.getNetworkInputs().contains(feature)) {
            throw new IllegalArgumentException("feature vertex '" + feature + "' is a network input, not a vertex");
        }
        keepAncestors(conf, feature);
        conf.setNetworkOutputs(List.of(feature));
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        conf.setValidateOutputLayerConfig(false);
        // backpropGradient after feedForward: BatchNormalization keeps forward arrays that a training workspace
        // would have closed by then ("outdated workspace pointer" in M2.1)
        conf.setTrainingWorkspaceMode(WorkspaceMode.NONE);
        if (seed != null) {
            // DL4J seeds ND4J's generator with this in init(); ND4J's native generator seeded with 0 is not
            // repeatable, so every seed maps to an odd one
            conf.getDefaultConfiguration().setSeed(2 * seed + 1);
        }
        ComputationGraph graph = new ComputationGraph(conf);
        if (seed == null) {
            graph.init();
        } else {
            initialise(graph);
        }
        return new FeatureGraph(graph.convertDataType(DataType.DOUBLE), feature);
    }

    /**
     * Initialises {@code graph} on a thread of its own: DL4J's {@code init()} reseeds ND4J's random generator, which
     * is per thread, so the caller's generator is left as it was.
     */
    private static void initialise(ComputationGraph graph) {
        RuntimeException[] failure = new RuntimeException[1];
        Thread thread = new Thread(() -> {
            try {
                graph.init();
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }, "dl4j-dms-initialise");
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while initialising the network", e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /** The name of the network's single output layer. */
    private static String outputLayer(ComputationGraphConfiguration conf, String vertex) {
        List<String> outputs = conf.getNetworkOutputs();
        if (outputs.size() != 1) {
            if (vertex == null || LOGITS.equals(vertex)) {
                throw new IllegalArgumentException("the network has " + outputs.size() + " outputs " + outputs
                        + ": name the feature vertex");
            }
            return null;
        }
        return outputs.get(0);
    }

    /** The output layer as a dense layer of the same shape and parameters with an identity activation. */
    private static Layer logits(LayerVertex output) {
        Layer layer = output.getLayerConf().getLayer();
        if (!(layer instanceof BaseOutputLayer out) || out.getClass() != org.deeplearning4j.nn.conf.layers.OutputLayer.class) {
            throw new IllegalArgumentException("logits need a dense OutputLayer at the output, got "
                    + layer.getClass().getSimpleName() + " '" + layer.getLayerName() + "'");
        }
        DenseLayer dense = new DenseLayer.Builder().nIn(out.getNIn()).nOut(out.getNOut()).hasBias(out.hasBias())
                .activation(Activation.IDENTITY).name(out.getLayerName()).build();
        dense.setWeightInitFn(out.getWeightInitFn());
        dense.setBiasInit(out.getBiasInit());
        return dense;
    }

    private static void keepAncestors(ComputationGraphConfiguration conf, String feature) {
        Set<String> keep = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(feature));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (keep.add(v) && conf.getVertexInputs().containsKey(v)) {
                todo.addAll(conf.getVertexInputs().get(v));
            }
        }
        Map<String, GraphVertex> vertices = new LinkedHashMap<>();
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (keep.contains(e.getKey())) {
                vertices.put(e.getKey(), e.getValue());
                inputs.put(e.getKey(), conf.getVertexInputs().get(e.getKey()));
            }
        }
        conf.setVertices(vertices);
        conf.setVertexInputs(inputs);
    }

    /**
     * Makes every batch normalisation (DL4J's {@link BatchNormalization} and the built-in one of this project's
     * layers) the identity in inference mode: gamma 1, beta 0, mean 0, variance {@code 1 - epsilon} (stored as its
     * log10 standard deviation where the layer keeps that).
     */
    FeatureGraph identityNormalisation() {
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            Map<String, INDArray> params = layer.paramTable();
            if (!params.containsKey("gamma") && !params.containsKey("mean")) {
                continue;
            }
            double epsilon = epsilon(layer.conf().getLayer());
            set(params, "gamma", 1.0);
            set(params, "beta", 0.0);
            set(params, "mean", 0.0);
            set(params, "var", 1.0 - epsilon);
            set(params, "log10stdev", 0.5 * Math.log10(1.0 - epsilon));   // DL4J adds epsilon to 10^(2 log10stdev)
        }
        return this;
    }

    private static void set(Map<String, INDArray> params, String key, double value) {
        if (params.containsKey(key)) {
            params.get(key).assign(value);
        }
    }

    private static double epsilon(Layer layer) {
        if (layer instanceof BatchNormalization bn) {
            return bn.getEps();
        }
        if (layer instanceof SearchableLayer searchable) {
            return searchable.getTopkOptions().getBatchNormEpsilon();
        }
        if (layer instanceof SuperkernelDepthwise superkernel) {
            return superkernel.getBatchNormEpsilon();
        }
        throw new IllegalArgumentException("layer '" + layer.getLayerName() + "' (" + layer.getClass().getSimpleName()
                + ") has normalisation parameters this package cannot turn into the identity");
    }

    /** The features of a batch: one row per example, flattened. */
    INDArray features(INDArray input, boolean train) {
        // feedForward, not output: output() fails on a BatchNormalization that is the graph's output in M2.1
        INDArray out = graph.feedForward(new INDArray[] {input.castTo(DataType.DOUBLE)}, train, true).get(vertex);
        return out.reshape(out.size(0), out.length() / out.size(0));
    }

    /**
     * This graph with a {@link SelectedSumLoss} layer ({@code ntk_sum}, identity activation) on the feature
     * vertex, the same weights, training workspaces on, in {@code dataType}: for 2D features only.
     */
    ComputationGraph withSelectedSumLoss(DataType dataType) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        NeuralNetConfiguration layer = conf.getDefaultConfiguration().clone();
        layer.setLayer(new LossLayer.Builder(new SelectedSumLoss()).activation(Activation.IDENTITY).name(LOSS).build());
        conf.getVertices().put(LOSS, new LayerVertex(layer, null));
        conf.getVertexInputs().put(LOSS, List.of(vertex));
        conf.setNetworkOutputs(List.of(LOSS));
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        conf.setTrainingWorkspaceMode(WorkspaceMode.ENABLED);
        ComputationGraph lossGraph = new ComputationGraph(conf);
        lossGraph.init();
        lossGraph = lossGraph.convertDataType(dataType);
        for (Map.Entry<String, INDArray> p : lossGraph.paramTable().entrySet()) {
            p.getValue().assign(graph.getParam(p.getKey()));
        }
        return lossGraph;
    }

    ComputationGraph graph() {
        return graph;
    }

    /** The feature vertex's name. */
    String vertex() {
        return vertex;
    }

    /** Parameters of the graph by their table key ({@code vertex_param}), in the graph's order. */
    Map<String, INDArray> paramTable() {
        return graph.paramTable();
    }
}
