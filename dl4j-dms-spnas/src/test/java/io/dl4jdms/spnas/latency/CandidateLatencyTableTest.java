package io.dl4jdms.spnas.latency;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.spnas.SuperkernelChoice;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CandidateLatencyTableTest {

    private static CandidateLatencyTable table() {
        ComputationGraphConfiguration conf = LatencyTestSupport.twoSuperkernels(false, new NoOp(), new NoOp());
        return LatencyTestSupport.table(conf);
    }

    @Test
    void jsonAndFileRoundTripsAreExact(@TempDir File dir) throws IOException {
        CandidateLatencyTable table = table();
        CandidateLatencyTable restored = CandidateLatencyTable.fromJson(table.toJson());
        assertEquals(table, restored);
        assertEquals(table.toJson(), restored.toJson());
        File file = new File(dir, "latency.json");
        table.write(file);
        assertEquals(table, CandidateLatencyTable.read(file));
        assertTrue(table.toJson().contains("\"kernelSizes\" : [ 3, 5, 7 ]"), table.toJson());
    }

    @Test
    void entriesDescribeTheirSearchSpace() {
        CandidateLatencyTable table = table();
        CandidateLatencyTable.Entry a = table.entry("a");
        assertArrayEquals(new int[] {3, 5, 7}, a.kernelSizes());
        assertArrayEquals(new int[] {3, 6}, a.channels());
        assertTrue(a.skippable());
        assertEquals(2.5, a.ms(1, 1));
        assertEquals(0.1, a.ms(new SuperkernelChoice(0, 3, -1, 0, 0, true)));
        assertEquals(3.9, a.runtimeModel().runtime(2, 1));
        assertEquals(2.0, table.fixedMs());
        assertEquals(5.0, table.withFixedMs(5.0).fixedMs());
        assertEquals(2.0, table.fixedMs(), "withFixedMs makes a copy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> table.entry("c"));
        assertTrue(e.getMessage().contains("no entry for layer 'c'; it has [a, b]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> table.withFixedMs(-1));
    }
}
