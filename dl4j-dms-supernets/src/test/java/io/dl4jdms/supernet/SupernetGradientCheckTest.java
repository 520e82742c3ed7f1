package io.dl4jdms.supernet;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.RatioCentralDifference;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.supernet.ResNetSupernet.BlockType;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checks (double precision, central differences) of tiny supernets of both families on 6x6x1
 * inputs: every weight, normalisation scale and shift, and every operator's ratio {@code a} (with soft
 * masks: distinct importances, a = 0.3). The running means and variances are excluded: their "gradient"
 * is a moving-average step.
 */
class SupernetGradientCheckTest {

    private static final int BATCH = 3;
    private static final int CLASSES = 3;
    private static final double EPSILON = 1e-6;

    private static DataType previousType;
    private static DataType previousFloatingType;

    @BeforeAll
    static void doublePrecision() {
        previousType = Nd4j.dataType();
        previousFloatingType = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restorePrecision() {
        Nd4j.setDefaultDataTypes(previousType, previousFloatingType);
    }

    private static NeuralNetConfiguration.Builder global() {
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(12345).updater(new NoOp())
                .weightInit(WeightInit.XAVIER);
    }

    @Test
    void basicResNet() {
        // Stage 1: two removable blocks on the stem's stream; stage 2: a stride-2 transition and one
        // removable block: every kind of vertex the builder makes.
        check(new ResNetSupernet.Builder().globalConfiguration(global()).ratioUpdater(new NoOp()).input(6, 6, 1)
                .classes(CLASSES).stemWidth(2).stageWidths(2, 3).blocksPerStage(2, 2).strides(1, 2).build(), 8);
    }

    @Test
    void bottleneckResNet() {
        check(new ResNetSupernet.Builder().blockType(BlockType.BOTTLENECK).globalConfiguration(global())
                .ratioUpdater(new NoOp()).input(6, 6, 1).classes(CLASSES).stemWidth(2).stageWidths(2, 2)
                .blocksPerStage(2, 1).strides(1, 2).build(), 10);
    }

    @Test
    void mobileNetV2() {
        // Stage 1: expansion 1, two removable blocks; stage 2: stride 2 and expansion 2.
        check(new MobileNetV2Supernet.Builder().globalConfiguration(global()).ratioUpdater(new NoOp())
                .input(6, 6, 1).classes(CLASSES).stemWidth(2).stageWidths(2, 3).blocksPerStage(2, 2)
                .strides(1, 2).expansions(1, 2).headWidth(4).build(), 7);
    }

    private static void check(ComputationGraphConfiguration conf, int expectedOperators) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertEquals(expectedOperators, OperatorState.operators(net).size());
        SupernetTestSupport.randomizeOperators(net, 0.3, 7);
        DataSet data = SupernetTestSupport.randomData(DataType.DOUBLE, 11, BATCH, 1, 6, 6, CLASSES);
        INDArray[] inputs = {data.getFeatures()};
        INDArray[] labels = {data.getLabels()};

        // The check must exercise a: every operator over more than one element has a nonzero dL/da.
        net.setInputs(inputs);
        net.setLabels(labels);
        net.computeGradientAndScore();
        Map<String, Double> ratioGradients = new LinkedHashMap<>();
        for (TopkOperator op : OperatorState.operators(net)) {
            String key = op.operatorName() + "_" + TopkOperator.RATIO_KEY;
            double g = net.gradient().getGradientFor(key).getDouble(0);
            if (op.operatorSize() > 1) {
                assertNotEquals(0.0, g, op.operatorName() + ": dL/da is zero");
            }
            ratioGradients.put(key, g);
        }
        // DL4J's graph check (M2.1) skips the first value after every excluded parameter, and a comes right
        // after the batch-norm variance: every a is therefore also checked here by its own central difference.
        RatioCentralDifference.assertMatches(net, ratioGradients, () -> net.score(data, true), BATCH, EPSILON, 1e-3,
                1e-8);

        Set<String> statistics = net.paramTable().keySet().stream()
                .filter(k -> k.endsWith("_mean") || k.endsWith("_var") || k.endsWith("_log10stdev"))
                .collect(Collectors.toSet());
        assertTrue(statistics.contains("stem_conv_bn_mean"), statistics.toString());
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net).inputs(inputs)
                .labels(labels).epsilon(EPSILON).maxRelError(1e-3).minAbsoluteError(1e-8).excludeParams(statistics)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(ok, "gradient check failed");
    }
}
