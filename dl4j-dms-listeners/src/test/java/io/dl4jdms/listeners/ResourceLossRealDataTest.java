package io.dl4jdms.listeners;

import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A search on the embedded Fashion-MNIST subset (1,500 training images, 3 epochs of 24 iterations)
 * with a budget of half the supernet's FLOPs, or half its parameters, ends within 3% of the budget,
 * relative to it: {@code |r / target - 1| <= 0.03} for the hard-count resource {@code r} (what the slim
 * network has), i.e. {@code r} in [0.485, 0.515] of the supernet.
 */
class ResourceLossRealDataTest {

    private static final InputType INPUT = InputType.convolutional(28, 28, 1);

    private static MultiLayerNetwork supernet() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(12)
                .updater(new Adam(3e-3)).weightInit(WeightInit.RELU).dataType(DataType.FLOAT).list();
        int[] widths = {16, 32, 64};
        for (int w : widths) {
            list.layer(new TopkConv.Builder(3, 3).stride(2, 2).nOut(w).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.RELU).batchNorm(true).hasBias(false).build());
        }
        MultiLayerConfiguration conf = list
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @ParameterizedTest
    @EnumSource(value = ResourceKind.class, names = {"FLOPS", "PARAMS"})
    void searchEndsWithinThreePercentOfTheTarget(ResourceKind kind) {
        MultiLayerNetwork net = supernet();
        ResourceModel model = ResourceModel.of(net, INPUT);
        FashionMnist data = FashionMnist.embedded().subset(150, 20, 2);
        int epochs = 3;
        long iterations = epochs * (long) Math.ceil(data.numTrain() / 64.0);
        ResourceLossListener resource = ResourceLossListener.builder(model).kind(kind).targetFraction(0.5).weight(5)
                .geometricSchedule(iterations, 0.8).build();
        List<Double> trajectory = new ArrayList<>();
        net.setListeners(new TaylorImportanceListener(), resource, new BaseTrainingListener() {
            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model m, int iteration, int epoch) {
                trajectory.add(resource.currentFraction());
            }
        });
        net.fit(data.trainIterator(64, 3), epochs);

        double fraction = model.evaluate(kind).fraction();
        StringBuilder sampled = new StringBuilder();
        for (int i = 0; i < trajectory.size(); i += 12) {
            sampled.append(String.format(java.util.Locale.ROOT, " %d:%.3f", i, trajectory.get(i)));
        }
        System.out.printf(java.util.Locale.ROOT, "resource search (%s): final fraction %.4f of the supernet, target 0.5,"
                + " |r/target - 1| = %.4f; iteration:fraction%s%n", kind, fraction, Math.abs(fraction / 0.5 - 1), sampled);
        assertEquals(0.5, resource.schedule().at(iterations), 1e-12);
        assertTrue(Math.abs(fraction / 0.5 - 1) <= 0.03, kind + ": final fraction " + fraction);
        assertTrue(trajectory.get(0) > 0.9, "the search starts from the supernet: " + trajectory.get(0));
        assertEquals(model.full(kind), PlainNetworkCounter.count(plainTwin(), INPUT, kind), 0, "full supernet figure");
    }

    /** The supernet as stock layers: conv (no bias), batch normalisation, activation. */
    private static MultiLayerConfiguration plainTwin() {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().list();
        for (int w : new int[] {16, 32, 64}) {
            list.layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(w)
                    .convolutionMode(ConvolutionMode.Same).hasBias(false).build());
            list.layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build());
            list.layer(new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder().activation(Activation.RELU).build());
        }
        return list.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build();
    }
}
