package io.dl4jdms.trainingfree;

import io.dl4jdms.supernet.MobileNetV2Supernet;
import io.dl4jdms.supernet.ResNetSupernet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scores on convolutional graphs and this project's supernets; their errors and non-finite cases. */
class ScoresBehaviourTest {

    private static final InputType INPUT = InputType.convolutional(8, 8, 1);

    /** conv 3x3 (4) -> batch normalisation -> ReLU conv 3x3 (3) -> average pool -> softmax. */
    private static ComputationGraph convNet() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).weightInit(WeightInit.RELU)
                .graphBuilder().addInputs("in").setInputTypes(INPUT)
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static INDArray images(int n) {
        return Nd4j.rand(DataType.DOUBLE, n, 1, 8, 8);
    }

    /** The default float passes give the double-precision kernel and condition number to float accuracy. */
    @Test
    void floatPassesMatchTheDoubleKernel() {
        ComputationGraph net = convNet();
        INDArray x = images(4);
        INDArray exact = NtkCondition.builder().dataType(DataType.DOUBLE).build().kernel(net, x);
        INDArray fast = NtkCondition.builder().build().kernel(net, x);
        double scale = exact.amaxNumber().doubleValue();
        double diff = fast.sub(exact).amaxNumber().doubleValue();
        assertTrue(scale > 0 && diff <= 1e-4 * scale, "float kernel off by " + diff + " of " + scale);
        double kappaExact = NtkCondition.of(exact).kappa();
        double kappaFast = NtkCondition.of(fast).kappa();
        assertEquals(kappaExact, kappaFast, 1e-2 * kappaExact, "kappa in float vs double");
        assertThrows(IllegalArgumentException.class, () -> NtkCondition.builder().dataType(DataType.HALF));
    }

    /**
     * Each row of J against a central difference of the summed features of its image, in training mode: the
     * batch normalisation's batch statistics tie the images together, and the gradient must follow them.
     */
    @Test
    void jacobianRowsMatchCentralDifferencesThroughBatchStatistics() {
        ComputationGraph net = convNet();
        INDArray x = images(3);
        FeatureGraph features = FeatureGraph.of(net, null);
        assertEquals("pool", features.vertex());
        INDArray theta = NtkCondition.builder().dataType(DataType.DOUBLE).build().kernel(net, x);
        INDArray w1 = features.graph().getParam("c1_W");
        INDArray w2 = features.graph().getParam("c2_W");
        long p1 = w1.length();
        // J restricted to a few entries of each weight, by central differences
        long[][] entries = {{0, 3}, {0, 17}, {1, 5}, {1, 40}};
        double h = 1e-6;
        double[][] j = new double[3][entries.length];
        for (int e = 0; e < entries.length; e++) {
            INDArray w = (entries[e][0] == 0 ? w1 : w2).reshape(-1);
            long k = entries[e][1];
            double saved = w.getDouble(k);
            w.putScalar(k, saved + h);
            INDArray plus = features.features(x, true).sum(1);
            w.putScalar(k, saved - h);
            INDArray minus = features.features(x, true).sum(1);
            w.putScalar(k, saved);
            for (int i = 0; i < 3; i++) {
                j[i][e] = (plus.getDouble(i) - minus.getDouble(i)) / (2 * h);
            }
        }
        // the analytic rows by backpropGradient of the one-hot error; their kernel is NtkCondition's
        INDArray rows = Nd4j.create(DataType.DOUBLE, 3, w1.length() + w2.length());
        for (int i = 0; i < 3; i++) {
            INDArray out = features.graph().feedForward(new INDArray[] {x}, true, false).get("pool");
            INDArray error = Nd4j.zeros(DataType.DOUBLE, out.shape());
            error.get(NDArrayIndex.point(i)).assign(1.0);
            var gradient = features.graph().backpropGradient(error);
            rows.getRow(i).assign(Nd4j.concat(0, gradient.getGradientFor("c1_W").reshape(-1).dup(),
                    gradient.getGradientFor("c2_W").reshape(-1).dup()));
            for (int e = 0; e < entries.length; e++) {
                double analytic = gradient.getGradientFor(entries[e][0] == 0 ? "c1_W" : "c2_W").reshape(-1)
                        .getDouble(entries[e][1]);
                assertEquals(j[i][e], analytic, 1e-6 * Math.max(1, Math.abs(analytic)),
                        "image " + i + ", entry " + e);
            }
        }
        assertTrue(p1 > 17);
        INDArray reference = rows.mmul(rows.transpose());
        assertEquals(0.0, theta.sub(reference).amaxNumber().doubleValue(), 1e-10 * reference.amaxNumber().doubleValue());
        assertEquals(3, theta.rows());
        assertEquals(0.0, theta.sub(theta.transpose()).amaxNumber().doubleValue(), 1e-9 * theta.amaxNumber().doubleValue());
    }

    /** conv 3x3 (4, ReLU; built-in batch normalisation when {@code topk}) -> average pool -> softmax. */
    private static ComputationGraph oneConvolution(boolean topk) {
        org.deeplearning4j.nn.conf.layers.Layer conv = topk
                ? new io.dl4jdms.layers.TopkConv.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .hasBias(false).batchNorm(true).activation(Activation.RELU).build()
                : new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same).hasBias(false)
                        .activation(Activation.RELU).build();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).weightInit(WeightInit.RELU)
                .graphBuilder().addInputs("in").setInputTypes(INPUT)
                .addLayer("c", conv, "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** The built-in normalisation of TopkConv is the identity too: the same L^E as the plain convolution. */
    @Test
    void builtInNormalisationIsTheIdentity() {
        LengthDistortion score = LengthDistortion.builder().initialisations(2).seed(3).build();
        double[] plain = score.scores(oneConvolution(false), INPUT);
        double[] topk = score.scores(oneConvolution(true), INPUT);
        assertEquals(plain[0], topk[0], 1e-9 * plain[0]);
        assertEquals(plain[1], topk[1], 1e-9 * plain[1]);
    }

    @Test
    void lengthDistortionIsRepeatableForASeedAndDiffersAcrossSeeds() {
        ComputationGraph net = convNet();
        double a = LengthDistortion.builder().initialisations(2).seed(0).build().score(net, INPUT);
        double b = LengthDistortion.builder().initialisations(2).seed(0).build().score(net, INPUT);
        double c = LengthDistortion.builder().initialisations(2).seed(1).build().score(net, INPUT);
        assertEquals(a, b, 0.0);
        assertNotEquals(a, c);
        assertTrue(a > 0);
    }

    @Test
    void scoresTheSupernetsWithTheirBuiltInNormalisation() {
        InputType input = InputType.convolutional(12, 12, 1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 12, 12);
        for (ComputationGraphConfiguration conf : new ComputationGraphConfiguration[] {
                new ResNetSupernet.Builder().input(12, 12, 1).stemWidth(4).stageWidths(4, 8).blocksPerStage(1, 1)
                        .strides(1, 2).build(),
                new MobileNetV2Supernet.Builder().input(12, 12, 1).stemWidth(4).stageWidths(4, 8).blocksPerStage(1, 2)
                        .strides(1, 2).expansions(1, 2).headWidth(8).build()}) {
            ComputationGraph net = new ComputationGraph(conf);
            net.init();
            TrainingFreeScores.Scores s = TrainingFreeScores.builder()
                    .lengthDistortion(LengthDistortion.builder().initialisations(2).build()).build().score(net, input, x);
            assertTrue(s.lengthDistortion() > 0 && Double.isFinite(s.lengthDistortion()), "L^E " + s);
            assertEquals(NtkCondition.Status.FINITE, s.ntk().status(), s.toString());
            assertTrue(s.kappa() >= 1, "kappa " + s);
        }
    }

    @Test
    void aFeatureVertexThatDoesNotExistIsNamed() {
        ComputationGraph net = convNet();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NtkCondition.builder().dataType(DataType.DOUBLE).featureVertex("nope").build().score(net, images(4)));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("pool"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LengthDistortion.builder().featureVertex("nope").build().score(net, INPUT));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void aBatchOfOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NtkCondition.builder().dataType(DataType.DOUBLE).build().score(convNet(), images(1)));
        assertTrue(e.getMessage().contains("at least 2 images, got 1"), e.getMessage());
    }

    @Test
    void nonFiniteValuesGiveANotFiniteKappaAndAnErrorForLengthDistortion() {
        MultiLayerNetwork net = ExactScoresTest.linear(5, 4, false, true, 1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 5);
        x.putScalar(1, 2, Double.NaN);      // a NaN image: its row of J is NaN
        NtkCondition.Result result = NtkCondition.builder().dataType(DataType.DOUBLE).build().score(net, x);
        assertEquals(NtkCondition.Status.NOT_FINITE, result.status());
        assertTrue(Double.isNaN(result.kappa()));
        net.getParam("0_W").putScalar(0, Double.NaN);   // a NaN weight: NaN features
        INDArray[] u = LengthDistortion.directions(new long[] {1, 5}, new java.util.Random(1));
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> LengthDistortion.builder().build().alongCircle(net, u[0], u[1]));
        assertTrue(e.getMessage().contains("not finite") && e.getMessage().contains("'0'"), e.getMessage());
    }

    @Test
    void twoEqualImagesMakeASingularKernel() {
        MultiLayerNetwork net = ExactScoresTest.linear(5, 4, false, true, 1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 5);
        x.getRow(2).assign(x.getRow(0));
        NtkCondition.Result result = NtkCondition.builder().dataType(DataType.DOUBLE).build().score(net, x);
        assertEquals(NtkCondition.Status.SINGULAR, result.status());
        assertEquals(Double.POSITIVE_INFINITY, result.kappa());
    }

    @Test
    void logitsUseTheOutputLayerWithoutItsSoftmax() {
        MultiLayerNetwork net = ExactScoresTest.linear(5, 4, false, false, 2);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 5);
        // logits z = (x W0) W1 + b1: d(sum z)/dW0 = x (W1 1)^T, d(sum z)/dW1 = (x W0) 1^T
        INDArray w0 = net.getParam("0_W").castTo(DataType.DOUBLE);
        INDArray w1 = net.getParam("1_W").castTo(DataType.DOUBLE);
        INDArray rowSums = w1.sum(1);                          // W1 1, [4]
        double r2 = rowSums.mul(rowSums).sumNumber().doubleValue();
        INDArray h = x.mmul(w0);
        INDArray expected = x.mmul(x.transpose()).mul(r2).addi(h.mmul(h.transpose()).mul(w1.columns()));
        INDArray theta = NtkCondition.builder().dataType(DataType.DOUBLE).logits().build().kernel(net, x);
        assertEquals(0.0, theta.sub(expected).amaxNumber().doubleValue(), 1e-10 * expected.amaxNumber().doubleValue());
    }
}
