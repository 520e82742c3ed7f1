package io.dl4jdms.spnas.latency;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.spnas.LayerRuntimeModel;
import io.dl4jdms.spnas.SuperkernelChoice;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network's runtime model: exact at the hard choices, its threshold gradient against finite differences. */
class LatencyModelTest {

    static ComputationGraph network(boolean relaxed) {
        ComputationGraph net = new ComputationGraph(LatencyTestSupport.twoSuperkernels(relaxed, new NoOp(), new NoOp()));
        net.init();
        return net;
    }

    /** Thresholds 0.3 to 0.6 from their norms; a: 5x5 (7x7 shell off), both groups on; b: 3x3, ratio 2. */
    static void placeThresholds(ComputationGraph net) {
        LatencyTestSupport.placeThresholds(net.getLayer("a"), new double[] {0.4, -0.3}, new double[] {0.5, 0.6});
        LatencyTestSupport.placeThresholds(net.getLayer("b"), new double[] {-0.5}, new double[] {0.3, -0.4});
    }

    @Test
    void hardChoicesPredictTheFixedPartPlusTheMeasuredEntries() {
        ComputationGraph net = network(false);
        placeThresholds(net);
        LatencyModel model = LatencyModel.of(LatencyTestSupport.table(net.getConfiguration()));
        Map<String, SuperkernelChoice> choices = LatencyModel.choices(net);
        assertEquals("5x5 e2 (6 channels)", choices.get("a").toString());
        assertEquals("3x3 e2 (4 channels)", choices.get("b").toString());
        // fixed 2 + a[5x5][e2] 2.5 + b[3x3][e2] 0.8
        assertEquals(5.3, model.predictMs(net), 1e-12);
        assertEquals(5.3, model.evaluate(net).ms(), 1e-12, "hard indicators: the model is the table lookup");
        assertEquals(2.5, model.evaluate(net).layerMs().get("a"), 1e-12);
        // The paper's factorised form differs off the largest ratio and kernel.
        LatencyModel paper = new LatencyModel(model.table(), LayerRuntimeModel.Form.PAPER);
        // a at the largest ratio: R_ch = 3.9, f = rho_5x5 = 2.5 / 3.9 -> 2.5; b: R_ch = 0.7 + (1.1 - 0.7) = 1.1,
        // f = rho_3x3 = 1.2 / 1.9 -> 1.1 * 1.2 / 1.9 (the table says 0.8).
        assertEquals(2.0 + 2.5 + 1.1 * 1.2 / 1.9, paper.predictMs(net), 1e-12);
    }

    @Test
    void relaxedGradientMatchesFiniteDifferencesInEveryThreshold() {
        ComputationGraph net = network(true);
        placeThresholds(net);
        for (LayerRuntimeModel.Form form : LayerRuntimeModel.Form.values()) {
            LatencyModel model = new LatencyModel(LatencyTestSupport.table(net.getConfiguration()), form);
            LatencyModel.Estimate estimate = model.evaluate(net);
            for (String layer : new String[] {"a", "b"}) {
                check(net, model, layer, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY,
                        estimate.kernelThresholdGradient().get(layer));
                check(net, model, layer, SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY,
                        estimate.expansionThresholdGradient().get(layer));
            }
        }
    }

    private static void check(ComputationGraph net, LatencyModel model, String layer, String key, double[] analytic) {
        INDArray t = net.getLayer(layer).getParam(key);
        for (int i = 0; i < t.length(); i++) {
            double original = t.getDouble(i);
            double h = 1e-6;
            t.putScalar(i, original + h);
            double plus = model.evaluate(net).ms();
            t.putScalar(i, original - h);
            double minus = model.evaluate(net).ms();
            t.putScalar(i, original);
            double numeric = (plus - minus) / (2 * h);
            assertEquals(numeric, analytic[i], 1e-7 + 1e-5 * Math.abs(numeric),
                    model.form() + " " + layer + "_" + key + "[" + i + "]");
            assertTrue(analytic[i] != 0.0, layer + "_" + key + "[" + i + "] must move the runtime");
        }
    }

    @Test
    void aTableForAnotherSpaceIsRejected() {
        ComputationGraph net = network(false);
        CandidateLatencyTable table = LatencyTestSupport.table(net.getConfiguration());
        ComputationGraphConfiguration other = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .graphBuilder().addInputs("in")
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(8, 8, 6))
                .addLayer("a", new io.dl4jdms.layers.SuperkernelDepthwise.Builder().kernelSizes(3, 5)
                        .activation(org.nd4j.linalg.activations.Activation.RELU).build(), "in")
                .setOutputs("a").build();
        ComputationGraph otherNet = new ComputationGraph(other);
        otherNet.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatencyModel.of(table).evaluate(otherNet));
        assertTrue(e.getMessage().contains("layer 'a' was measured for another search space"), e.getMessage());
    }
}
