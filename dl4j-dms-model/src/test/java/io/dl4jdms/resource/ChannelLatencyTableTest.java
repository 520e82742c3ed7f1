package io.dl4jdms.resource;

import io.dl4jdms.latency.ChannelLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelLatencyTableTest {

    private static final ChannelLatencyTable.Entry LINE = ChannelLatencyTable.Entry.perChannel("bn", "BatchNormalization",
            new long[] {1, 3, 7}, new double[] {1.0, 2.0, 6.0});
    private static final ChannelLatencyTable.Entry GRID = ChannelLatencyTable.Entry.grid("conv", "ConvolutionLayer",
            new long[] {1, 3}, new long[] {2, 4}, new double[][] {{1, 3}, {5, 11}});

    @Test
    void perChannelEntriesInterpolateLinearlyBetweenNodesAndExtrapolateBeyond() {
        assertEquals(1.5, LINE.ms(2, 0), 1e-12);
        assertEquals(2.0, LINE.ms(3, 0), 1e-12);
        assertEquals(4.0, LINE.ms(5, 0), 1e-12);
        assertEquals(8.0, LINE.ms(9, 0), 1e-12, "beyond the last node: the last cell's slope");
        assertEquals(0.5, LINE.ms(0, 0), 1e-12, "before the first node: the first cell's slope");
        assertEquals(0.5, LINE.dIn(2, 0), 1e-12);
        assertEquals(1.0, LINE.dIn(5, 0), 1e-12);
        assertEquals(0.75, LINE.dIn(3, 0), 1e-12, "on an inner node: the mean of both slopes");
        assertEquals(1.0, LINE.dIn(7, 0), 1e-12, "on the last node: the last cell's slope");
        assertEquals(0.0, LINE.dOut(3, 0), 0);
    }

    @Test
    void gridEntriesInterpolateBilinearly() {
        assertEquals(5.0, GRID.ms(2, 3), 1e-12);                  // mean of the four corners
        assertEquals(11.0, GRID.ms(3, 4), 1e-12);
        assertEquals(3.0, GRID.dIn(2, 3), 1e-12);                 // ((5 - 1) + (11 - 3)) / 2 / 2
        assertEquals(2.0, GRID.dOut(2, 3), 1e-12);                // ((3 - 1) + (11 - 5)) / 2 / 2
        assertEquals(1.0 + 0.5 * (3 - 1), GRID.ms(1, 3), 1e-12);
        ChannelLatencyTable.Entry single = ChannelLatencyTable.Entry.grid("first", "ConvolutionLayer", new long[] {1},
                new long[] {2, 6}, new double[][] {{1, 5}});
        assertEquals(3.0, single.ms(1, 4), 1e-12);
        assertEquals(0.0, single.dIn(1, 4), 0, "one input node: constant along the input");
        assertEquals(1.0, single.dOut(1, 4), 1e-12);
    }

    @Test
    void jsonRoundTripsExactly(@TempDir File dir) throws Exception {
        List<ChannelLatencyTable.Entry> entries = new ArrayList<>(List.of(LINE, GRID));
        ChannelLatencyTable table = ChannelLatencyTable.of(16, entries);
        String json = table.toJson();
        assertTrue(json.contains("\"batchSize\" : 16") && json.contains("\"inChannels\""), json);
        ChannelLatencyTable back = ChannelLatencyTable.fromJson(json);
        assertEquals(table, back);
        assertEquals(16, back.batchSize());
        assertNull(back.entry("bn").outChannels());
        assertEquals(GRID.ms(2, 3), back.entry("conv").ms(2, 3), 0);

        File file = new File(dir, "latency.json");
        table.write(file);
        assertEquals(table, ChannelLatencyTable.read(file));
    }

    @Test
    void badEntriesAreRejectedNamingTheLayer() {
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> ChannelLatencyTable.Entry.perChannel("bn", "X", new long[] {4, 2}, new double[] {1, 2}));
        assertTrue(order.getMessage().contains("'bn'") && order.getMessage().contains("strictly increasing"),
                order.getMessage());
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class, () -> ChannelLatencyTable.Entry.grid(
                "conv", "X", new long[] {1, 2}, new long[] {1}, new double[][] {{1}}));
        assertTrue(rows.getMessage().contains("'conv'") && rows.getMessage().contains("one row"), rows.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> ChannelLatencyTable.Entry.perChannel("bn", "X", new long[] {1, 2}, new double[] {1, -2}));
        assertTrue(negative.getMessage().contains("-2.0"), negative.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ChannelLatencyTable.Entry.perChannel("bn", "X", new long[] {1, 2}, new double[] {1, Double.NaN}));
        String badJson = ChannelLatencyTable.of(4, List.of(LINE)).toJson().replace("6.0", "-6.0");
        assertThrows(IllegalArgumentException.class, () -> ChannelLatencyTable.fromJson(badJson));
        assertThrows(IllegalArgumentException.class, () -> ChannelLatencyTable.of(0, List.of(LINE)));
    }

    @Test
    void aMissingEntryNamesTheLayersTheTableHas() {
        ChannelLatencyTable table = ChannelLatencyTable.of(4, List.of(LINE, GRID));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> table.entry("dense"));
        assertTrue(e.getMessage().contains("'dense'") && e.getMessage().contains("[bn, conv]"), e.getMessage());
    }

    @Test
    void anEntryThatDoesNotCoverTheLayersChannelsIsRejected() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.searchableStack(), ResourceTestNetworks.STACK_INPUT);
        List<ChannelLatencyTable.Entry> entries = new ArrayList<>(ResourceTestNetworks.madeUpTable(model).entries());
        // "conv" writes 1..4 channels; this entry was measured from 2 to 4 only.
        entries.set(0, ChannelLatencyTable.Entry.grid("conv", "TopkConv", new long[] {2}, new long[] {2, 4},
                new double[][] {{1, 2}}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.withLatency(ChannelLatencyTable.of(8, entries)));
        assertTrue(e.getMessage().contains("'conv'") && e.getMessage().contains("2..4")
                && e.getMessage().contains("1..4"), e.getMessage());
    }

    @Test
    void aTableOfAnotherBackendBuildIsRefusedByTheResourceModel() {
        ResourceModel model = ResourceModel.of(ResourceTestNetworks.searchableStack(), ResourceTestNetworks.STACK_INPUT);
        ChannelLatencyTable given = ResourceTestNetworks.madeUpTable(model);
        model.withLatency(given);
        String other = "CUDA, libnd4j without oneDNN, DL4J helpers off";
        String json = given.toJson().replace("\"backend\" : \"given\"", "\"backend\" : \"CUDA\"")
                .replace("\"environment\" : { }", "\"environment\" : {\"backendBuild\" : \"" + other + "\"}");
        ChannelLatencyTable elsewhere = ChannelLatencyTable.fromJson(json);
        assertEquals(other, elsewhere.backendBuild());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.withLatency(elsewhere));
        assertTrue(e.getMessage().contains(other) && e.getMessage().contains(LatencyProfiler.backendBuild()),
                e.getMessage());
    }
}
