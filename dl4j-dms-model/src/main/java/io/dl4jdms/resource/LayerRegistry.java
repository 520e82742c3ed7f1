package io.dl4jdms.resource;

import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.WidthMask;
import io.dl4jdms.layers.WidthMaskVertex;
import io.dl4jdms.resource.LayerRule.Conversion;
import io.dl4jdms.resource.LayerRule.Slim;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution2D;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.Deconvolution3D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one registry of what each layer and vertex class does: its {@link LayerRule} (channel role, cost,
 * export, conversion). The resource model, the plain network counter, the slim exporter and the supernet
 * converter all ask it, with one lookup rule ({@link #rule}):
 * <ol>
 *   <li>a rule added with {@link #with} for the class or its nearest superclass;</li>
 *   <li>a configuration that implements {@link VertexRule} costs itself (role {@link ChannelRole#OTHER});</li>
 *   <li>the built-in rule of the class or of its nearest superclass that has one; but a class of
 *       dl4j-dms ({@code io.dl4jdms.*}) must have its own rule: inheriting a stock layer's rule would
 *       silently miss what it adds (a {@code SuperkernelDepthwise} is not a plain depthwise convolution);</li>
 *   <li>any other class: role {@link ChannelRole#OTHER}, exported unchanged; the resource model cannot
 *       count it and says so.</li>
 * </ol>
 * A class of dl4j-dms without a rule fails everywhere, naming the class and the vertex.
 *
 * <p>The built-in rules (costs: see {@link StandardRules}): stock convolution ({@code ConvolutionLayer},
 * {@code Convolution2D}), dense and output layers are {@link ChannelRole#WEIGHTED} and converted to
 * searchable layers; {@code TopkConv}, {@code TopkDense} weighted; batch normalisation, shift vertices and
 * activations that do not keep 0 at 0 {@link ChannelRole#PER_CHANNEL_AFFINE}; activation (ReLU, tanh, ...),
 * pooling, dropout, padding, cropping, upsampling, scale and preprocessor vertices and depthwise
 * convolutions without bias (multiplier 1) {@link ChannelRole#PER_CHANNEL}; merge, element-wise vertices;
 * the search's mask layers and vertices; transposed, 1D and 3D convolutions are refused by the resource
 * model and left as they are by the converter.
 */
public final class LayerRegistry {

    private static final LayerRegistry STANDARD = new LayerRegistry(Map.of(), standardRules());

    private static final LayerRule UNKNOWN = LayerRule.builder(ChannelRole.OTHER).build();

    private final Map<Class<?>, LayerRule> userRules;
    private final Map<Class<?>, LayerRule> builtIn;

    private LayerRegistry(Map<Class<?>, LayerRule> userRules, Map<Class<?>, LayerRule> builtIn) {
        this.userRules = Collections.unmodifiableMap(new LinkedHashMap<>(userRules));
        this.builtIn = builtIn;
    }

    /** The built-in rules only. */
    public static LayerRegistry standard() {
        return STANDARD;
    }

    /**
     * This registry with a rule for {@code type} and its subclasses, taking precedence over the built-in
     * rules (a new registry; this one is unchanged).
     */
    public LayerRegistry with(Class<?> type, LayerRule rule) {
        if (type == null || rule == null) {
            throw new IllegalArgumentException("layer registry: rule and its class must not be null");
        }
        Map<Class<?>, LayerRule> rules = new LinkedHashMap<>(userRules);
        rules.put(type, rule);
        return new LayerRegistry(rules, builtIn);
    }

    /**
     * The rule of a layer or vertex configuration.
     *
     * @param configuration a layer configuration ({@code conf.layers.X}) or a graph vertex configuration
     * @param vertex        the layer's or vertex's name, for the message
     * @throws IllegalArgumentException naming the class and the vertex, for a class of dl4j-dms without a rule
     */
    public LayerRule rule(Object configuration, String vertex) {
        Class<?> type = configuration.getClass();
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            LayerRule rule = userRules.get(c);
            if (rule != null) {
                return rule;
            }
        }
        if (configuration instanceof VertexRule) {
            return LayerRule.builder(ChannelRole.OTHER).cost((VertexRule) configuration).build();
        }
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            LayerRule rule = builtIn.get(c);
            if (rule != null) {
                return rule;
            }
            if (c.getName().startsWith("io.dl4jdms.")) {
                throw new IllegalArgumentException("vertex '" + vertex + "': " + c.getName()
                        + " has no LayerRule; add one with LayerRegistry.standard().with(" + c.getSimpleName()
                        + ".class, rule)");
            }
        }
        return UNKNOWN;
    }

    private static Map<Class<?>, LayerRule> standardRules() {
        Map<Class<?>, LayerRule> r = new HashMap<>();
        LayerRule convolution = LayerRule.builder(ChannelRole.WEIGHTED).cost(StandardRules::convolution)
                .slim(Slim.CUT_WEIGHTS).conversion(Conversion.CONVOLUTION).build();
        r.put(ConvolutionLayer.class, convolution);
        r.put(Convolution2D.class, convolution);
        LayerRule unsupportedConvolution = LayerRule.builder(ChannelRole.OTHER).cost(StandardRules::unsupported).build();
        r.put(Deconvolution2D.class, unsupportedConvolution);
        r.put(Convolution1DLayer.class, unsupportedConvolution);
        r.put(Convolution3D.class, unsupportedConvolution);
        r.put(Deconvolution3D.class, unsupportedConvolution);
        r.put(DepthwiseConvolution2D.class, LayerRule.builder(LayerRegistry::depthwiseRole)
                .cost(StandardRules::depthwise).slim(Slim.CUT_PER_CHANNEL).build());
        r.put(SeparableConvolution2D.class, LayerRule.builder(ChannelRole.OTHER).cost(StandardRules::separable).build());
        r.put(DenseLayer.class, LayerRule.builder(ChannelRole.WEIGHTED).cost(StandardRules::dense)
                .slim(Slim.CUT_WEIGHTS).conversion(Conversion.DENSE).build());
        r.put(OutputLayer.class, LayerRule.builder(ChannelRole.WEIGHTED).cost(StandardRules::dense)
                .slim(Slim.CUT_WEIGHTS).build());
        r.put(BaseOutputLayer.class, LayerRule.builder(ChannelRole.OTHER).cost(StandardRules::dense).build());
        r.put(LossLayer.class, LayerRule.builder(ChannelRole.OTHER).cost(site -> site.input(0)).build());
        r.put(TopkConv.class, LayerRule.builder(ChannelRole.WEIGHTED).cost(StandardRules::convolution)
                .slim(Slim.TOPK_CONVOLUTION).build());
        r.put(TopkDense.class, LayerRule.builder(ChannelRole.WEIGHTED).cost(StandardRules::dense)
                .slim(Slim.TOPK_DENSE).build());
        r.put(SuperkernelDepthwise.class, LayerRule.builder(ChannelRole.OTHER).cost(StandardRules::superkernel)
                .refuseExport("a Single-Path NAS layer: export its network with"
                        + " SinglePathSupernet.plainConfiguration(choices) after the search").build());
        r.put(BatchNormalization.class, LayerRule.builder(ChannelRole.PER_CHANNEL_AFFINE)
                .cost(StandardRules::batchNormalization).slim(Slim.CUT_PER_CHANNEL).build());
        r.put(ActivationLayer.class, LayerRule.builder(LayerRegistry::activationRole)
                .cost(StandardRules::timedPassThrough).build());
        LayerRule timedPerChannel = LayerRule.builder(ChannelRole.PER_CHANNEL).cost(StandardRules::timedPassThrough).build();
        r.put(SubsamplingLayer.class, timedPerChannel);
        r.put(GlobalPoolingLayer.class, timedPerChannel);
        LayerRule perChannel = LayerRule.builder(ChannelRole.PER_CHANNEL).cost(site -> site.input(0)).build();
        r.put(DropoutLayer.class, perChannel);
        r.put(ZeroPaddingLayer.class, perChannel);
        r.put(Cropping2D.class, perChannel);
        r.put(Upsampling2D.class, perChannel);
        LayerRule mask = LayerRule.builder(ChannelRole.MASK).cost(site -> Channels.none()).build();
        r.put(DepthMask.class, mask);
        r.put(WidthMask.class, mask);
        r.put(WidthMaskVertex.class, LayerRule.builder(ChannelRole.WIDTH_MASKED)
                .cost(site -> site.configurationOnly() ? site.input(0)
                        : site.share(site.input(0), site.operatorInput(1))).build());
        r.put(GatedResidual.class, LayerRule.builder(ChannelRole.GATED_RESIDUAL).cost(site -> {
            if (site.configurationOnly()) {
                return site.input(0);
            }
            site.gateBranch(site.operatorInput(2), ((GatedResidual) site.vertex()).getBlock(), 0, 1);
            return site.input(0);
        }).build());
        r.put(MergeVertex.class, LayerRule.builder(ChannelRole.MERGE).cost(StandardRules::concat).build());
        r.put(ElementWiseVertex.class, LayerRule.builder(ChannelRole.ELEMENT_WISE).cost(site -> site.input(0)).build());
        r.put(ScaleVertex.class, LayerRule.builder(ChannelRole.PER_CHANNEL).cost(site -> site.input(0)).build());
        r.put(ShiftVertex.class, LayerRule.builder(ChannelRole.PER_CHANNEL_AFFINE).cost(site -> site.input(0)).build());
        r.put(PreprocessorVertex.class, LayerRule.builder(ChannelRole.PER_CHANNEL).cost(site -> StandardRules.preprocess(
                site, ((PreprocessorVertex) site.vertex()).getPreProcessor(), site.inputType(0), site.input(0))).build());
        return Collections.unmodifiableMap(r);
    }

    private static ChannelRole depthwiseRole(Object conf) {
        DepthwiseConvolution2D d = (DepthwiseConvolution2D) conf;
        if (d.getDepthMultiplier() != 1) {
            return ChannelRole.OTHER;
        }
        // One filter per channel: output channel c reads only input channel c (plus its bias).
        return d.hasBias() ? ChannelRole.PER_CHANNEL_AFFINE : ChannelRole.PER_CHANNEL;
    }

    private static ChannelRole activationRole(Object conf) {
        IActivation activation = ((ActivationLayer) conf).getActivationFn();
        if (activation instanceof ActivationSoftmax) {
            return ChannelRole.OTHER;
        }
        return mapsZeroToZero(activation) ? ChannelRole.PER_CHANNEL : ChannelRole.PER_CHANNEL_AFFINE;
    }

    /** Whether an element-wise activation keeps a zero input at zero (ReLU, tanh, ...; not sigmoid). */
    public static boolean mapsZeroToZero(IActivation activation) {
        return activation.getActivation(Nd4j.zeros(DataType.DOUBLE, 1, 4), false).amaxNumber().doubleValue() == 0.0;
    }
}
