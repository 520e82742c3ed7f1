package io.dl4jdms.graph;

import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.layers.WidthMask;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchGraphTest {

    private static SearchGraphBuilder builder() {
        SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-2)).dataType(DataType.FLOAT));
        g.addInputs("in");
        g.setInputTypes(InputType.convolutional(5, 5, 1));
        return g;
    }

    private static ConvolutionLayer conv(int nOut) {
        return new ConvolutionLayer.Builder(3, 3).nOut(nOut).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build();
    }

    private static void head(SearchGraphBuilder g, String input) {
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), input);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                .activation(Activation.SOFTMAX).build(), "pool");
        g.setOutputs("out");
    }

    @Test
    void gatedResidualNamingAMissingStageFailsNamingTheVertex() {
        SearchGraphBuilder g = builder();
        g.addLayer("c", conv(1), "in");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.addGatedResidual("block7", "stage9", 0, "in", "c"));
        assertTrue(e.getMessage().contains("'block7'") && e.getMessage().contains("'stage9' does not exist"),
                e.getMessage());
    }

    @Test
    void gatedResidualOnAWidthMaskFailsNamingBoth() {
        SearchGraphBuilder g = builder();
        g.addWidthGroup("w", 1, "in");
        g.addLayer("c", conv(1), "in");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.addGatedResidual("block1", "w", 0, "in", "c"));
        assertTrue(e.getMessage().contains("'block1'") && e.getMessage().contains("not a DepthMask but a WidthMask"),
                e.getMessage());
    }

    @Test
    void blockIndexOutOfRangeFailsNamingTheVertex() {
        SearchGraphBuilder g = builder();
        g.addDepthStage("stage1", 2, "in");
        g.addLayer("c", conv(1), "in");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.addGatedResidual("block3", "stage1", 2, "in", "c"));
        assertTrue(e.getMessage().contains("'block3'") && e.getMessage().contains("block index 2")
                && e.getMessage().contains("2 blocks"), e.getMessage());
    }

    @Test
    void handBuiltGraphWithBadBlockIndexFailsAtBuild() {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(5, 5, 1))
                .addLayer("stage1", new DepthMask.Builder(2).build(), "in")
                .addLayer("c", conv(1), "in")
                .addVertex("block5", new io.dl4jdms.layers.GatedResidual(4), "in", "c", "stage1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "block5")
                .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        Exception e = assertThrows(Exception.class, g::build);
        assertTrue(e.getMessage().contains("block index 4 is out of range") && e.getMessage().contains("2 blocks"),
                e.getMessage());
    }

    @Test
    void mismatchedSharedGroupFailsAtBuildNamingTheVertex() {
        SearchGraphBuilder g = builder();
        g.addWidthGroup("w", 4, "in");
        g.addLayer("c", conv(6), "in");
        g.addWidthMask("c_masked", "w", "c");
        head(g, "c_masked");
        Exception e = assertThrows(Exception.class, g::build);
        assertTrue(e.getMessage().contains("'c_masked'") && e.getMessage().contains("6 channels")
                && e.getMessage().contains("width mask has 4"), e.getMessage());
    }

    @Test
    void mismatchedResidualShapesFailAtBuildNamingTheVertex() {
        SearchGraphBuilder g = builder();
        g.addDepthStage("stage1", 1, "in");
        g.addLayer("c", conv(2), "in");
        g.addGatedResidual("b0", "stage1", 0, "in", "c");
        head(g, "b0");
        Exception e = assertThrows(Exception.class, g::build);
        assertTrue(e.getMessage().contains("'b0'") && e.getMessage().contains("x and f(x) differ"), e.getMessage());
    }

    @Test
    void widthMaskVertexReadingADepthMaskIsRejected() {
        SearchGraphBuilder g = builder();
        g.addDepthStage("stage1", 1, "in");
        g.addLayer("c", conv(1), "in");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.addWidthMask("m", "stage1", "c"));
        assertTrue(e.getMessage().contains("'m'") && e.getMessage().contains("not a WidthMask"), e.getMessage());
    }

    @Test
    void jsonAndModelSerializerRoundTripsAreExact(@TempDir File dir) throws IOException {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        ComputationGraphConfiguration conf = GatedResidualGradientCheckTest.twoStageGraph(WorkspaceMode.ENABLED);
        ComputationGraphConfiguration restoredConf = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, restoredConf);
        assertEquals(conf.toJson(), restoredConf.toJson());

        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        List<TopkOperator> operators = OperatorState.operators(net);
        for (int i = 0; i < operators.size(); i++) {
            TopkOperator op = operators.get(i);
            double[] c = new double[op.operatorSize()];
            for (int j = 0; j < c.length; j++) {
                c[j] = (j * 7 + i) % 5 + 0.1 * j;
            }
            op.setImportance(c);
            op.setRatio(0.3);
        }
        Nd4j.getRandom().setSeed(4);
        INDArray features = Nd4j.rand(DataType.DOUBLE, 6, 2, 5, 5);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 6, 3);
        for (int i = 0; i < 6; i++) {
            labels.putScalar(i, i % 3, 1.0);
        }
        DataSet data = new DataSet(features, labels);
        net.fit(data);

        File file = new File(dir, "graph.zip");
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(net.outputSingle(features), restored.outputSingle(features));
        for (int i = 0; i < 3; i++) {
            net.fit(data);
            restored.fit(data);
        }
        assertEquals(net.params(), restored.params());
        assertNotEquals(0.0, restored.getParam("stage1_a").getDouble(0) - 0.3, "stage1's a must have trained");
    }
}
