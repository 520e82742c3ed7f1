package io.dl4jdms.listeners;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.topk.ImportanceMethod;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaylorImportanceListenerTest {

    private static NeuralNetConfiguration.Builder base() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        return new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-2)).dataType(DataType.FLOAT);
    }

    private static MultiLayerNetwork mln() {
        MultiLayerConfiguration conf = base().list()
                .layer(new TopkConv.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).batchNorm(true).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new TopkDense.Builder().nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(5, 5, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static ComputationGraph graph() {
        ComputationGraphConfiguration conf = base().graphBuilder().addInputs("in")
                .addLayer("conv", new TopkConv.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("dense", new TopkDense.Builder().nOut(5).activation(Activation.TANH).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(5, 5, 1))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.rand(DataType.FLOAT, 8, 1, 5, 5);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 8, 3);
        for (int i = 0; i < 8; i++) {
            labels.putScalar(i, i % 3, 1f);
        }
        return new DataSet(features, labels);
    }

    private static void fit(Model net, DataSet data) {
        if (net instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) net).fit(data);
        } else {
            ((ComputationGraph) net).fit(data);
        }
    }

    private static void updatesImportanceAsTheMovingAverageOfTaylorScores(Model net) {
        TaylorImportanceListener listener = new TaylorImportanceListener();
        net.setListeners(listener);
        List<TopkOperator> operators = OperatorState.operators(net);
        assertEquals(2, operators.size());
        for (TopkOperator op : operators) {
            assertArrayEquals(new double[op.operatorSize()], op.importance(), 0.0);
        }
        fit(net, batch(1));
        assertEquals(2, listener.appliedUpdates());
        assertEquals(0, listener.skippedUpdates());
        for (TopkOperator op : operators) {
            double[] c = op.importance();
            double max = 0;
            for (double v : c) {
                assertTrue(v >= 0 && Double.isFinite(v), op.operatorName() + ": " + v);
                max = Math.max(max, v);
            }
            assertTrue(max > 0, op.operatorName() + " importance still all zero");
            assertTrue(op.takeMaskGradient() == null, "the listener took the mask gradient");
        }
        for (int i = 2; i <= 5; i++) {
            fit(net, batch(i));
        }
        assertEquals(10, listener.appliedUpdates());
    }

    @Test
    void multiLayerNetwork() {
        updatesImportanceAsTheMovingAverageOfTaylorScores(mln());
    }

    @Test
    void computationGraph() {
        updatesImportanceAsTheMovingAverageOfTaylorScores(graph());
    }

    @Test
    void firstStepFromZeroIsOneMinusDecayTimesTheScore() {
        // With all importances equal the mask is all ones, so the first Taylor score is g^2 exactly.
        MultiLayerNetwork net = mln();
        DataSet data = batch(3);
        net.setInput(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        TopkOperator dense = OperatorState.operators(net).get(1);
        double[] g = dense.takeMaskGradient();

        MultiLayerNetwork fresh = mln();
        TaylorImportanceListener listener = new TaylorImportanceListener(ImportanceMethod.TAYLOR, 0.9);
        fresh.setListeners(listener);
        fresh.fit(data);
        double[] c = OperatorState.operators(fresh).get(1).importance();
        for (int i = 0; i < g.length; i++) {
            assertEquals(0.1 * g[i] * g[i], c[i], 1e-6 * Math.max(1, c[i]), "element " + i);
        }
    }

    @Test
    void nonFiniteUpdatesAreSkippedAndImportanceKept() {
        MultiLayerNetwork net = mln();
        TaylorImportanceListener listener = new TaylorImportanceListener();
        net.setListeners(listener);
        net.fit(batch(1));
        double[] before = OperatorState.operators(net).get(0).importance();
        DataSet bad = batch(2);
        bad.getFeatures().putScalar(0, Float.NaN);
        // The NaN reaches the weights and a through the updater: training stops with a clear error.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(bad));
        assertTrue(e.getMessage().contains("'layer0': ratio a became NaN"), e.getMessage());
        assertTrue(listener.skippedUpdates() >= 1, "expected a skipped update");
        assertArrayEquals(before, OperatorState.operators(net).get(0).importance(), 0.0);
    }

    @Test
    void ratioIsClampedBackIntoRangeAfterEachIteration() {
        MultiLayerNetwork net = mln();
        net.setListeners(new TaylorImportanceListener());
        TopkOperator conv = OperatorState.operators(net).get(0);
        conv.setRatio(-0.5);
        TopkOperator dense = OperatorState.operators(net).get(1);
        dense.setRatio(3.0);
        net.fit(batch(1));
        assertEquals(0.0, conv.ratio(), 0.0);
        assertEquals(1.0 - 1.0 / 10, dense.ratio(), 1e-7);
        assertEquals(1, OperatorState.of(dense).keptSize());
    }

    @Test
    void badSettingsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaylorImportanceListener(ImportanceMethod.SNIP, 1.5));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TaylorImportanceListener(null, 0.9));
        assertThrows(IllegalArgumentException.class, () -> OperatorState.operators(null));
        assertFalse(new TaylorImportanceListener().method() != ImportanceMethod.TAYLOR);
    }
}
