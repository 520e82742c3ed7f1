package io.dl4jdms.listeners;

import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trains a small searchable CNN on the embedded Fashion-MNIST subset with the importance listener and
 * checks that the importances tell useful channels from useless ones and that the ratio moves.
 */
class TaylorImportanceRealDataTest {

    private static final int[] DEAD = {5, 6, 7};
    private static final double INITIAL_RATIO = 0.3;

    @Test
    void deadChannelsEndUpLeastImportantAndTheRatioMoves() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7).updater(new Adam(1e-2)).weightInit(WeightInit.RELU).dataType(DataType.FLOAT)
                .list()
                .layer(new TopkConv.Builder(3, 3).name("conv1").stride(2, 2).nOut(8)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU)
                        .initialRatio(INITIAL_RATIO).build())
                .layer(new TopkConv.Builder(3, 3).name("conv2").stride(2, 2).nOut(32)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).batchNorm(true)
                        .initialRatio(INITIAL_RATIO).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // Channels 5..7 of conv1 get zero weights and bias: under ReLU they output zeros and never learn.
        INDArray weights = net.getLayer(0).getParam("W");
        INDArray bias = net.getLayer(0).getParam("b");
        for (int c : DEAD) {
            weights.get(NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(0);
            bias.putScalar(c, 0);
        }
        TaylorImportanceListener listener = new TaylorImportanceListener();
        net.setListeners(listener);

        FashionMnist data = FashionMnist.embedded();
        net.fit(data.trainIterator(64, 11), 3);

        TopkOperator conv1 = OperatorState.operators(net).get(0);
        double[] importance = conv1.importance();
        double smallestLive = Double.MAX_VALUE;
        for (int c = 0; c < 8; c++) {
            if (Arrays.binarySearch(DEAD, c) < 0) {
                smallestLive = Math.min(smallestLive, importance[c]);
            }
        }
        for (int c : DEAD) {
            assertEquals(0.0, importance[c], 0.0, "dead channel " + c + " in " + Arrays.toString(importance));
        }
        assertTrue(smallestLive > 0, "every live channel must have a positive importance: " + Arrays.toString(importance));
        // Whatever a is now, the hard mask drops the dead channels first.
        boolean[] kept = conv1.mask().kept();
        int keptSize = conv1.mask().keptSize();
        if (keptSize <= 5) {
            for (int c : DEAD) {
                assertTrue(!kept[c], "dead channel " + c + " kept: " + Arrays.toString(kept));
            }
        }
        boolean[] fiveMostImportant = io.dl4jdms.topk.TopK.hardMask(importance, 5);
        assertArrayEquals(new boolean[] {true, true, true, true, true, false, false, false}, fiveMostImportant);

        // The ratio is trained: the task loss alone pulls it towards keeping more channels.
        for (TopkOperator op : OperatorState.operators(net)) {
            assertTrue(op.ratio() < INITIAL_RATIO - 0.05, op.operatorName() + ": a=" + op.ratio());
        }
        assertTrue(listener.appliedUpdates() > 0 && listener.skippedUpdates() == 0);

        Evaluation evaluation = net.evaluate(data.testIterator(256));
        System.out.printf("real-data importance run: test accuracy %.3f, conv1 importance %s, %s%n",
                evaluation.accuracy(), Arrays.toString(importance), OperatorState.read(net));
        assertTrue(evaluation.accuracy() > 0.5, "test accuracy " + evaluation.accuracy());
    }
}
