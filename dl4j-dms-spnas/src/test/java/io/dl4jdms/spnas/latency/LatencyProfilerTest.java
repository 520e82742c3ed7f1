package io.dl4jdms.spnas.latency;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.spnas.SuperkernelChoice;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The profiler on tiny shapes: a complete, sane table (no assertion on the times themselves). */
class LatencyProfilerTest {

    /** A residual inverted-residual block: 8x8, 4 channels in and out, ratios 3/6 (12/24 channels), sizes 3/5. */
    private static SearchableBlock invertedResidual() {
        SuperkernelDepthwise dw = new SuperkernelDepthwise.Builder().name("s1b1_dw").nIn(24).kernelSizes(3, 5)
                .expansionRatios(3, 6).residualBlock(true).convolutionMode(ConvolutionMode.Same).batchNorm(true)
                .hasBias(false).activation(Activation.RELU6).build();
        return new SearchableBlock(dw, 8, 8, 4, 4);
    }

    @Test
    void profilesEveryCandidateOfEveryBlock() {
        ComputationGraphConfiguration conf = LatencyTestSupport.twoSuperkernels(false, new NoOp(), new NoOp());
        List<SearchableBlock> blocks = new ArrayList<>(SearchableBlock.depthwiseLayers(conf,
                InputType.convolutional(8, 8, 6)));
        assertEquals(8, blocks.get(1).height(), "b reads a's 8x8 output");
        blocks.add(invertedResidual());
        List<String> lines = new ArrayList<>();
        int[] rounds = {0};
        LatencyProfiler profiler = LatencyProfiler.builder().warmup(1).repeats(3).progress(lines::add)
                .roundDone(() -> rounds[0]++).build();
        CandidateLatencyTable table = profiler.profile(blocks);
        assertEquals(3, table.entries().size());
        assertEquals(3, lines.size());
        assertEquals(4, profiler.roundsPerMeasurement());
        assertEquals(4, rounds[0], "one warm-up and three timed rounds, each reported once");
        assertEquals("FLOAT", table.dataType());
        assertEquals(1, table.batchSize());
        assertTrue(table.backend() != null && !table.backend().isEmpty());
        assertTrue(table.environment().containsKey("availableProcessors"), table.environment().toString());
        for (CandidateLatencyTable.Entry e : table.entries()) {
            for (int j = 0; j < e.kernelSizes().length; j++) {
                for (int i = 0; i < e.channels().length; i++) {
                    assertTrue(Double.isFinite(e.ms(j, i)) && e.ms(j, i) > 0, e.toString());
                }
            }
            assertEquals(0.0, e.skipMs());
        }
        CandidateLatencyTable.Entry block = table.entry("s1b1_dw");
        assertArrayEquals(new int[] {12, 24}, block.channels());
        assertTrue(block.skippable());
        assertEquals(table, CandidateLatencyTable.fromJson(table.toJson()));
    }

    /** The timed candidate is the stock network the exporter builds: names and shapes. */
    @Test
    void candidateNetworkIsMadeOfStockLayers() {
        SearchableBlock block = invertedResidual();
        SuperkernelChoice choice = block.space().candidate(0, 0);
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(8, 8, 4));
        String out = BlockLayers.add(g, block, choice, "in");
        assertEquals("s1b1_dw_add", out);
        ComputationGraph net = new ComputationGraph(g.setOutputs(out).build());
        net.init();
        assertArrayEquals(new long[] {12, 4, 1, 1}, net.getParam("s1b1_dw_expand_W").shape());
        assertArrayEquals(new long[] {3, 3, 12, 1}, net.getParam("s1b1_dw_W").shape());
        assertArrayEquals(new long[] {4, 12, 1, 1}, net.getParam("s1b1_dw_project_W").shape());
        assertEquals(org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D.class,
                net.getLayer("s1b1_dw").conf().getLayer().getClass());
        assertEquals("in", BlockLayers.add(g, block, block.space().candidate(0, -1), "in"), "a skipped block adds nothing");
    }

    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        double[] times = {5, 1, 4, 2, 3};
        assertEquals(3.0, LatencyProfiler.quantile(times, 0.5));
        assertEquals(1.0, LatencyProfiler.quantile(times, 0.0));
        assertEquals(5.0, LatencyProfiler.quantile(times, 1.0));
        assertEquals(1.4, LatencyProfiler.quantile(times, 0.1), 1e-12);
        assertEquals(2.5, LatencyProfiler.quantile(new double[] {4, 1, 2, 3}, 0.5));
    }

    @Test
    void wholeNetworksAndSubtractedOverheadAreTimedWithTheSettings() {
        LatencyProfiler profiler = LatencyProfiler.builder().warmup(1).repeats(3).threads(1).quantile(0.25).build();
        SearchableBlock block = invertedResidual();
        ComputationGraph candidate = block.candidateNetwork(block.space().candidate(1, 1), DataType.FLOAT);
        org.nd4j.linalg.api.ndarray.INDArray input = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 1, 4, 8, 8);
        double one = profiler.timeMs(candidate, input);
        double[] whole = profiler.wholeNetworkTimes(List.of(candidate, candidate), List.of(input, input));
        LatencyProfiler.Timing timing = profiler.times(List.of(candidate), List.of(input));
        assertTrue(one > 0 && Double.isFinite(one) && whole[0] > 0 && whole[1] > 0, one + " " + whole[0]);
        assertTrue(timing.callOverheadMs() > 0 && timing.ms()[0] >= 0, timing.toString());
        assertThrows(IllegalArgumentException.class, () -> block.candidateNetwork(block.space().candidate(0, -1),
                DataType.FLOAT));
    }

    /**
     * Against a gauge: each network's time in units of the gauge's, from the same rounds. The gauge timed against
     * itself is about 1 (two runs of one network in each round), a table's gauge time turns the ratio into ms.
     */
    @Test
    void networksAreTimedInUnitsOfAGaugeTimedInTheSameRounds() {
        LatencyProfiler profiler = LatencyProfiler.builder().warmup(1).repeats(5).threads(1).quantile(0.25).build();
        SearchableBlock block = invertedResidual();
        ComputationGraph gauge = block.candidateNetwork(block.space().candidate(1, 1), DataType.FLOAT);
        org.nd4j.linalg.api.ndarray.INDArray input = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 1, 4, 8, 8);
        LatencyProfiler.Gauged g = profiler.wholeNetworkTimesAgainst(List.of(gauge), List.of(input), gauge, input);
        assertEquals(1, g.ms().length);
        assertTrue(g.gaugeMs() > 0 && g.ms()[0] > 0, g.toString());
        assertTrue(g.ratioToGauge()[0] > 0.5 && g.ratioToGauge()[0] < 2, "the gauge in its own units: "
                + g.ratioToGauge()[0]);
        assertThrows(IllegalArgumentException.class, () -> profiler.wholeNetworkTimesAgainst(List.of(gauge), List.of(),
                gauge, input), "one input per network");
    }

    /**
     * Candidates and whole networks in one measurement: the table is that of {@code profile(blocks)}, the whole
     * networks' times carry the per-call overhead the candidates' entries have taken off, and one warm-up serves all.
     */
    @Test
    void candidatesAndWholeNetworksAreTimedInOneMeasurement() {
        SearchableBlock block = invertedResidual();
        int[] rounds = {0};
        LatencyProfiler profiler = LatencyProfiler.builder().warmup(1).repeats(3).threads(1).quantile(0.25)
                .roundDone(() -> rounds[0]++).build();
        ComputationGraph whole = block.candidateNetwork(block.space().candidate(1, 1), DataType.FLOAT);
        org.nd4j.linalg.api.ndarray.INDArray input = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 1, 4, 8, 8);
        LatencyProfiler.CandidatesAndNetworks timed = profiler.profile(List.of(block), List.of(whole, whole),
                List.of(input, input));
        assertEquals(4, rounds[0], "one measurement: one warm-up and three timed rounds");
        assertEquals(1, timed.table().entries().size());
        assertEquals(2, timed.wholeNetworkMs().length);
        double overhead = Double.parseDouble(timed.table().environment().get("callOverheadMs"));
        assertTrue(overhead > 0, "the call overhead was measured: " + overhead);
        for (double ms : timed.wholeNetworkMs()) {
            assertTrue(Double.isFinite(ms) && ms >= overhead, "a whole network pays the call's overhead: " + ms
                    + " ms against " + overhead);
        }
        assertThrows(IllegalArgumentException.class, () -> profiler.profile(List.of(block), List.of(whole),
                List.of()), "one input per whole network");
    }

    @Test
    void settingsAndShapesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> LatencyProfiler.builder().repeats(0).build());
        assertThrows(IllegalArgumentException.class, () -> LatencyProfiler.builder().quantile(1.5).build());
        SuperkernelDepthwise unnamed = new SuperkernelDepthwise.Builder().nIn(4).activation(Activation.RELU).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SearchableBlock(unnamed, 8, 8, 0, 0));
        assertTrue(e.getMessage().contains("needs a name"), e.getMessage());
        SuperkernelDepthwise residual = new SuperkernelDepthwise.Builder().name("r").nIn(12).residualBlock(true)
                .activation(Activation.RELU).build();
        e = assertThrows(IllegalArgumentException.class, () -> new SearchableBlock(residual, 8, 8, 4, 8));
        assertTrue(e.getMessage().contains("'r'") && e.getMessage().contains("maps 4 channels to 8"), e.getMessage());
    }
}
