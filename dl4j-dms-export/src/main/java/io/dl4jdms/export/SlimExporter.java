package io.dl4jdms.export;

import io.dl4jdms.export.ExportPlan.State;
import io.dl4jdms.export.SlimLayers.Piece;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.resource.LayerRegistry;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Builds the slim network a search found: a plain DL4J network (stock {@code ConvolutionLayer},
 * {@code DenseLayer}, {@code BatchNormalization}, ...; no class of this project) in which the channels,
 * features and blocks that the hard masks drop are physically removed and the kept weights are copied.
 * It computes what the supernet computes with hard 0/1 masks (see {@link TopkOperator#setHardMask}),
 * saves with {@code ModelSerializer} and loads wherever DL4J does.
 *
 * <pre>{@code
 * ComputationGraph slim = SlimExporter.export(searched);
 * double diff = SlimExporter.maxAbsDiffVsHardMasked(searched, slim, features);   // ~1e-6 in float
 * ModelSerializer.writeModel(slim, new File("slim.zip"), false);
 * SearchedStructure.of(searched).write(new File("structure.json"));
 * }</pre>
 *
 * <p>What happens to each kind of layer:
 * <ul>
 *   <li>{@code TopkConv} / {@code TopkDense}: a {@code ConvolutionLayer} / {@code DenseLayer} with the
 *       kept outputs (same kernel, stride, padding, mode, dilation, format, bias, updater, ...); with the
 *       built-in normalisation followed by {@code BatchNormalization} (suffix {@code _bn}) and
 *       {@code ActivationLayer} (suffix {@code _act}). The weights keep the layer's name.</li>
 *   <li>Every consumer of removed channels loses the matching input weights: convolutions, dense and
 *       output layers, after a flatten (NCHW or NHWC) or a global pooling as well.</li>
 *   <li>Per-channel layers that keep a zero at zero (activation layers such as ReLU or tanh, pooling,
 *       global pooling, dropout, padding, cropping, upsampling, a depthwise convolution without bias)
 *       pass removed channels through. A stock {@code BatchNormalization}, a sigmoid or a biased depthwise
 *       convolution reading masked channels is refused: it would turn their zeros into constants. Such a
 *       per-channel layer is cut along with the layer before it when a width mask comes after it.</li>
 *   <li>Graph vertices: a concatenation keeps the union of its inputs' kept channels; an element-wise
 *       vertex needs the same kept channels on all inputs; a {@code GatedResidual} block that the depth
 *       mask drops disappears with its whole branch, a kept one becomes an element-wise add; a
 *       {@code WidthMaskVertex} disappears and the layers writing into it lose the group's dropped
 *       channels; the mask layers disappear.</li>
 *   <li>Anything else is copied unchanged, which requires that none of its input channels is removed.</li>
 * </ul>
 * Layer names are kept; the slim network starts a new training history (iteration and epoch 0, no
 * updater state) and has DL4J's default cache mode {@code NONE}, whatever the supernet trained with (a kept
 * pre-output is a training speed option of the search, not part of the network). A network that cannot be exported exactly raises a {@link SlimExportException}.
 */
public final class SlimExporter {

    private SlimExporter() {
    }

    /** The slim plain-DL4J network of a searched {@code MultiLayerNetwork}. */
    public static MultiLayerNetwork export(MultiLayerNetwork searched) {
        return export(searched, LayerRegistry.standard());
    }

    /** The slim plain-DL4J network of a searched {@code MultiLayerNetwork} with custom layers, by the rules of a registry. */
    public static MultiLayerNetwork export(MultiLayerNetwork searched, LayerRegistry registry) {
        List<SlimVertex> vertices = assemble(NetworkView.of(searched, registry)).vertices;
        MultiLayerConfiguration conf = searched.getLayerWiseConfigurations().clone();
        List<NeuralNetConfiguration> confs = new ArrayList<>();
        Map<Integer, InputPreProcessor> preProcessors = new HashMap<>();
        for (SlimVertex vertex : vertices) {
            if (vertex.preProcessor != null) {
                preProcessors.put(confs.size(), vertex.preProcessor);
            }
            confs.add(vertex.layerConf());
        }
        conf.setConfs(confs);
        conf.setInputPreProcessors(preProcessors);
        conf.setCacheMode(CacheMode.NONE);
        conf.setIterationCount(0);
        conf.setEpochCount(0);
        MultiLayerNetwork slim = new MultiLayerNetwork(conf);
        slim.init();
        for (int i = 0; i < vertices.size(); i++) {
            copyParams(slim.getLayer(i), vertices.get(i));
        }
        return slim;
    }

    /** The slim plain-DL4J network of a searched {@code ComputationGraph}. */
    public static ComputationGraph export(ComputationGraph searched) {
        return export(searched, LayerRegistry.standard());
    }

    /** The slim plain-DL4J network of a searched {@code ComputationGraph} with custom layers, by the rules of a registry. */
    public static ComputationGraph export(ComputationGraph searched, LayerRegistry registry) {
        Assembly assembly = assemble(NetworkView.of(searched, registry));
        ComputationGraphConfiguration conf = searched.getConfiguration().clone();
        Map<String, GraphVertex> vertices = new LinkedHashMap<>();
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        for (SlimVertex vertex : assembly.vertices) {
            if (vertex.piece != null) {
                LayerVertex layerVertex = new LayerVertex(vertex.layerConf(), vertex.preProcessor);
                layerVertex.setOutputVertex(vertex.outputVertex);
                vertices.put(vertex.name, layerVertex);
            } else {
                vertices.put(vertex.name, vertex.vertex);
            }
            inputs.put(vertex.name, vertex.inputs);
        }
        conf.setVertices(vertices);
        conf.setVertexInputs(inputs);
        conf.setNetworkOutputs(assembly.outputs);
        conf.setCacheMode(CacheMode.NONE);
        conf.setIterationCount(0);
        conf.setEpochCount(0);
        ComputationGraph slim = new ComputationGraph(conf);
        slim.init();
        for (SlimVertex vertex : assembly.vertices) {
            if (vertex.piece != null) {
                copyParams(slim.getLayer(vertex.name), vertex);
            }
        }
        return slim;
    }

    /**
     * The largest absolute difference between the outputs of the supernet, evaluated with hard 0/1
     * masks, and the slim network, on the same inputs (inference mode). The supernet's mask mode is
     * restored afterwards.
     *
     * @param features one array per network input
     */
    public static double maxAbsDiffVsHardMasked(Model supernet, Model slim, INDArray... features) {
        List<TopkOperator> operators = OperatorState.operators(supernet);
        boolean[] previous = new boolean[operators.size()];
        for (int i = 0; i < previous.length; i++) {
            previous[i] = operators.get(i).isHardMask();
            operators.get(i).setHardMask(true);
        }
        try {
            INDArray[] expected = outputs(supernet, features);
            INDArray[] actual = outputs(slim, features);
            double max = 0;
            for (int i = 0; i < expected.length; i++) {
                if (!Arrays.equals(expected[i].shape(), actual[i].shape())) {
                    throw new IllegalArgumentException("output " + i + " has shape " + Arrays.toString(actual[i].shape())
                            + " in the slim network but " + Arrays.toString(expected[i].shape()) + " in the supernet");
                }
                INDArray difference = Transforms.abs(expected[i].castTo(DataType.DOUBLE).sub(actual[i].castTo(DataType.DOUBLE)));
                max = Math.max(max, difference.maxNumber().doubleValue());
            }
            return max;
        } finally {
            for (int i = 0; i < previous.length; i++) {
                operators.get(i).setHardMask(previous[i]);
            }
        }
    }

    /** {@link #maxAbsDiffVsHardMasked(Model, Model, INDArray...)} over every batch of a (single-input) data set. */
    public static double maxAbsDiffVsHardMasked(Model supernet, Model slim, DataSetIterator data) {
        if (data.resetSupported()) {
            data.reset();
        }
        double max = 0;
        while (data.hasNext()) {
            max = Math.max(max, maxAbsDiffVsHardMasked(supernet, slim, data.next().getFeatures()));
        }
        return max;
    }

    private static INDArray[] outputs(Model network, INDArray... features) {
        if (network instanceof MultiLayerNetwork) {
            if (features.length != 1) {
                throw new IllegalArgumentException("a MultiLayerNetwork has one input, got " + features.length + " arrays");
            }
            return new INDArray[] {((MultiLayerNetwork) network).output(features[0], false)};
        }
        if (network instanceof ComputationGraph) {
            return ((ComputationGraph) network).output(false, features);
        }
        throw new IllegalArgumentException("expected a MultiLayerNetwork or a ComputationGraph, got "
                + (network == null ? "null" : network.getClass().getName()));
    }

    // ---- assembly ------------------------------------------------------------------------------------

    /** One vertex of the slim network: a layer ({@link #piece}) or another graph vertex. */
    private static final class SlimVertex {
        final String name;
        final List<String> inputs;
        final Piece piece;
        final GraphVertex vertex;
        final InputPreProcessor preProcessor;
        final NeuralNetConfiguration template;
        final boolean outputVertex;

        SlimVertex(String name, List<String> inputs, Piece piece, GraphVertex vertex, InputPreProcessor preProcessor,
                   NeuralNetConfiguration template, boolean outputVertex) {
            this.name = name;
            this.inputs = inputs;
            this.piece = piece;
            this.vertex = vertex;
            this.preProcessor = preProcessor;
            this.template = template;
            this.outputVertex = outputVertex;
        }

        /** The searched layer's network configuration with the slim layer in it. */
        NeuralNetConfiguration layerConf() {
            NeuralNetConfiguration conf = template.clone();
            conf.setLayer(piece.layer);
            conf.setCacheMode(CacheMode.NONE);
            conf.clearVariables();
            conf.setIterationCount(0);
            conf.setEpochCount(0);
            return conf;
        }
    }

    private static final class Assembly {
        final List<SlimVertex> vertices = new ArrayList<>();
        final List<String> outputs = new ArrayList<>();
    }

    private static Assembly assemble(NetworkView view) {
        ExportPlan plan = ExportPlan.of(view);
        Set<String> usedNames = new HashSet<>();
        view.nodes.forEach(node -> usedNames.add(node.name));
        UnaryOperator<String> newName = wanted -> {
            String name = wanted;
            for (int i = 2; !usedNames.add(name); i++) {
                name = wanted + i;
            }
            return name;
        };
        Assembly assembly = new Assembly();
        // The slim vertex that computes each searched vertex's output (aliases point at their input's).
        Map<String, String> slimOutput = new HashMap<>();
        for (ExportNode node : view.nodes) {
            if (!plan.isLive(node)) {
                continue;
            }
            State state = plan.state(node.key);
            List<String> inputs = new ArrayList<>();
            ExportPlan.streamInputs(node).forEach(key -> inputs.add(slimOutput.get(key)));
            switch (state.role) {
                case INPUT:
                    slimOutput.put(node.key, node.name);
                    break;
                case WIDTH_MASKED:
                    slimOutput.put(node.key, inputs.get(0));
                    break;
                case GATED_RESIDUAL:
                    if (node.removedBlock) {
                        slimOutput.put(node.key, inputs.get(0));
                        break;
                    }
                    assembly.vertices.add(new SlimVertex(node.name, inputs, null,
                            new ElementWiseVertex(ElementWiseVertex.Op.Add), null, null, false));
                    slimOutput.put(node.key, node.name);
                    break;
                default:
                    slimOutput.put(node.key, node.layer != null ? addLayer(assembly, plan, node, inputs, newName)
                            : addVertex(assembly, plan, node, inputs));
            }
        }
        view.outputs.forEach(key -> assembly.outputs.add(slimOutput.get(key)));
        return assembly;
    }

    /** Adds the slim layers of one layer; returns the name of the last. */
    private static String addLayer(Assembly assembly, ExportPlan plan, ExportNode node, List<String> inputs,
                                   UnaryOperator<String> newName) {
        ChannelSet physicalBefore = plan.state(node.inputs.get(0)).physical;
        List<Piece> pieces = SlimLayers.convert(node, plan.physicalInput(node), plan.state(node.key).physical, newName);
        InputPreProcessor preProcessor = SlimLayers.slimPreProcessor(node.preProcessor, physicalBefore);
        boolean outputVertex = node.vertex instanceof LayerVertex && ((LayerVertex) node.vertex).isOutputVertex();
        List<String> in = inputs;
        for (int i = 0; i < pieces.size(); i++) {
            Piece piece = pieces.get(i);
            requireStock(node, piece.layer.getClass());
            assembly.vertices.add(new SlimVertex(piece.name, in, piece, null, i == 0 ? preProcessor : null,
                    node.layerConf, outputVertex && i == pieces.size() - 1));
            in = List.of(piece.name);
        }
        return pieces.get(pieces.size() - 1).name;
    }

    private static String addVertex(Assembly assembly, ExportPlan plan, ExportNode node, List<String> inputs) {
        requireStock(node, node.vertex.getClass());
        GraphVertex vertex = node.vertex instanceof PreprocessorVertex
                ? new PreprocessorVertex(SlimLayers.slimPreProcessor(node.preProcessor,
                        plan.state(node.inputs.get(0)).physical))
                : copy(node.vertex);
        assembly.vertices.add(new SlimVertex(node.name, inputs, null, vertex, null, null, false));
        return node.name;
    }

    /**
     * A copy of a graph vertex configuration through its JSON, as {@code ModelSerializer} would make it:
     * DL4J's own {@code clone()} is not complete for every vertex ({@code MergeVertex} drops its merge axis).
     */
    private static GraphVertex copy(GraphVertex vertex) {
        try {
            ObjectMapper mapper = NeuralNetConfiguration.mapper();
            return mapper.readValue(mapper.writeValueAsString(vertex), GraphVertex.class);
        } catch (IOException e) {
            throw new IllegalStateException("could not copy graph vertex " + vertex, e);
        }
    }

    private static void requireStock(ExportNode node, Class<?> type) {
        if (type.getName().startsWith("io.dl4jdms.")) {
            throw new SlimExportException(node.describe() + ": the exporter has no plain DL4J replacement for "
                    + type.getName());
        }
    }

    private static void copyParams(org.deeplearning4j.nn.api.Layer target, SlimVertex vertex) {
        Map<String, INDArray> table = target.paramTable();
        Map<String, INDArray> values = vertex.piece.params;
        if (!table.keySet().equals(values.keySet())) {
            throw new IllegalStateException("internal error: slim layer '" + vertex.name + "' has parameters "
                    + table.keySet() + " but the export prepared " + values.keySet());
        }
        for (Map.Entry<String, INDArray> e : values.entrySet()) {
            INDArray destination = target.getParam(e.getKey());
            INDArray value = e.getValue();
            if (destination.length() != value.length()) {
                throw new IllegalStateException("internal error: slim layer '" + vertex.name + "' parameter "
                        + e.getKey() + " has shape " + Arrays.toString(destination.shape()) + " but the export prepared "
                        + Arrays.toString(value.shape()));
            }
            destination.assign(value.reshape(destination.shape()).castTo(destination.dataType()));
        }
    }
}
