package io.dl4jdms.resource;

import io.dl4jdms.latency.ChannelLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Structure of what the profiler measures; no assertion on the times themselves beyond being valid. */
class LatencyProfilerTest {

    @Test
    void gridSpreadsCountsFromTheSmallestToTheFull() {
        assertArrayEquals(new long[] {1, 3, 4}, LatencyProfiler.grid(1, 4, 3));
        assertArrayEquals(new long[] {9, 23, 36}, LatencyProfiler.grid(9, 36, 3));
        assertArrayEquals(new long[] {1, 2, 3}, LatencyProfiler.grid(1, 3, 5), "duplicates collapse");
        assertArrayEquals(new long[] {2}, LatencyProfiler.grid(2, 2, 4), "a fixed count is one node");
    }

    @Test
    void aTopkConvIsTimedAsThePlainLayersOfTheSlimNetwork() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.searchableStack(), ResourceTestNetworks.STACK_INPUT);
        List<Layer> twin = LatencyProfiler.twin(model.timedLayers().get(0), 2, 3);
        assertEquals(3, twin.size());
        ConvolutionLayer conv = assertInstanceOf(ConvolutionLayer.class, twin.get(0));
        assertEquals(ConvolutionLayer.class, conv.getClass(), "a stock convolution, not a TopkConv");
        assertEquals(2, conv.getNIn());
        assertEquals(3, conv.getNOut());
        assertArrayEquals(new int[] {3, 3}, conv.getKernelSize());
        assertInstanceOf(ActivationIdentity.class, conv.getActivationFn());
        assertEquals(3, ((BatchNormalization) twin.get(1)).getNOut());
        assertInstanceOf(ActivationReLU.class, ((ActivationLayer) twin.get(2)).getActivationFn());

        List<Layer> output = LatencyProfiler.twin(model.timedLayers().get(3), 4, 3);
        assertEquals(4, ((OutputLayer) output.get(0)).getNIn());
    }

    @Test
    void profilesEveryTimedLayerOnItsGrid() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.searchableStack(), ResourceTestNetworks.STACK_INPUT);
        List<String> lines = new ArrayList<>();
        // Overhead KEEP: every entry holds one call's time, so each is above zero (with the overhead subtracted a
        // one-channel pooling layer can measure no more than the overhead and come out at zero).
        ChannelLatencyTable table = LatencyProfiler.builder().batchSize(4).warmup(1).repeats(3).points(3)
                .overhead(LatencyProfiler.Overhead.KEEP).progress(lines::add).build().profile(model);
        assertEquals(4, table.entries().size());
        assertEquals(4, lines.size());
        assertEquals(4, table.batchSize());
        assertEquals(3, table.repeats());
        assertTrue(table.environment().containsKey("availableProcessors"));

        ChannelLatencyTable.Entry conv = table.entry("conv");
        assertArrayEquals(new long[] {2}, conv.inChannels());
        assertArrayEquals(new long[] {1, 3, 4}, conv.outChannels());
        assertTrue(table.entry("pool").perChannel());
        assertArrayEquals(new long[] {1, 3, 4}, table.entry("pool").inChannels());
        assertArrayEquals(new long[] {9, 23, 36}, table.entry("dense").inChannels());
        assertArrayEquals(new long[] {1, 3, 5}, table.entry("dense").outChannels());
        assertArrayEquals(new long[] {3}, table.entry("layer3").outChannels());
        double sumAtFull = 0;
        for (ChannelLatencyTable.Entry e : table.entries()) {
            int last = e.inChannels().length - 1;
            int lastOut = e.perChannel() ? 0 : e.outChannels().length - 1;
            for (int i = 0; i <= last; i++) {
                for (int j = 0; j <= lastOut; j++) {
                    assertTrue(Double.isFinite(e.measured(i, j)) && e.measured(i, j) > 0, e.toString());
                }
            }
            sumAtFull += e.measured(last, lastOut);
        }
        ResourceModel timed = model.withLatency(table);
        assertEquals(sumAtFull, timed.full(ResourceKind.LATENCY), 1e-9, "the supernet's latency: the measured times at full counts");
        assertEquals(table, ChannelLatencyTable.fromJson(table.toJson()));
    }

    @Test
    void settingsAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatencyProfiler.builder().points(1).build());
        assertTrue(e.getMessage().contains("points") && e.getMessage().contains("1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LatencyProfiler.builder().batchSize(0).build());
        assertThrows(IllegalArgumentException.class, () -> LatencyProfiler.builder().repeats(0).build());
        assertThrows(IllegalArgumentException.class, () -> LatencyProfiler.builder().warmup(-1).build());
        assertThrows(IllegalArgumentException.class,
                () -> LatencyProfiler.builder().dataType(org.nd4j.linalg.api.buffer.DataType.INT).build());
    }
}
