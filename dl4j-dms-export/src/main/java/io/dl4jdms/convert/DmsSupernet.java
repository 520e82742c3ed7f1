package io.dl4jdms.convert;

import io.dl4jdms.convert.NetworkGraph.Vertex;
import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkParamInitializer;
import io.dl4jdms.layers.WidthMask;
import io.dl4jdms.layers.WidthMaskVertex;
import io.dl4jdms.resource.LayerRegistry;
import io.dl4jdms.resource.LayerRule;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Turns a stock {@link ComputationGraph} or {@link MultiLayerNetwork} into a searchable supernet, so
 * that DMS can search your own network (or a deeplearning4j-zoo one) without rebuilding it by hand.
 *
 * <p>The {@link ChannelDependencies dependency analysis} finds the coupled channels (the writers of a
 * residual stream, the inputs of an element-wise add, a depthwise layer and its input) and, for each
 * coupled group, where its mask goes: after each writer's batch normalisation and activation (a mask
 * before a normalisation would be divided back out). Then, per group:
 * <ul>
 *   <li>one writer whose output stage is {@code conv [→ BatchNormalization] [→ ActivationLayer]} (or a
 *       dense layer with its activation) becomes one {@link TopkConv} / {@link TopkDense} with the
 *       normalisation built in: its own width operator;</li>
 *   <li>otherwise (a residual stream, a graph) one {@link WidthMask} shared by a {@link WidthMaskVertex}
 *       after every writer's output stage;</li>
 *   <li>channels that cannot be searched exactly stay as they are (the report says why): the network
 *       input, the outputs of the output layer, channels read by a layer that needs all of them.</li>
 * </ul>
 * Residual blocks {@code x + f(x)} whose branch only the add reads become {@link GatedResidual}s; the
 * consecutive blocks of a stream form a stage with one {@link DepthMask}. The layers keep their names
 * and (with {@link Builder#copyWeights}) their trained parameters, so the converted network computes
 * what the stock network computed while every ratio is 0.
 *
 * <pre>{@code
 * ComputationGraph resnet = ResNet50.builder().numClasses(10).inputShape(new int[]{3, 144, 144}).build().init();
 * DmsSupernet supernet = DmsSupernet.builder().convert(resnet);
 * System.out.println(supernet.summary());            // what is searched, and what stays and why
 * ComputationGraph searchable = supernet.graph();    // then: listeners, fit, SlimExporter.export
 * }</pre>
 */
public final class DmsSupernet {

    /** A searched width (one operator) or a width that stays, with the reason. */
    public record Width(String operator, List<String> layers, long channels, String fixedBecause) {
        public boolean searched() {
            return fixedBecause == null;
        }
    }

    /** One depth operator and the add vertices of the blocks it can remove, in order. */
    public record Depth(String operator, List<String> blocks) {
    }

    private final Model network;
    private final List<Width> widths;
    private final List<Depth> depths;

    DmsSupernet(Model network, List<Width> widths, List<Depth> depths) {
        this.network = network;
        this.widths = Collections.unmodifiableList(widths);
        this.depths = Collections.unmodifiableList(depths);
    }

    /** The supernet of a stock graph, with its parameters, every width and depth that can be searched exactly. */
    public static ComputationGraph from(ComputationGraph network) {
        return builder().convert(network).graph();
    }

    /** The supernet of a stock layer stack, with its parameters. */
    public static MultiLayerNetwork from(MultiLayerNetwork network) {
        return builder().convert(network).multiLayerNetwork();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The converted network, initialised. */
    public Model network() {
        return network;
    }

    /** The converted network of a {@code ComputationGraph}. */
    public ComputationGraph graph() {
        if (!(network instanceof ComputationGraph)) {
            throw new IllegalStateException("the converted network is a MultiLayerNetwork; use multiLayerNetwork()");
        }
        return (ComputationGraph) network;
    }

    /** The converted network of a {@code MultiLayerNetwork}. */
    public MultiLayerNetwork multiLayerNetwork() {
        if (!(network instanceof MultiLayerNetwork)) {
            throw new IllegalStateException("the converted network is a ComputationGraph; use graph()");
        }
        return (MultiLayerNetwork) network;
    }

    /** Every group of coupled channels: the searched ones with their operator, the others with the reason. */
    public List<Width> widths() {
        return widths;
    }

    public List<Depth> depths() {
        return depths;
    }

    /** One line per width and depth operator, and per width that stays with its reason. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        long searched = widths.stream().filter(Width::searched).count();
        sb.append(String.format("%d searched widths, %d fixed, %d depth operators%n", searched,
                widths.size() - searched, depths.size()));
        for (Width w : widths) {
            if (w.searched()) {
                sb.append(String.format("  width '%s': %d channels of %s%n", w.operator(), w.channels(), w.layers()));
            }
        }
        for (Depth d : depths) {
            sb.append(String.format("  depth '%s': %d blocks %s%n", d.operator(), d.blocks().size(), d.blocks()));
        }
        for (Width w : widths) {
            if (!w.searched()) {
                sb.append(String.format("  fixed %s: %s%n", w.layers(), w.fixedBecause()));
            }
        }
        return sb.toString();
    }

    /** Options of a conversion. */
    public static final class Builder {
        private LayerRegistry registry = LayerRegistry.standard();
        private boolean copyWeights = true;
        private boolean depth = true;
        private double widthMultiplier = 1.0;
        private double initialRatio = 0.0;
        private InputType[] inputTypes;

        private Builder() {
        }

        /** The rules of custom layers (default: {@link LayerRegistry#standard()}). */
        public Builder registry(LayerRegistry registry) {
            if (registry == null) {
                throw new IllegalArgumentException("DmsSupernet: registry must not be null");
            }
            this.registry = registry;
            return this;
        }

        /** Copy the network's parameters (the pretrained pipelines; default) or start from a fresh initialisation. */
        public Builder copyWeights(boolean copyWeights) {
            this.copyWeights = copyWeights;
            return this;
        }

        /** Give skippable residual blocks depth operators (default true). */
        public Builder depth(boolean depth) {
            this.depth = depth;
            return this;
        }

        /**
         * Enlarge every searched width by this factor first (the from-scratch pipeline: the search then
         * shrinks an enlarged supernet). Needs {@link #inputTypes} and a fresh initialisation.
         */
        public Builder widthMultiplier(double multiplier) {
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("DmsSupernet: width multiplier must be >= 1, got " + multiplier);
            }
            this.widthMultiplier = multiplier;
            return this;
        }

        /** The ratio every new operator starts from, in [0, 1); default 0 (nothing pruned). */
        public Builder initialRatio(double ratio) {
            if (!(ratio >= 0 && ratio < 1)) {
                throw new IllegalArgumentException("DmsSupernet: initial ratio must be in [0, 1), got " + ratio);
            }
            this.initialRatio = ratio;
            return this;
        }

        /** The network's input types (needed with a width multiplier, to size the layers again). */
        public Builder inputTypes(InputType... inputTypes) {
            this.inputTypes = inputTypes.clone();
            return this;
        }

        double widthMultiplier() {
            return widthMultiplier;
        }

        double initialRatio() {
            return initialRatio;
        }

        boolean copyWeights() {
            return copyWeights;
        }

        InputType[] inputTypes() {
            return inputTypes.clone();
        }

        private void check() {
            if (widthMultiplier != 1.0 && copyWeights) {
                throw new IllegalArgumentException("DmsSupernet: a width multiplier changes the layers' shapes;"
                        + " use copyWeights(false)");
            }
            if (widthMultiplier != 1.0 && (inputTypes == null || inputTypes.length == 0)) {
                throw new IllegalArgumentException("DmsSupernet: a width multiplier needs the network's inputTypes(...)");
            }
        }

        /** Converts a graph. */
        public DmsSupernet convert(ComputationGraph network) {
            check();
            requireInitialised(network.getLayers() == null || network.params() == null, "ComputationGraph");
            NetworkGraph graph = NetworkGraph.of(network, registry);
            return new GraphConversion(this, network, graph, ChannelDependencies.of(graph, depth)).run();
        }

        /** Converts a layer stack (widths only: a stack has no residual blocks). */
        public DmsSupernet convert(MultiLayerNetwork network) {
            check();
            requireInitialised(network.getLayers() == null || network.params() == null, "MultiLayerNetwork");
            NetworkGraph graph = NetworkGraph.of(network.getLayerWiseConfigurations(), registry);
            return new ChainConversion(this, network, graph, ChannelDependencies.of(graph, false)).run();
        }

        private static void requireInitialised(boolean missing, String kind) {
            if (missing) {
                throw new IllegalArgumentException("DmsSupernet: the " + kind + " must be initialised (call init())");
            }
        }
    }

    // ---- fusion of an output stage into one searchable layer -----------------------------------------------

    /** A writer's output stage as one TopkConv / TopkDense, or null where that would not be exact. */
    static Layer fuse(List<Vertex> stage, double initialRatio) {
        Vertex producer = stage.get(0);
        BatchNormalization bn = null;
        IActivation activation = null;
        for (Vertex v : stage.subList(1, stage.size())) {
            if (v.layer instanceof BatchNormalization && bn == null && activation == null) {
                bn = (BatchNormalization) v.layer;
                if (bn.isLockGammaBeta() || !(bn.getActivationFn() == null || bn.getActivationFn() instanceof ActivationIdentity)) {
                    return null;
                }
            } else if (v.layer instanceof ActivationLayer && activation == null) {
                activation = ((ActivationLayer) v.layer).getActivationFn();
            } else {
                return null;
            }
        }
        IActivation own = ((BaseLayer) producer.layer).getActivationFn();
        if (stage.size() > 1 && !(own instanceof ActivationIdentity)) {
            return null;
        }
        IActivation finalActivation = stage.size() == 1 ? own : activation == null ? new ActivationIdentity() : activation;
        if (producer.rule.conversion() == LayerRule.Conversion.CONVOLUTION) {
            ConvolutionLayer c = (ConvolutionLayer) producer.layer;
            if (bn != null && bn.getCnn2DFormat() != c.getCnn2dDataFormat()) {
                return null;
            }
            TopkConv.Builder b = new TopkConv.Builder(c.getKernelSize(), c.getStride(), c.getPadding())
                    .dilation(c.getDilation()).convolutionMode(c.getConvolutionMode()).dataFormat(c.getCnn2dDataFormat())
                    .hasBias(c.hasBias()).nIn(c.getNIn()).nOut(c.getNOut()).activation(finalActivation)
                    .initialRatio(initialRatio).batchNorm(bn != null);
            if (bn != null) {
                b.batchNormEpsilon(bn.getEps()).batchNormDecay(bn.getDecay());
            }
            TopkConv topk = b.build();
            LayerSettings.copyBase(c, topk);
            return topk;
        }
        if (producer.rule.conversion() == LayerRule.Conversion.DENSE) {
            DenseLayer d = (DenseLayer) producer.layer;
            if (!d.hasBias() || d.hasLayerNorm()) {
                return null;
            }
            TopkDense.Builder b = new TopkDense.Builder().nIn(d.getNIn()).nOut(d.getNOut()).activation(finalActivation)
                    .initialRatio(initialRatio).batchNorm(bn != null);
            if (bn != null) {
                b.batchNormEpsilon(bn.getEps()).batchNormDecay(bn.getDecay());
            }
            TopkDense topk = b.build();
            LayerSettings.copyBase(d, topk);
            return topk;
        }
        return null;
    }

    /** Copies a fused stage's parameters (the layer's W and b, the normalisation's) into the searchable layer. */
    static void copyFused(List<org.deeplearning4j.nn.api.Layer> stock, org.deeplearning4j.nn.api.Layer fused) {
        Map<String, INDArray> into = fused.paramTable();
        stock.get(0).paramTable().forEach((k, v) -> assign(into, k, v, fused));
        for (org.deeplearning4j.nn.api.Layer layer : stock.subList(1, stock.size())) {
            if (!(layer.conf().getLayer() instanceof BatchNormalization)) {
                continue;
            }
            BatchNormalization bn = (BatchNormalization) layer.conf().getLayer();
            Map<String, INDArray> p = layer.paramTable();
            assign(into, TopkParamInitializer.GAMMA_KEY, p.get(BatchNormalizationParamInitializer.GAMMA), fused);
            assign(into, TopkParamInitializer.BETA_KEY, p.get(BatchNormalizationParamInitializer.BETA), fused);
            assign(into, TopkParamInitializer.MEAN_KEY, p.get(BatchNormalizationParamInitializer.GLOBAL_MEAN), fused);
            INDArray var;
            if (bn.isUseLogStd()) {
                // DL4J keeps log10(std) with std = sqrt(var + eps).
                INDArray std = Transforms.exp(p.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).mul(Math.log(10.0)), false);
                var = std.mul(std).subi(bn.getEps());
            } else {
                var = p.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
            }
            assign(into, TopkParamInitializer.VAR_KEY, var, fused);
        }
    }

    private static void assign(Map<String, INDArray> into, String key, INDArray value, org.deeplearning4j.nn.api.Layer layer) {
        INDArray target = into.get(key);
        if (target == null || target.length() != value.length()) {
            throw new ConversionException("layer '" + layer.conf().getLayer().getLayerName() + "': cannot copy parameter '"
                    + key + "' (" + (target == null ? "missing" : target.length() + " values") + " vs " + value.length() + ")");
        }
        target.assign(value.reshape(target.shape()));
    }
}
