package io.dl4jdms.layers;

import io.dl4jdms.layers.TopkTestSupport.Kind;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JSON and {@code ModelSerializer} round trips of networks with {@link TopkConv} and {@link TopkDense}:
 * the configuration, every top-k option and the real activation survive; a saved network restores with
 * identical parameters ({@code a}, importances and running statistics included), outputs and updater
 * state, and trains on exactly as the original does.
 */
class TopkSerializationTest {

    private static final int BATCH = 4;
    private static final IUpdater CONV_RATIO_UPDATER = new Adam(0.005, 0.6, 0.99, 1e-7);
    private static final IUpdater DENSE_RATIO_UPDATER = new Sgd(0.05);

    @TempDir
    File dir;

    // ---------------------------------------------------------------- configurations

    private static CNN2DFormat format(Kind kind) {
        return kind == Kind.MLN ? CNN2DFormat.NCHW : CNN2DFormat.NHWC;
    }

    /**
     * conv1: every top-k option away from its default, a parametrised activation, no bias. conv2: all
     * top-k defaults (default ratio updater). dense: batch norm, its own ratio updater.
     */
    private static Map<String, Layer> layers(CNN2DFormat format, double conv1Decay) {
        Map<String, Layer> layers = new LinkedHashMap<>();
        layers.put("conv1", new TopkConv.Builder(3, 3).name("conv1").nOut(4).convolutionMode(ConvolutionMode.Same)
                .hasBias(false).dataFormat(format).activation(new ActivationLReLU(0.2)).batchNorm(true)
                .batchNormDecay(conv1Decay).batchNormEpsilon(1e-3).initialRatio(0.2).ratioUpdater(CONV_RATIO_UPDATER)
                .build());
        layers.put("conv2", new TopkConv.Builder(2, 2).name("conv2").stride(2, 2).dilation(1, 1).nOut(3)
                .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).activation(Activation.TANH).build());
        layers.put("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build());
        layers.put("dense", new TopkDense.Builder().name("dense").nOut(5).activation(Activation.ELU).batchNorm(true)
                .initialRatio(0.1).ratioUpdater(DENSE_RATIO_UPDATER).build());
        layers.put("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3)
                .activation(Activation.SOFTMAX).build());
        return layers;
    }

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(123).dataType(DataType.FLOAT).updater(new Adam(0.01))
                .weightInit(WeightInit.XAVIER);
    }

    private static InputType inputType(CNN2DFormat format) {
        return InputType.convolutional(5, 5, 2, format);
    }

    private static MultiLayerConfiguration mlnConf(double conv1Decay) {
        return TopkTestSupport.chain(base(), layers(CNN2DFormat.NCHW, conv1Decay).values(), inputType(CNN2DFormat.NCHW));
    }

    private static ComputationGraphConfiguration cgConf(double conv1Decay) {
        return TopkTestSupport.chainGraph(base(), layers(CNN2DFormat.NHWC, conv1Decay), inputType(CNN2DFormat.NHWC));
    }

    /** The layer configurations by name, in network order. */
    private static Map<String, Layer> layerConfs(Object conf) {
        Map<String, Layer> out = new LinkedHashMap<>();
        if (conf instanceof MultiLayerConfiguration) {
            for (NeuralNetConfiguration c : ((MultiLayerConfiguration) conf).getConfs()) {
                out.put(c.getLayer().getLayerName(), c.getLayer());
            }
        } else {
            ComputationGraphConfiguration cg = (ComputationGraphConfiguration) conf;
            for (String name : List.of("conv1", "conv2", "pool", "dense", "out")) {
                out.put(name, ((org.deeplearning4j.nn.conf.graph.LayerVertex) cg.getVertices().get(name)).getLayerConf()
                        .getLayer());
            }
        }
        return out;
    }

    private static void assertOptionsKept(Map<String, Layer> layers, CNN2DFormat format) {
        TopkConv conv1 = (TopkConv) layers.get("conv1");
        TopkOptions o1 = conv1.getTopkOptions();
        assertEquals(0.2, o1.getInitialRatio(), 0.0);
        assertEquals(CONV_RATIO_UPDATER, o1.getRatioUpdater());
        assertTrue(o1.isBatchNorm());
        assertEquals(0.8, o1.getBatchNormDecay(), 0.0);
        assertEquals(1e-3, o1.getBatchNormEpsilon(), 0.0);
        assertEquals(new ActivationLReLU(0.2), conv1.getOutputActivation());
        assertEquals(0.2, ((ActivationLReLU) conv1.getOutputActivation()).getAlpha(), 0.0);
        assertInstanceOf(ActivationIdentity.class, conv1.getActivationFn());
        assertFalse(conv1.hasBias());
        assertEquals(format, conv1.getCnn2dDataFormat());
        assertEquals(ConvolutionMode.Same, conv1.getConvolutionMode());
        assertEquals(4, conv1.getNOut());
        assertEquals(2, conv1.getNIn());

        TopkConv conv2 = (TopkConv) layers.get("conv2");
        assertEquals(new TopkOptions(), conv2.getTopkOptions());
        assertInstanceOf(ActivationTanH.class, conv2.getOutputActivation());
        assertArrayEquals(new int[] {2, 2}, conv2.getStride());
        assertEquals(ConvolutionMode.Truncate, conv2.getConvolutionMode());
        assertTrue(conv2.hasBias());

        TopkDense dense = (TopkDense) layers.get("dense");
        TopkOptions od = dense.getTopkOptions();
        assertEquals(0.1, od.getInitialRatio(), 0.0);
        assertEquals(DENSE_RATIO_UPDATER, od.getRatioUpdater());
        assertTrue(od.isBatchNorm());
        assertEquals(TopkOptions.DEFAULT_BATCH_NORM_DECAY, od.getBatchNormDecay(), 0.0);
        assertEquals(TopkOptions.DEFAULT_BATCH_NORM_EPSILON, od.getBatchNormEpsilon(), 0.0);
        assertInstanceOf(ActivationELU.class, dense.getOutputActivation());
        assertInstanceOf(ActivationIdentity.class, dense.getActivationFn());
        assertEquals(new Adam(0.01), ((BaseLayer) dense).getIUpdater());
    }

    @Test
    void multiLayerConfigurationJsonRoundTrip() {
        MultiLayerConfiguration conf = mlnConf(0.8);
        String json = conf.toJson();
        MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, restored);
        assertEquals(json, restored.toJson());
        assertOptionsKept(layerConfs(conf), CNN2DFormat.NCHW);
        assertOptionsKept(layerConfs(restored), CNN2DFormat.NCHW);
        // equals really looks at the top-k options.
        assertNotEquals(conf, mlnConf(0.7));
        assertNotEquals(json, mlnConf(0.7).toJson());
    }

    @Test
    void computationGraphConfigurationJsonRoundTrip() {
        ComputationGraphConfiguration conf = cgConf(0.8);
        String json = conf.toJson();
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(json);
        assertEquals(conf, restored);
        assertEquals(json, restored.toJson());
        assertOptionsKept(layerConfs(conf), CNN2DFormat.NHWC);
        assertOptionsKept(layerConfs(restored), CNN2DFormat.NHWC);
        assertNotEquals(conf, cgConf(0.7));
    }

    @Test
    void layerConfigurationsCloneAndCompareDeeply() {
        TopkConv conv = (TopkConv) layers(CNN2DFormat.NCHW, 0.8).get("conv1");
        TopkConv copy = conv.clone();
        assertEquals(conv, copy);
        assertEquals(conv.hashCode(), copy.hashCode());
        assertEquals(conv.getTopkOptions(), copy.getTopkOptions());
        assertTrue(conv.getTopkOptions() != copy.getTopkOptions(), "clone must not share the options");
        TopkDense dense = (TopkDense) layers(CNN2DFormat.NCHW, 0.8).get("dense");
        assertEquals(dense, dense.clone());
        assertNotEquals(dense, new TopkDense.Builder().name("dense").nOut(5).activation(Activation.TANH).batchNorm(true)
                .initialRatio(0.1).ratioUpdater(DENSE_RATIO_UPDATER).build(), "the activation is compared");
    }

    // ---------------------------------------------------------------- ModelSerializer

    private static INDArray features(Kind kind, long seed) {
        return format(kind) == CNN2DFormat.NCHW ? TopkTestSupport.randomInput(DataType.FLOAT, seed, BATCH, 2, 5, 5)
                : TopkTestSupport.randomInput(DataType.FLOAT, seed, BATCH, 5, 5, 2);
    }

    private static INDArray labels() {
        return TopkTestSupport.oneHot(DataType.FLOAT, BATCH, 3);
    }

    private static void fit(Model net, INDArray x, INDArray y) {
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(x, y);
        } else {
            ((ComputationGraph) net).fit(new INDArray[] {x}, new INDArray[] {y});
        }
    }

    private static INDArray output(Model net, INDArray x) {
        return net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).output(x)
                : ((ComputationGraph) net).outputSingle(x);
    }

    private static INDArray updaterState(Model net) {
        return net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getUpdater().getStateViewArray()
                : ((ComputationGraph) net).getUpdater().getStateViewArray();
    }

    private static void assertSameParams(Model expected, Model actual) {
        assertEquals(expected.paramTable().keySet(), actual.paramTable().keySet());
        for (Map.Entry<String, INDArray> e : expected.paramTable().entrySet()) {
            assertArrayEquals(TopkTestSupport.doubles(e.getValue()), TopkTestSupport.doubles(actual.paramTable().get(e.getKey())),
                    0.0, e.getKey());
        }
        assertArrayEquals(TopkTestSupport.doubles(expected.params()), TopkTestSupport.doubles(actual.params()), 0.0);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aClonedNetworkIsIdenticalAndIndependent(Kind kind) {
        Model net = kind == Kind.MLN ? new MultiLayerNetwork(mlnConf(0.8)) : new ComputationGraph(cgConf(0.8));
        net.init();
        TopkTestSupport.randomizeOperators(net, 0.3, 6);
        fit(net, features(kind, 400), labels());
        Model copy = kind == Kind.MLN ? ((MultiLayerNetwork) net).clone() : ((ComputationGraph) net).clone();
        assertSameParams(net, copy);
        INDArray x = features(kind, 401);
        assertArrayEquals(TopkTestSupport.doubles(output(net, x)), TopkTestSupport.doubles(output(copy, x)), 0.0);
        Object conf = kind == Kind.MLN ? ((MultiLayerNetwork) copy).getLayerWiseConfigurations()
                : ((ComputationGraph) copy).getConfiguration();
        assertOptionsKept(layerConfs(conf), format(kind));

        double ratio = OperatorState.operators(net).get(0).ratio();
        OperatorState.operators(copy).get(0).setRatio(0.6);
        assertEquals(ratio, OperatorState.operators(net).get(0).ratio(), 0.0, "the clone must not share parameters");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void modelSerializerRoundTripRestoresEverythingAndTrainingContinuesIdentically(Kind kind) throws IOException {
        Model net = kind == Kind.MLN ? new MultiLayerNetwork(mlnConf(0.8)) : new ComputationGraph(cgConf(0.8));
        net.init();
        TopkTestSupport.randomizeOperators(net, 0.3, 5);
        List<TopkOperator> operators = new ArrayList<>(OperatorState.operators(net));
        assertEquals(3, operators.size());
        for (int i = 0; i < 3; i++) {
            fit(net, features(kind, 100 + i), labels());
        }
        // Training moved a (through its updater), the running statistics, and the Adam state.
        for (TopkOperator op : operators) {
            assertNotEquals(0.3, op.ratio(), op.operatorName());
        }
        String prefix = kind == Kind.MLN ? "0_" : "conv1_";
        assertNotEquals(0.0, net.paramTable().get(prefix + "mean").norm1Number().doubleValue());
        assertTrue(updaterState(net).norm1Number().doubleValue() > 0);

        File file = new File(dir, "net-" + kind + ".zip");
        ModelSerializer.writeModel(net, file, true);
        Model restored = kind == Kind.MLN ? ModelSerializer.restoreMultiLayerNetwork(file, true)
                : ModelSerializer.restoreComputationGraph(file, true);

        for (String key : new String[] {"a", "importance", "mean", "var", "gamma", "beta"}) {
            assertTrue(restored.paramTable().containsKey(prefix + key), prefix + key);
        }
        assertSameParams(net, restored);
        List<TopkOperator> restoredOperators = OperatorState.operators(restored);
        for (int i = 0; i < operators.size(); i++) {
            assertEquals(operators.get(i).ratio(), restoredOperators.get(i).ratio(), 0.0);
            assertArrayEquals(operators.get(i).importance(), restoredOperators.get(i).importance(), 0.0);
            assertEquals(operators.get(i).operatorName(), restoredOperators.get(i).operatorName());
        }
        INDArray x = features(kind, 200);
        assertArrayEquals(TopkTestSupport.doubles(output(net, x)), TopkTestSupport.doubles(output(restored, x)), 0.0);
        assertArrayEquals(TopkTestSupport.doubles(updaterState(net)), TopkTestSupport.doubles(updaterState(restored)), 0.0);

        INDArray before = net.params().dup();
        for (int i = 0; i < 3; i++) {
            INDArray batch = features(kind, 300 + i);
            fit(net, batch, labels());
            fit(restored, batch, labels());
        }
        assertNotEquals(0.0, net.params().sub(before).norm1Number().doubleValue(), "training continued");
        assertSameParams(net, restored);
        assertArrayEquals(TopkTestSupport.doubles(updaterState(net)), TopkTestSupport.doubles(updaterState(restored)), 0.0);
    }
}
