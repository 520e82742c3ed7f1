package io.dl4jdms.layers;

import io.dl4jdms.layers.TopkTestSupport.Kind;
import io.dl4jdms.spnas.SuperkernelChoice;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checks (double precision, central differences) of {@link SuperkernelDepthwise} in a
 * {@code MultiLayerNetwork} and a {@code ComputationGraph}, with and without built-in batch normalisation,
 * NCHW and NHWC, with and without workspaces (16 cases).
 *
 * <ul>
 *   <li>Relaxed mode (sigmoid forward): every parameter is checked, the thresholds included, and every
 *       threshold must have a nonzero gradient.</li>
 *   <li>Hard mode (step forward): the weights, bias and normalisation are checked; the thresholds are left
 *       out, as their straight-through gradient is by design not the (zero) derivative of the step. Some
 *       shells and groups are switched off, so the check covers the gating.</li>
 * </ul>
 * The thresholds sit 0.3 to 0.6 from their norms: the sigmoids are far from flat and no finite difference
 * flips a hard indicator. The normalisation's running statistics are excluded (their "gradient" is a
 * moving-average step).
 */
class SuperkernelGradientCheckTest {

    private static final int BATCH = 3;
    private static final int CLASSES = 3;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (boolean relaxed : new boolean[] {true, false}) {
                for (boolean bn : new boolean[] {false, true}) {
                    // Each data format once with and once without workspaces.
                    cases.add(Arguments.of(kind, relaxed, bn, CNN2DFormat.NCHW, bn ? WorkspaceMode.NONE : WorkspaceMode.ENABLED));
                    cases.add(Arguments.of(kind, relaxed, bn, CNN2DFormat.NHWC, bn ? WorkspaceMode.ENABLED : WorkspaceMode.NONE));
                }
            }
        }
        return cases.stream();
    }

    /**
     * Two superkernels on 6x6x4 inputs: sizes 1/3/5, ratios 1/2 (groups of 2 channels) in a residual block
     * with stride 1; sizes 3/5, ratios 2/3/4 (groups of 2, 1, 1 channels) with stride 2. Then global pooling and
     * the output layer.
     */
    @ParameterizedTest(name = "{0} relaxed={1} batchNorm={2} {3} workspaces={4}")
    @MethodSource("cases")
    void superkernels(Kind kind, boolean relaxed, boolean bn, CNN2DFormat format, WorkspaceMode ws) {
        Map<String, Layer> layers = new LinkedHashMap<>();
        layers.put("sk1", new SuperkernelDepthwise.Builder().kernelSizes(1, 3, 5).expansionRatios(1, 2)
                .residualBlock(true).convolutionMode(ConvolutionMode.Same).dataFormat(format)
                .activation(Activation.TANH).batchNorm(bn).relaxed(relaxed).thresholdUpdater(new NoOp()).build());
        layers.put("sk2", new SuperkernelDepthwise.Builder().kernelSizes(3, 5).expansionRatios(2, 3, 4).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same).dataFormat(format).hasBias(false)
                .activation(Activation.SIGMOID).batchNorm(bn).relaxed(relaxed).thresholdUpdater(new NoOp()).build());
        layers.put("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        layers.put("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                .activation(Activation.SOFTMAX).build());

        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(12345).updater(new NoOp()).weightInit(WeightInit.XAVIER).trainingWorkspaceMode(ws)
                .inferenceWorkspaceMode(ws);
        Model net = TopkTestSupport.network(kind, base, layers, InputType.convolutional(6, 6, 4, format));
        List<org.deeplearning4j.nn.api.Layer> superkernels = SuperkernelTestSupport.superkernelLayers(net);
        assertEquals(2, superkernels.size());
        // sk1: the 3x3 shell on, the 5x5 shell off; the skip gate on, the second group off -> 3x3, ratio 1.
        SuperkernelTestSupport.placeThresholds(superkernels.get(0), new double[] {0.5, -0.4}, new double[] {0.6, -0.3});
        // sk2: the 5x5 shell on; ratio 3 on, ratio 4 off.
        SuperkernelTestSupport.placeThresholds(superkernels.get(1), new double[] {0.4}, new double[] {0.5, -0.5});
        assertEquals(new SuperkernelChoice(1, 3, 0, 1.0, 2, false), ((SuperkernelOperator) superkernels.get(0)).choice());
        assertEquals(new SuperkernelChoice(1, 5, 1, 3.0, 3, false), ((SuperkernelOperator) superkernels.get(1)).choice());

        long[] shape = format == CNN2DFormat.NCHW ? new long[] {BATCH, 4, 6, 6} : new long[] {BATCH, 6, 6, 4};
        INDArray input = TopkTestSupport.randomInput(DataType.DOUBLE, 11, shape);
        INDArray labels = TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, CLASSES);

        Set<String> thresholds = SuperkernelTestSupport.keys(net, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY,
                SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY);
        assertEquals(4, thresholds.size());
        Gradient gradient = TopkTestSupport.gradient(net, input, labels);
        Map<String, INDArray> thresholdGradients = new LinkedHashMap<>();
        for (String key : thresholds) {
            INDArray g = gradient.getGradientFor(key);
            assertTrue(g != null, key + " missing from the gradient");
            thresholdGradients.put(key, g.dup());
            for (int i = 0; i < g.length(); i++) {
                double value = g.getDouble(i);
                // In hard mode the gradient into a switched-off chain's later members may vanish (product 0).
                assertTrue(Double.isFinite(value) && (!relaxed || value != 0.0), key + "[" + i + "] gradient is " + value);
            }
        }

        Set<String> excluded = new HashSet<>(SuperkernelTestSupport.keys(net, TopkParamInitializer.MEAN_KEY,
                TopkParamInitializer.VAR_KEY));
        assertEquals(bn ? 4 : 0, excluded.size());
        if (relaxed) {
            // Each threshold by its own central difference: DL4J's graph check skips the value after an excluded
            // parameter, which with built-in normalisation is the first threshold.
            RatioCentralDifference.assertEachElementMatches(net, thresholdGradients, () -> score(net, input, labels),
                    BATCH, 1e-6, 1e-3, 0.0);
        } else {
            excluded.addAll(thresholds);
        }
        assertTrue(TopkTestSupport.checkGradients(net, input, labels, 1e-6, 1e-3, excluded), "gradient check failed");
    }

    private static double score(Model net, INDArray input, INDArray labels) {
        if (net instanceof org.deeplearning4j.nn.multilayer.MultiLayerNetwork) {
            return ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) net)
                    .score(new org.nd4j.linalg.dataset.DataSet(input, labels), true);
        }
        return ((org.deeplearning4j.nn.graph.ComputationGraph) net)
                .score(new org.nd4j.linalg.dataset.MultiDataSet(input, labels), true);
    }
}
