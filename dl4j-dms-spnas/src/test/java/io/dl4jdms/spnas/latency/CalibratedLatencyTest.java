package io.dl4jdms.spnas.latency;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.latency.MeasuredTable;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.spnas.SuperkernelChoice;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The calibrated runtime model ({@code fixed + scale * sum of entries}), its fit, the refusal of a table of
 * another backend build, reading the table files of earlier versions, and the latency loss's schedule.
 */
class CalibratedLatencyTest {

    private static CandidateLatencyTable calibrated(ComputationGraph net, double fixed, double scale) {
        return LatencyTestSupport.table(net.getConfiguration()).withCalibration(fixed, scale, Map.of("fit", "test"));
    }

    @Test
    void predictionIsTheFixedPartPlusTheScaledEntriesAndAgreesWithTheDifferentiableModel() {
        ComputationGraph net = LatencyModelTest.network(false);
        LatencyModelTest.placeThresholds(net);
        LatencyModel model = LatencyModel.of(calibrated(net, 1.5, 0.8));
        Map<String, SuperkernelChoice> choices = LatencyModel.choices(net);
        // a: 5x5 e2 = 2.5; b: 3x3 ratio 2 = 0.8.
        assertEquals(1.5 + 0.8 * (2.5 + 0.8), model.predictMs(choices), 1e-12);
        LatencyModel.Estimate estimate = model.evaluate(net);
        assertEquals(model.predictMs(choices), estimate.ms(), 1e-12, "hard mode: the estimate is the prediction");
        assertEquals(0.8 * 2.5, estimate.layerMs().get("a"), 1e-12);
        LatencyModel unscaled = LatencyModel.of(calibrated(net, 1.5, 1.0));
        double[] g = estimate.kernelThresholdGradient().get("a");
        double[] g1 = unscaled.evaluate(net).kernelThresholdGradient().get("a");
        for (int i = 0; i < g.length; i++) {
            assertEquals(0.8 * g1[i], g[i], 1e-12, "the gradient scales with the prediction");
        }
    }

    @Test
    void theFitRecoversFixedPartAndScaleAndReportsItsErrors() {
        double[] sums = {10, 4, 2, 7, 5.5};
        double[] measured = new double[sums.length];
        for (int i = 0; i < sums.length; i++) {
            measured[i] = 1.2 + 0.75 * sums[i];
        }
        LatencyCalibration.Fit fit = LatencyCalibration.fit(sums, measured);
        assertEquals(1.2, fit.fixedMs(), 1e-9);
        assertEquals(0.75, fit.scale(), 1e-9);
        assertEquals(0.0, fit.maxError(), 1e-9);
        assertEquals(0.0, fit.leaveOneOutMaxError(), 1e-9);
        measured[0] *= 1.1;
        LatencyCalibration.Fit noisy = LatencyCalibration.fit(sums, measured);
        assertTrue(noisy.maxError() > 0.01 && noisy.leaveOneOutMaxError() >= noisy.maxError(), noisy.toString());
        // A negative intercept is not a time: the fit goes through the origin instead.
        LatencyCalibration.Fit origin = LatencyCalibration.fit(new double[] {1, 2, 3}, new double[] {0.5, 1.6, 2.7});
        assertEquals(0.0, origin.fixedMs());
        assertTrue(origin.scale() > 0.8 && origin.scale() < 1.0, origin.toString());
    }

    @Test
    void calibrationNetworksSpanTheSpace() {
        List<SearchableBlock> blocks = SearchableBlock.depthwiseLayers(
                LatencyTestSupport.twoSuperkernels(false, new NoOp(), new NoOp()),
                org.deeplearning4j.nn.conf.inputs.InputType.convolutional(8, 8, 6));
        List<Map<String, SuperkernelChoice>> choices = LatencyCalibration.choices(blocks, 3, 7);
        assertEquals(LatencyCalibration.CORNERS + 3, choices.size());
        assertEquals("7x7 e2 (6 channels)", choices.get(0).get("a").toString(), "the largest first");
        assertEquals("3x3 e1 (3 channels)", choices.get(1).get("a").toString());
        assertTrue(choices.get(2).get("a").skip(), "the smallest with skips");
        assertTrue(choices.get(4).get("a").skip(), "the largest with skips: the skippable block skipped");
        assertEquals(choices.get(0).get("b"), choices.get(4).get("b"), "the largest with skips: the largest elsewhere");
        assertEquals(choices, LatencyCalibration.choices(blocks, 3, 7), "seeded");
    }

    @Test
    void aTableOfAnotherBackendBuildIsRefusedWithBothBuildsNamed() {
        ComputationGraph net = LatencyModelTest.network(false);
        CandidateLatencyTable here = LatencyTestSupport.table(net.getConfiguration())
                .withCalibration(2.0, 1.0, Map.of(MeasuredTable.BACKEND_BUILD, LatencyProfiler.backendBuild()));
        LatencyModel.of(here);
        here.requireMeasuredHere();
        String other = "CUDA, libnd4j without oneDNN, DL4J helpers off";
        CandidateLatencyTable elsewhere = CandidateLatencyTable.fromJson(
                here.toJson().replace(LatencyProfiler.backendBuild(), other));
        assertEquals(other, elsewhere.backendBuild());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LatencyModel.of(elsewhere));
        assertTrue(e.getMessage().contains(other) && e.getMessage().contains(LatencyProfiler.backendBuild())
                && e.getMessage().contains("Profile again"), e.getMessage());
    }

    @Test
    void theTableFilesOfEarlierVersionsStillRead() {
        // Written by the profiler before the fixed part was fitted and the build recorded: no scale, no backendBuild.
        String old = "{\"backend\" : \"CPU\", \"dataType\" : \"FLOAT\", \"batchSize\" : 1, \"warmup\" : 20,"
                + " \"repeats\" : 50, \"fixedMs\" : 0.9, \"environment\" : {\"callOverheadMs\" : \"0.01\"},"
                + " \"layers\" : [ {\"name\" : \"s1b0_dw\", \"height\" : 14, \"width\" : 14, \"inChannels\" : 16,"
                + " \"outChannels\" : 16, \"stride\" : 1, \"kernelSizes\" : [ 3, 5 ], \"expansionRatios\" : [ 3.0, 6.0 ],"
                + " \"channels\" : [ 48, 96 ], \"skippable\" : true, \"ms\" : [ [ 0.2, 0.3 ], [ 0.25, 0.4 ] ],"
                + " \"skipMs\" : 0.0} ]}";
        CandidateLatencyTable table = CandidateLatencyTable.fromJson(old);
        assertEquals(1.0, table.scale());
        assertEquals(0.9, table.fixedMs());
        assertEquals(0.4, table.entry("s1b0_dw").ms(1, 1));
        assertEquals(null, table.backendBuild());
        table.requireMeasuredHere();
        assertEquals(table, CandidateLatencyTable.fromJson(table.toJson()));
        assertThrows(IllegalArgumentException.class, () -> CandidateLatencyTable.fromJson(old.replace("0.25", "-0.25")));
    }

    @Test
    void theLossPlacesTheThresholdsWhenTheWarmUpEndsAndGrowsItsWeightAboveTheTarget() {
        ComputationGraph net = new ComputationGraph(LatencyTestSupport.twoSuperkernels(false, new NoOp(), new Adam(0.01)));
        net.init();
        LatencyModel model = LatencyModel.of(LatencyTestSupport.table(net.getConfiguration()));
        LatencyLossListener listener = LatencyLossListener.builder(model).weight(0.1).targetMs(4.0)
                .warmupIterations(2).thresholdStart(0.1).weightGrowth(0.5).build();
        net.setListeners(listener);
        DataSet data = new DataSet(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 4, 6, 8, 8),
                Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        net.fit(data);
        net.fit(data);
        assertEquals(0.1, listener.currentWeight(), 1e-12, "no growth during the warm-up");
        Map<String, double[]> norms = new HashMap<>();
        for (String name : new String[] {"a", "b"}) {
            norms.put(name, ((io.dl4jdms.layers.SuperkernelOperator) net.getLayer(name)).kernelIndicators().norms());
        }
        net.fit(data);
        assertEquals(0.15, listener.currentWeight(), 1e-12, "above the target: times 1.5");
        for (String name : new String[] {"a", "b"}) {
            INDArray t = net.getLayer(name).getParam(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY);
            double[] n = norms.get(name);
            for (int i = 0; i < n.length; i++) {
                // Placed at 0.9 of the norm (the weights do not move: NoOp), then one Adam step of about 0.01.
                assertEquals(0.9 * n[i], t.getDouble(i), 0.03, name + " threshold " + i);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> LatencyLossListener.builder(model).thresholdStart(1).build());
        assertThrows(IllegalArgumentException.class, () -> LatencyLossListener.builder(model).weightGrowth(-0.1).build());
    }
}
