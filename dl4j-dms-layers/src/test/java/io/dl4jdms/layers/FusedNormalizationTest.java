package io.dl4jdms.layers;

import io.dl4jdms.layers.impl.FusedBatchNormHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fused pass of the stock {@code BatchNormalization} layers ({@link FusedNormalization}) against DL4J's oneDNN
 * helper it replaces and against the double-precision reference: outputs, every gradient (with the running
 * statistics' steps) and the network after one Adam step agree within 1e-4 of the largest value, in a
 * {@code ComputationGraph} (convolutional) and a {@code MultiLayerNetwork} (dense), with workspaces on and off. The
 * configuration does not change and a saved network loads with DL4J's helper again.
 */
class FusedNormalizationTest {

    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @EnumSource(value = WorkspaceMode.class, names = {"ENABLED", "NONE"})
    void graphMatchesDl4jHelperAndDoubleReference(WorkspaceMode mode, @TempDir Path dir) throws Exception {
        assumeTrue(OneDnn.active(), OneDnn.status());
        ComputationGraphConfiguration conf = base(mode).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c1", conv(6), "in")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                .addLayer("r1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn1")
                .addLayer("c2", conv(5), "r1")
                .addLayer("bn2", new BatchNormalization.Builder().build(), "c2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph helper = new ComputationGraph(conf.clone());
        helper.init();
        ComputationGraph fused = new ComputationGraph(conf.clone());
        fused.init(helper.params().dup(), true);
        String jsonBefore = fused.getConfiguration().toJson();
        assertEquals(2, FusedNormalization.install(fused));
        assertEquals(2, FusedNormalization.install(fused), "installing twice changes nothing");
        assertEquals(jsonBefore, fused.getConfiguration().toJson(), "the configuration does not change");
        for (Layer layer : fused.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
                assertInstanceOf(FusedBatchNormHelper.class, bn.getHelper());
            }
        }
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 3, 8, 8).muli(1.5).addi(0.3);
        INDArray y = labels(5, 4);

        Run h = run(helper, x, y);
        Run f = run(fused, x, y);
        ComputationGraph doubles = helper.convertDataType(DataType.DOUBLE);
        Run d = run(doubles, x.castTo(DataType.DOUBLE), y.castTo(DataType.DOUBLE));
        compare(h, f, "DL4J's oneDNN helper");
        compare(d, f, "the double reference");

        helper.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        fused.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        assertClose("parameters after one step (running statistics included)", helper.params(), fused.params());
        assertClose("inference output after one step", helper.outputSingle(false, x), fused.outputSingle(false, x));

        File file = dir.resolve("fused.zip").toFile();
        ModelSerializer.writeModel(fused, file, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(fused.getConfiguration().toJson(), loaded.getConfiguration().toJson());
        for (Layer layer : loaded.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
                assertFalse(bn.getHelper() instanceof FusedBatchNormHelper, "a loaded network has DL4J's helper");
                assertInstanceOf(MKLDNNBatchNormHelper.class, bn.getHelper());
            }
        }
        assertClose("loaded output", fused.outputSingle(false, x), loaded.outputSingle(false, x));
    }

    @ParameterizedTest
    @EnumSource(value = WorkspaceMode.class, names = {"ENABLED", "NONE"})
    void multiLayerNetworkMatchesDl4jHelperAndDoubleReference(WorkspaceMode mode) {
        assumeTrue(OneDnn.active(), OneDnn.status());
        MultiLayerConfiguration conf = base(mode).list()
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(6)).build();
        MultiLayerNetwork helper = new MultiLayerNetwork(conf.clone());
        helper.init();
        MultiLayerNetwork fused = new MultiLayerNetwork(conf.clone());
        fused.init(helper.params().dup(), true);
        assertEquals(1, FusedNormalization.install(fused));
        INDArray x = Nd4j.randn(DataType.FLOAT, 9, 6).muli(2.0).subi(0.5);
        INDArray y = labels(9, 3);
        Run h = run(helper, x, y);
        Run f = run(fused, x, y);
        Run d = run(helper.convertDataType(DataType.DOUBLE), x.castTo(DataType.DOUBLE), y.castTo(DataType.DOUBLE));
        compare(h, f, "DL4J's oneDNN helper");
        compare(d, f, "the double reference");
    }

    private record Run(INDArray output, INDArray gradient, double score) {
    }

    private static Run run(ComputationGraph net, INDArray x, INDArray y) {
        INDArray output = net.outputSingle(true, x).dup();
        net.setInputs(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        return new Run(output, net.gradient().gradient().dup(), net.score());
    }

    private static Run run(MultiLayerNetwork net, INDArray x, INDArray y) {
        INDArray output = net.output(x, true).dup();
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        return new Run(output, net.gradient().gradient().dup(), net.score());
    }

    private static void compare(Run expected, Run actual, String against) {
        assertClose("output vs " + against, expected.output, actual.output);
        assertClose("gradient vs " + against, expected.gradient, actual.gradient);
        assertEquals(expected.score, actual.score, TOLERANCE * Math.abs(expected.score), "score vs " + against);
    }

    private static NeuralNetConfiguration.Builder base(WorkspaceMode mode) {
        return new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2)).weightInit(WeightInit.RELU)
                .dataType(DataType.FLOAT).trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode);
    }

    private static ConvolutionLayer conv(int nOut) {
        return new ConvolutionLayer.Builder(3, 3).nOut(nOut).convolutionMode(ConvolutionMode.Same).hasBias(false)
                .activation(Activation.IDENTITY).build();
    }

    private static INDArray labels(int n, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i * 7 + 1) % classes, 1.0);
        }
        return y;
    }

    /** max |actual - expected| <= TOLERANCE * max |expected|. */
    private static void assertClose(String what, INDArray expected, INDArray actual) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        INDArray a = actual.castTo(DataType.DOUBLE);
        double scale = e.amaxNumber().doubleValue();
        double diff = a.sub(e).amaxNumber().doubleValue();
        assertTrue(scale > 0, what + ": all zero");
        assertTrue(diff <= TOLERANCE * scale, what + ": max |diff| " + diff + " > " + TOLERANCE + " x " + scale);
    }
}
