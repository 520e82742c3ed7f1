package io.dl4jdms.layers;

import io.dl4jdms.layers.TopkTestSupport.Kind;
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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checks (double precision, central differences) of {@link TopkConv} and {@link TopkDense},
 * with and without the built-in batch normalisation, in a {@code MultiLayerNetwork} and a
 * {@code ComputationGraph}, with and without workspaces. Importances are distinct and {@code a} is 0.3,
 * so the mask is soft and {@code dL/da} is checked for real. The running mean and variance are
 * excluded: their "gradient" is a moving-average step, as in DL4J's own BatchNormalization checks.
 */
@ExtendWith(TopkTestSupport.DoublePrecision.class)
class TopkGradientCheckTest {

    private static final int BATCH = 3;
    private static final int CLASSES = 3;
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-3;

    static Stream<Arguments> convCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (WorkspaceMode ws : new WorkspaceMode[] {WorkspaceMode.ENABLED, WorkspaceMode.NONE}) {
                for (boolean bn : new boolean[] {false, true}) {
                    for (CNN2DFormat format : CNN2DFormat.values()) {
                        cases.add(Arguments.of(kind, ws, bn, format));
                    }
                }
            }
        }
        return cases.stream();
    }

    static Stream<Arguments> denseCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (WorkspaceMode ws : new WorkspaceMode[] {WorkspaceMode.ENABLED, WorkspaceMode.NONE}) {
                for (boolean bn : new boolean[] {false, true}) {
                    cases.add(Arguments.of(kind, ws, bn));
                }
            }
        }
        return cases.stream();
    }

    /**
     * Three convolutions (3x3 Same without bias; 2x2 stride 2 Truncate with padding; 2x2 dilation 2 Same),
     * global pooling, a TopkDense and the output layer, on 5x5x1 inputs.
     */
    @ParameterizedTest(name = "{0} workspaces={1} batchNorm={2} {3}")
    @MethodSource("convCases")
    void convolutions(Kind kind, WorkspaceMode ws, boolean bn, CNN2DFormat format) {
        Map<String, Layer> layers = new LinkedHashMap<>();
        layers.put("c1", new TopkConv.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same).hasBias(false)
                .dataFormat(format).activation(Activation.TANH).batchNorm(bn).ratioUpdater(new NoOp()).build());
        layers.put("c2", new TopkConv.Builder(2, 2).stride(2, 2).padding(1, 1).nOut(3)
                .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).activation(Activation.SIGMOID)
                .batchNorm(bn).ratioUpdater(new NoOp()).build());
        layers.put("c3", new TopkConv.Builder(2, 2).dilation(2, 2).nOut(2).convolutionMode(ConvolutionMode.Same)
                .dataFormat(format).activation(Activation.TANH).batchNorm(bn).ratioUpdater(new NoOp()).build());
        layers.put("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        layers.put("d1", new TopkDense.Builder().nOut(3).activation(Activation.TANH).batchNorm(bn)
                .ratioUpdater(new NoOp()).build());
        layers.put("out", outputLayer());
        long[] shape = format == CNN2DFormat.NCHW ? new long[] {BATCH, 1, 5, 5} : new long[] {BATCH, 5, 5, 1};
        check(kind, ws, layers, InputType.convolutional(5, 5, 1, format), shape, 4, bn);
    }

    /** Two TopkDense layers and the output layer, on 4 features. */
    @ParameterizedTest(name = "{0} workspaces={1} batchNorm={2}")
    @MethodSource("denseCases")
    void dense(Kind kind, WorkspaceMode ws, boolean bn) {
        Map<String, Layer> layers = new LinkedHashMap<>();
        layers.put("d1", new TopkDense.Builder().nOut(5).activation(Activation.TANH).batchNorm(bn)
                .ratioUpdater(new NoOp()).build());
        layers.put("d2", new TopkDense.Builder().nOut(4).activation(Activation.SIGMOID).batchNorm(bn)
                .ratioUpdater(new NoOp()).build());
        layers.put("out", outputLayer());
        check(kind, ws, layers, InputType.feedForward(4), new long[] {BATCH, 4}, 2, bn);
    }

    private static OutputLayer outputLayer() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX)
                .build();
    }

    private static NeuralNetConfiguration.Builder base(WorkspaceMode ws) {
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(12345).updater(new NoOp())
                .weightInit(WeightInit.XAVIER).trainingWorkspaceMode(ws).inferenceWorkspaceMode(ws);
    }

    private static void check(Kind kind, WorkspaceMode ws, Map<String, Layer> layers, InputType inputType,
                              long[] inputShape, int expectedOperators, boolean bn) {
        Model net = TopkTestSupport.network(kind, base(ws), layers, inputType);
        assertEquals(expectedOperators, TopkTestSupport.operatorLayers(net).size());
        TopkTestSupport.randomizeOperators(net, 0.3, 7);

        INDArray input = TopkTestSupport.randomInput(DataType.DOUBLE, 11, inputShape);
        INDArray labels = TopkTestSupport.oneHot(DataType.DOUBLE, BATCH, CLASSES);

        Set<String> statistics = TopkTestSupport.operatorKeys(net, TopkParamInitializer.MEAN_KEY,
                TopkParamInitializer.VAR_KEY);
        assertEquals(bn ? 2 * expectedOperators : 0, statistics.size());
        Set<String> ratios = TopkTestSupport.operatorKeys(net, TopkOperator.RATIO_KEY);
        assertEquals(expectedOperators, ratios.size());

        // The check must exercise a: every a has a gradient far above the absolute error the check forgives
        // (1e-8), and it matches a central difference of the score. The latter is done here as well because
        // DL4J's graph check (M2.1) silently skips the first value after every excluded parameter, and a
        // comes right after var: with batch norm it never checks a in a ComputationGraph.
        Gradient gradient = TopkTestSupport.gradient(net, input, labels);
        Map<String, Double> ratioGradients = new LinkedHashMap<>();
        for (String key : ratios) {
            INDArray g = gradient.getGradientFor(key);
            assertTrue(g != null && g.length() == 1, key + " missing from the gradient");
            double value = g.getDouble(0);
            assertTrue(Double.isFinite(value) && Math.abs(value) > 1e-5, key + " gradient is " + value);
            ratioGradients.put(key, value);
        }
        for (String key : TopkTestSupport.operatorKeys(net, TopkOperator.IMPORTANCE_KEY)) {
            assertEquals(0.0, gradient.getGradientFor(key).norm1Number().doubleValue(), 0.0, key);
        }
        RatioCentralDifference.assertMatches(net, ratioGradients, () -> score(net, input, labels), BATCH, EPSILON,
                MAX_RELATIVE_ERROR, 0.0);

        assertTrue(TopkTestSupport.checkGradients(net, input, labels, EPSILON, MAX_RELATIVE_ERROR, statistics),
                "gradient check failed");
    }

    private static double score(Model net, INDArray input, INDArray labels) {
        if (net instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) net).score(new DataSet(input, labels), true);
        }
        return ((ComputationGraph) net).score(new MultiDataSet(input, labels), true);
    }
}
