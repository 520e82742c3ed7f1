package io.dl4jdms.graph;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
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
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two stages of gated residual blocks on a stream whose width is one shared operator. */
class GatedResidualGradientCheckTest {

    static ComputationGraphConfiguration twoStageGraph(WorkspaceMode mode) {
        SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(3).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode));
        g.addInputs("in");
        g.setInputTypes(InputType.convolutional(5, 5, 2));
        g.addWidthGroup("width", new io.dl4jdms.layers.WidthMask.Builder(4).ratioUpdater(new NoOp()).build(), "in");
        g.addLayer("stem", conv(4), "in");
        g.addWidthMask("stem_m", "width", "stem");
        g.addDepthStage("stage1", new io.dl4jdms.layers.DepthMask.Builder(2).ratioUpdater(new NoOp()).build(), "stem_m");
        String x = "stem_m";
        for (int b = 0; b < 2; b++) {
            String p = "s1b" + b;
            g.addLayer(p + "_c1", new TopkConv.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.TANH).ratioUpdater(new NoOp()).build(), x);
            g.addLayer(p + "_c2", conv(4), p + "_c1");
            g.addWidthMask(p + "_m", "width", p + "_c2");
            g.addGatedResidual(p, "stage1", b, x, p + "_m");
            x = p;
        }
        g.addDepthStage("stage2", new io.dl4jdms.layers.DepthMask.Builder(1).ratioUpdater(new NoOp()).build(), x);
        g.addLayer("s2b0_c1", conv(4), x);
        g.addWidthMask("s2b0_m", "width", "s2b0_c1");
        g.addGatedResidual("s2b0", "stage2", 0, x, "s2b0_m");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "s2b0");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                .activation(Activation.SOFTMAX).build(), "pool");
        g.setOutputs("out");
        return g.build();
    }

    private static ConvolutionLayer conv(int nOut) {
        return new ConvolutionLayer.Builder(3, 3).nOut(nOut).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.TANH).build();
    }

    @ParameterizedTest
    @EnumSource(value = WorkspaceMode.class, names = {"ENABLED", "NONE"})
    void gradientsOfEveryRatioAndWeightMatchFiniteDifferences(WorkspaceMode mode) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        ComputationGraph net = new ComputationGraph(twoStageGraph(mode));
        net.init();
        Random r = new Random(5);
        for (TopkOperator op : OperatorState.operators(net)) {
            double[] c = new double[op.operatorSize()];
            for (int i = 0; i < c.length; i++) {
                c[i] = r.nextDouble();
            }
            op.setImportance(c);
            op.setRatio(op.operatorSize() == 1 ? 0.2 : 0.35);
        }
        assertEquals(5, OperatorState.operators(net).size(), "width, stage1, 2 x TopkConv, stage2");
        Nd4j.getRandom().setSeed(9);
        INDArray in = Nd4j.rand(DataType.DOUBLE, 3, 2, 5, 5);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 3);
        for (int i = 0; i < 3; i++) {
            labels.putScalar(i, i, 1.0);
        }
        net.setInputs(in);
        net.setLabels(labels);
        net.computeGradientAndScore();
        for (String op : new String[] {"width", "stage1", "s1b0_c1", "s1b1_c1"}) {
            assertNotEquals(0.0, net.gradient().getGradientFor(op + "_a").getDouble(0), op + ": gradient of a is zero");
        }
        // A one-block stage always keeps its block: its single importance is "all equal", so its mask is 1.
        assertEquals(0.0, net.gradient().getGradientFor("stage2_a").getDouble(0), 0.0);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                .inputs(new INDArray[] {in}).labels(new INDArray[] {labels})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(ok, "gradient check failed (workspace mode " + mode + ")");
    }
}
