package io.dl4jdms.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

class TopkGradientCheckTest {

    @Test
    void convMln() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        for (boolean bn : new boolean[] {false, true}) {
            for (CNN2DFormat format : CNN2DFormat.values()) {
                Nd4j.getRandom().setSeed(12345);
                MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                        .dataType(DataType.DOUBLE).seed(12345).updater(new NoOp())
                        .weightInit(WeightInit.XAVIER).trainingWorkspaceMode(WorkspaceMode.ENABLED)
                        .list()
                        .layer(new TopkConv.Builder(3, 3).nOut(5).convolutionMode(ConvolutionMode.Same)
                                .dataFormat(format).activation(Activation.TANH).batchNorm(bn).ratioUpdater(new NoOp()).build())
                        .layer(new TopkConv.Builder(2, 2).stride(2, 2).nOut(4).dataFormat(format)
                                .activation(Activation.SIGMOID).batchNorm(bn).ratioUpdater(new NoOp()).build())
                        .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                        .layer(new TopkDense.Builder().nOut(6).activation(Activation.TANH).batchNorm(bn).ratioUpdater(new NoOp()).build())
                        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                                .activation(Activation.SOFTMAX).build())
                        .setInputType(InputType.convolutional(6, 6, 2, format))
                        .build();
                MultiLayerNetwork net = new MultiLayerNetwork(conf);
                net.init();
                Random r = new Random(7);
                for (Layer l : net.getLayers()) {
                    if (l instanceof TopkOperator) {
                        TopkOperator op = (TopkOperator) l;
                        double[] c = new double[op.operatorSize()];
                        for (int i = 0; i < c.length; i++) c[i] = r.nextDouble();
                        op.setImportance(c);
                        op.setRatio(0.35);
                    }
                }
                long[] shape = format == CNN2DFormat.NCHW ? new long[] {4, 2, 6, 6} : new long[] {4, 6, 6, 2};
                INDArray in = Nd4j.rand(DataType.DOUBLE, shape);
                INDArray labels = Nd4j.zeros(DataType.DOUBLE, 4, 3);
                for (int i = 0; i < 4; i++) labels.putScalar(i, i % 3, 1.0);
                boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                        .input(in).labels(labels).epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                        .excludeParams(new java.util.HashSet<>(java.util.Arrays.asList("0_mean", "0_var", "1_mean", "1_var", "3_mean", "3_var")))
                        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
                assertTrue(ok, "bn=" + bn + " format=" + format);
            }
        }
    }
}
