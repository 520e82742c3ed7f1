package io.dl4jdms.supernet;

import io.dl4jdms.layers.OneDnn;
import io.dl4jdms.layers.SuperkernelDepthwise;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oneDNN fast path against the reference path it replaces: the same supernets, weights, masks and batch give
 * the same outputs and gradients (every parameter, including the ratios {@code a} and the built-in batch
 * normalisation) with DL4J's oneDNN helpers and libnd4j's oneDNN ops as with DL4J's Java path, in float, and as
 * the double-precision reference. The build the tests run on is the oneDNN build unless the {@code openblas}
 * profile is active ({@code dl4jdms.expectOneDnn}, set by the build).
 */
class FastPathTest {

    private static final double TOLERANCE = 1e-4;

    @Test
    void theBuildRunsTheFastPathItIsMeantTo() {
        boolean expected = Boolean.parseBoolean(System.getProperty("dl4jdms.expectOneDnn", "true"));
        assertEquals(expected, OneDnn.inNativeBuild(), OneDnn.status());
        assertEquals(expected, OneDnn.active(), OneDnn.status());
        if (expected) {
            ComputationGraph net = new ComputationGraph(resnet());
            net.init();
            int searched = 0;
            int norms = 0;
            for (Layer layer : net.getLayers()) {
                String name = layer.conf().getLayer().getLayerName();
                if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer c) {
                    assertInstanceOf(MKLDNNConvHelper.class, c.getHelper(), "DL4J helper of layer " + name);
                    searched += layer instanceof io.dl4jdms.layers.impl.TopkConv ? 1 : 0;
                }
                if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization b) {
                    assertInstanceOf(MKLDNNBatchNormHelper.class, b.getHelper(), "DL4J helper of layer " + name);
                    norms++;
                }
            }
            assertTrue(searched > 0 && norms > 0, "TopkConv layers " + searched + ", BatchNormalization " + norms);
        }
    }

    @Test
    void resNetSupernetMatchesTheReferencePath() {
        compare(resnet(), 8, 3, 16, 16, 4);
    }

    /** The kept training pass without workspaces: its arrays are then plain detached arrays. */
    @Test
    void resNetSupernetWithoutWorkspacesMatchesTheReferencePath() {
        compare(new ResNetSupernet.Builder().input(16, 16, 3).classes(4).stemWidth(8).stageWidths(8, 16)
                .blocksPerStage(2, 2).strides(1, 2)
                .globalConfiguration(new NeuralNetConfiguration.Builder().seed(12345).updater(new Adam(1e-3))
                        .weightInit(WeightInit.RELU).trainingWorkspaceMode(WorkspaceMode.NONE)
                        .inferenceWorkspaceMode(WorkspaceMode.NONE))
                .build(), 8, 3, 16, 16, 4);
    }

    @Test
    void mobileNetV2SupernetMatchesTheReferencePath() {
        compare(new MobileNetV2Supernet.Builder().input(16, 16, 3).classes(4).stemWidth(8)
                .stageWidths(8, 16).expansions(1, 6).blocksPerStage(2, 2).strides(1, 2).build(), 8, 3, 16, 16, 4);
    }

    @Test
    void superkernelDepthwiseMatchesTheReferencePath() {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU).dataType(DataType.FLOAT);
        ComputationGraphConfiguration conf = base.graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(12, 12, 2))
                .addLayer("expand", new ConvolutionLayer.Builder(1, 1).nOut(12).activation(Activation.RELU).build(), "in")
                .addLayer("dw", new SuperkernelDepthwise.Builder().kernelSizes(3, 5).expansionRatios(3, 6)
                        .convolutionMode(ConvolutionMode.Same).batchNorm(true).activation(Activation.RELU6)
                        .hasBias(false).build(), "expand")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "dw")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        compare(conf, 6, 2, 12, 12, 3);
    }

    @Test
    void doublePrecisionFallsBackToTheReferencePath() {
        ComputationGraph net = new ComputationGraph(resnet());
        net.init();
        ComputationGraph doubles = net.convertDataType(DataType.DOUBLE);
        assertFalse(OneDnn.fastPathFor(DataType.DOUBLE),
                "the built-in batch normalisation must take the reference path in double");
        DataSet data = SupernetTestSupport.randomData(DataType.DOUBLE, 3, 4, 3, 16, 16, 4);
        doubles.setInputs(data.getFeatures());
        doubles.setLabels(data.getLabels());
        doubles.computeGradientAndScore();
        assertTrue(Double.isFinite(doubles.score()), "double score " + doubles.score());
        if (OneDnn.active()) {
            assertTrue(OneDnn.fastPathFor(DataType.FLOAT),
                    "float takes the fast path");
        }
    }

    private static ComputationGraphConfiguration resnet() {
        return new ResNetSupernet.Builder().input(16, 16, 3).classes(4).stemWidth(8).stageWidths(8, 16)
                .blocksPerStage(2, 2).strides(1, 2).build();
    }

    /** Outputs and gradients of the fast path, the float reference and the double reference on one batch. */
    private static void compare(ComputationGraphConfiguration conf, int batch, int channels, int height, int width,
                                int classes) {
        ComputationGraph fast = new ComputationGraph(conf.clone());
        fast.init();
        SupernetTestSupport.randomizeOperators(fast, 0.3, 11);
        INDArray params = fast.params().dup();
        DataSet data = SupernetTestSupport.randomData(DataType.FLOAT, 5, batch, channels, height, width, classes);
        Result fastResult = run(fast, data);

        Result reference = onReferencePath(() -> {
            ComputationGraph net = new ComputationGraph(conf.clone());
            net.init(params.dup(), true);
            for (Layer layer : net.getLayers()) {
                if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer c) {
                    assertNull(c.getHelper(), "reference path: layer " + layer.conf().getLayer().getLayerName()
                            + " has a helper");
                }
            }
            return run(net, data);
        });
        assertClose("output vs float reference", reference.output, fastResult.output);
        assertGradientsClose("gradient vs float reference", reference, fastResult);
        assertEquals(reference.score, fastResult.score, TOLERANCE * Math.abs(reference.score), "score");

        Result doubles = onReferencePath(() -> {
            ComputationGraph net = new ComputationGraph(conf.clone());
            net.init(params.dup(), true);
            ComputationGraph d = net.convertDataType(DataType.DOUBLE);
            return run(d, new DataSet(data.getFeatures().castTo(DataType.DOUBLE), data.getLabels().castTo(DataType.DOUBLE)));
        });
        assertClose("output vs double reference", doubles.output, fastResult.output);
        assertGradientsClose("gradient vs double reference", doubles, fastResult);
    }

    private record Result(INDArray output, INDArray gradient, Map<String, INDArray> byParameter, double score) {
    }

    private static Result run(ComputationGraph net, DataSet data) {
        INDArray output = net.outputSingle(true, data.getFeatures()).dup();
        net.setInputs(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        INDArray gradient = net.gradient().gradient().dup();
        assertTrue(gradient.amaxNumber().doubleValue() > 0, "the gradient is all zeros");
        Map<String, INDArray> byParameter = new LinkedHashMap<>();
        net.gradient().gradientForVariable().forEach((key, value) -> byParameter.put(key, value.dup()));
        return new Result(output, gradient, byParameter, net.score());
    }

    /** Runs {@code body} with DL4J's helpers disabled and libnd4j's platform helpers off, then restores both. */
    private static <T> T onReferencePath(Supplier<T> body) {
        String before = System.getProperty(OneDnn.HELPERS_PROPERTY);
        boolean allowed = Nd4j.getEnvironment().helpersAllowed();
        System.setProperty(OneDnn.HELPERS_PROPERTY, "true");
        Nd4j.getEnvironment().allowHelpers(false);
        try {
            assertFalse(OneDnn.active(), "the reference path must not use oneDNN");
            return body.get();
        } finally {
            Nd4j.getEnvironment().allowHelpers(allowed);
            if (before == null) {
                System.clearProperty(OneDnn.HELPERS_PROPERTY);
            } else {
                System.setProperty(OneDnn.HELPERS_PROPERTY, before);
            }
        }
    }

    /** The whole gradient as {@link #assertClose}; a failure names the parameter that differs most. */
    private static void assertGradientsClose(String what, Result expected, Result actual) {
        double scale = expected.gradient.castTo(DataType.DOUBLE).amaxNumber().doubleValue();
        String worst = "";
        double worstDiff = -1;
        for (Map.Entry<String, INDArray> e : expected.byParameter.entrySet()) {
            INDArray other = actual.byParameter.get(e.getKey());
            double diff = other == null ? Double.POSITIVE_INFINITY
                    : other.castTo(DataType.DOUBLE).sub(e.getValue().castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            if (diff > worstDiff) {
                worstDiff = diff;
                worst = e.getKey();
            }
        }
        assertClose(what + " (largest difference in parameter " + worst + ": " + worstDiff + ", relative to the"
                + " largest gradient value " + scale + ")", expected.gradient, actual.gradient);
    }

    /** max |actual - expected| <= TOLERANCE * max |expected| (relative to the largest value). */
    private static void assertClose(String what, INDArray expected, INDArray actual) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        INDArray a = actual.castTo(DataType.DOUBLE);
        double scale = e.amaxNumber().doubleValue();
        double diff = a.sub(e).amaxNumber().doubleValue();
        assertTrue(diff <= TOLERANCE * scale, what + ": max |diff| " + diff + " > " + TOLERANCE + " x " + scale);
    }
}
