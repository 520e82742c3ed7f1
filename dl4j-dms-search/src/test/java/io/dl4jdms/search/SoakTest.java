package io.dl4jdms.search;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three searches one after another in one JVM through the Java API: the resident memory after the third
 * is within 10% of that after the first (no workspace, off-heap or listener leak from one search to the next).
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
        long[] rss = new long[3];
        for (int run = 0; run < 3; run++) {
            SearchSettings settings = SearchSettings.builder().out(dir.resolve("run" + run)).searchEpochs(1)
                    .retrainEpochs(1).batchSize(50).seed(run).build();
            SearchOutcome outcome = new DmsSearch(settings, SearchProgress.NONE, s -> { }).run(data);
            assertTrue(outcome.slimFlops > 0);
            rss[run] = residentBytes();
        }
        System.out.printf("resident memory after searches 1, 2, 3: %.1f, %.1f, %.1f MB%n", rss[0] / 1e6, rss[1] / 1e6,
                rss[2] / 1e6);
        assertTrue(rss[2] <= 1.10 * rss[0], "resident memory grew from " + rss[0] / 1e6 + " MB after the first search to "
                + rss[2] / 1e6 + " MB after the third");
    }
}
