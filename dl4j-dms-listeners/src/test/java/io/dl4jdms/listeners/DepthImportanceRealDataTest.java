package io.dl4jdms.listeners;

import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stage of three gated residual blocks whose middle branch is scaled to about zero: on real data
 * the depth operator learns that block to be the least important one.
 */
class DepthImportanceRealDataTest {

    @Test
    void uselessBlockEndsUpLeastImportant() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder().seed(3)
                .updater(new Adam(5e-3)).weightInit(WeightInit.RELU).dataType(DataType.FLOAT));
        g.addInputs("in");
        g.setInputTypes(InputType.convolutional(28, 28, 1));
        g.addLayer("stem", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "in");
        g.addDepthStage("stage", 3, "stem");
        String x = "stem";
        for (int b = 0; b < 3; b++) {
            String branch = "b" + b + "_conv";
            g.addLayer(branch, new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.TANH).build(), x);
            if (b == 1) {
                g.addVertex("b1_scaled", new ScaleVertex(1e-3), branch);
                branch = "b1_scaled";
            }
            g.addGatedResidual("b" + b, "stage", b, x, branch);
            x = "b" + b;
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                .activation(Activation.SOFTMAX).build(), "pool");
        g.setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        TaylorImportanceListener listener = new TaylorImportanceListener();
        net.setListeners(listener);

        FashionMnist data = FashionMnist.embedded().subset(200, 50, 1);
        net.fit(data.trainIterator(64, 5), 2);

        TopkOperator stage = OperatorState.operators(net).get(0);
        assertEquals("stage", stage.operatorName());
        assertTrue(stage.isDepthOperator());
        double[] importance = stage.importance();
        assertTrue(importance[1] < importance[0] && importance[1] < importance[2],
                "block importances " + Arrays.toString(importance));
        assertTrue(importance[1] < 0.01 * Math.min(importance[0], importance[2]),
                "the scaled block should be far less important: " + Arrays.toString(importance));
        assertEquals(0, listener.skippedUpdates());
        System.out.printf("depth importance run: block importances %s, %s%n", Arrays.toString(importance),
                OperatorState.of(stage));
    }
}
