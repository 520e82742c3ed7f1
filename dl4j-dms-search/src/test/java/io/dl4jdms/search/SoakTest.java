package io.dl4jdms.search;

import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three searches one after another in one JVM through the Java API: the resident memory outside the Java heap
 * after the third is within 10% of that after the first (no workspace, off-heap or native leak from one search to
 * the next). The test JVM has a fixed, pre-touched heap (see the module's POM), so the heap's share of the
 * resident set is constant and is taken out; a growing heap would show up as a failing search, not here.
 * A warm-up search runs first: the first search in a JVM loads classes, compiles hot code and fills oneDNN's
 * primitive cache, which raised the resident memory by about 60 MB (17%) between the first and second search
 * and by under 1% between the second and third.
 */
class SoakTest {

    /** The JVM's resident set in bytes, from /proc (Linux), after a garbage collection. */
    static long residentBytes() throws IOException {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void residentMemoryAfterTheThirdSearchIsWithinTenPercentOfAfterTheFirst(@TempDir Path dir) throws IOException {
        SearchData data = SearchData.load(null, 1).subset(20, 5);
        long[] rss = new long[4];
        StringBuilder report = new StringBuilder();
        for (int run = 0; run < 4; run++) {
            SearchSettings settings = SearchSettings.builder().out(dir.resolve("run" + run)).searchEpochs(1)
                    .retrainEpochs(1).batchSize(50).seed(1).build();
            SearchOutcome outcome = new DmsSearch(settings, SearchProgress.NONE, s -> { }).run(data);
            assertTrue(outcome.slimFlops > 0);
            rss[run] = residentBytes() - Runtime.getRuntime().totalMemory();
            StringBuilder pools = new StringBuilder();
            for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == java.lang.management.MemoryType.NON_HEAP) {
                    pools.append(String.format(", %s %.1f/%.1f MB", pool.getName(), pool.getUsage().getUsed() / 1e6,
                            pool.getUsage().getCommitted() / 1e6));
                }
            }
            report.append(String.format("%s search: resident outside the heap %.1f MB, heap committed %.1f MB, JavaCPP off-heap %.1f MB"
                            + " (physical %.1f MB)%s%n", run == 0 ? "warm-up" : "search " + run, rss[run] / 1e6,
                    Runtime.getRuntime().totalMemory() / 1e6, org.bytedeco.javacpp.Pointer.totalBytes() / 1e6,
                    org.bytedeco.javacpp.Pointer.physicalBytes() / 1e6, pools));
        }
        System.out.print(report);
        assertTrue(rss[3] <= 1.10 * rss[1], "resident memory outside the heap grew from " + rss[1] / 1e6 + " MB after the first search to "
                + rss[3] / 1e6 + " MB after the third:\n" + report);
    }
}
