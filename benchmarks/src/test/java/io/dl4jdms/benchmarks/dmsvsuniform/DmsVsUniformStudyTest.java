package io.dl4jdms.benchmarks.dmsvsuniform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DmsVsUniformStudyTest {

    @Test
    void pairedDifferenceMatchesTheHandComputedExample() {
        // differences 0.02, 0.01, -0.01: mean 1/150, sd sqrt(7/30000) = 0.0152753; t(0.975, 2) = 4.3026527
        PairedDifference d = PairedDifference.of(new double[] {0.80, 0.82, 0.79}, new double[] {0.78, 0.81, 0.80});
        assertEquals(3, d.n());
        assertEquals(0.0066667, d.mean(), 1e-7);
        assertEquals(0.0152753, d.sd(), 1e-7);
        double half = 4.3026527 * 0.0152753 / Math.sqrt(3);
        assertEquals(0.0066667 - half, d.low(), 1e-6);
        assertEquals(0.0066667 + half, d.high(), 1e-6);
        assertEquals(2, d.wins());
        assertFalse(d.intervalAboveZero());
        PairedDifference clear = PairedDifference.of(new double[] {0.9, 0.91, 0.92, 0.9}, new double[] {0.88, 0.9, 0.9, 0.89});
        assertTrue(clear.intervalAboveZero());
        assertEquals(4, clear.wins());
    }

    @Test
    void pairedDifferenceRefusesUnpairedOrNonFiniteValues() {
        assertThrows(IllegalArgumentException.class, () -> PairedDifference.of(new double[] {1, 2}, new double[] {1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairedDifference.of(new double[] {1, Double.NaN}, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("pair 1"), e.getMessage());
        assertTrue(Double.isNaN(PairedDifference.of(new double[] {1}, new double[] {0.5}).low()));
    }

    @Test
    void aTinyStudyWritesEveryCellAtEqualFlopsAndItsReportAndContinuesWithoutRepeatingACell(@TempDir Path out) throws Exception {
        String[] args = {"--out", out.toString(), "--seeds", "1", "--epochs", "1", "--search-epochs", "1",
                "--budgets", "0.25", "--train-per-class", "10", "--test-per-class", "5", "--batch", "32"};
        List<String> log = new ArrayList<>();
        new DmsVsUniformStudy(DmsVsUniformStudy.Options.parse(args), log::add).run();

        List<CellResult> cells = DmsVsUniformStudy.cells(out);
        assertEquals(3, cells.size(), "3 methods x 1 budget x 1 seed: " + cells.size());
        double baseFlops = -1;
        for (CellResult c : cells) {
            Path dir = out.resolve("cells").resolve(StudyReport.name(c));
            assertTrue(Files.size(dir.resolve("model.zip")) > 0, dir + "/model.zip");
            assertEquals(1, c.testAccuracy.size());
            assertTrue(c.finalAccuracy() >= 0 && c.finalAccuracy() <= 1, "accuracy " + c.finalAccuracy());
            double base = c.targetFlops / c.budget;
            if (baseFlops < 0) {
                baseFlops = base;
            }
            assertEquals(baseFlops, base, 1e-6 * baseFlops, "every cell's target is its budget times the same base FLOPs");
            double ratio = c.flops / c.targetFlops;
            if (c.method.equals("dms")) {
                assertTrue(ratio <= 1 + StudyReport.FLOPS_TOLERANCE, c.method + " " + c.budget + " FLOPs/target " + ratio);
                assertTrue(ratio > 0.9, c.method + " " + c.budget + " FLOPs/target " + ratio);
            } else {
                assertEquals(1.0, ratio, 0.05, c.method + " " + c.budget + " FLOPs/target " + ratio);
            }
            if (c.method.equals("compound")) {
                assertFalse(c.structure.contains(","), "one block per stage: " + c.structure);
            }
            if (c.method.equals("width")) {
                assertEquals(3, c.structure.split(",").length - 1, "two blocks in each of 3 stages: " + c.structure);
            }
        }
        for (String f : new String[] {"report.md", "report.json", "accuracy-vs-flops.png", "learning-curves.png", "study.json"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| 0.250 | dms - "), md);
        Map<?, ?> json = DmsVsUniformStudy.JSON.readValue(out.resolve("report.json").toFile(), Map.class);
        assertEquals(1, ((List<?>) json.get("comparisons")).size());

        // a second run finds every cell and trains nothing
        long before = Files.getLastModifiedTime(out.resolve("cells").resolve("width_b0.250_s1").resolve("cell.json")).toMillis();
        log.clear();
        new DmsVsUniformStudy(DmsVsUniformStudy.Options.parse(args), log::add).run();
        assertTrue(log.stream().noneMatch(l -> l.startsWith("[")), "no cell trained again: " + log);
        assertEquals(before, Files.getLastModifiedTime(out.resolve("cells").resolve("width_b0.250_s1").resolve("cell.json"))
                .toMillis());
        // other settings are refused, naming the file
        String[] other = args.clone();
        other[5] = "2";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DmsVsUniformStudy(DmsVsUniformStudy.Options.parse(other), log::add).run());
        assertTrue(e.getMessage().contains("study.json"), e.getMessage());
    }

    /** Processes started together on one directory (--seed-list splits the work) all find the whole study.json. */
    @Test
    void processesStartedTogetherAllReadTheWholeIdentity(@TempDir Path dir) throws Exception {
        Map<String, Object> identity = DmsVsUniformStudy.Options.parse(new String[] {"--out", dir.toString()}).identity();
        for (int round = 0; round < 20; round++) {
            Path out = Files.createDirectories(dir.resolve("study" + round));
            int starters = 4;
            CyclicBarrier together = new CyclicBarrier(starters);
            ExecutorService pool = Executors.newFixedThreadPool(starters);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < starters; t++) {
                done.add(pool.submit(() -> {
                    together.await();
                    DmsVsUniformStudy.checkIdentity(out, identity);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            try (var files = Files.list(out)) {
                assertEquals(List.of("study.json"), files.map(p -> p.getFileName().toString()).toList(),
                        "no part file left behind");
            }
        }
    }

    /**
     * The latency-budget run times nothing in the training step: the first training searches and trains the searched
     * network only; --profile-latency (the locked step) matches the uniform width to it; the next training trains that.
     */
    @Test
    void theLatencyRunMatchesTheUniformNetworkInTheProfilingStepNotInTheTraining(@TempDir Path out) throws Exception {
        String[] args = {"--out", out.toString(), "--seeds", "1", "--epochs", "1", "--search-epochs", "1",
                "--budgets", "0.25", "--methods", "width", "--train-per-class", "10", "--test-per-class", "5",
                "--batch", "32", "--latency-target", "1.0"};  // 1.0: a measured floor under load can exceed 0.9
        List<String> log = new ArrayList<>();
        Path dms = out.resolve("cells").resolve("dms-latency_b1.000_s1");
        Path uniform = out.resolve("cells").resolve("width-latency_b1.000_s1");
        String[] profile = java.util.Arrays.copyOf(args, args.length + 1);
        profile[args.length] = "--profile-latency";

        new DmsVsUniformStudy(DmsVsUniformStudy.Options.parse(profile), log::add).run();
        assertTrue(Files.size(out.resolve(LatencyRun.TABLE)) > 0);
        assertFalse(Files.exists(uniform.resolve(LatencyRun.MATCH)), "nothing searched yet, nothing to match");

        new DmsVsUniformStudy(DmsVsUniformStudy.Options.parse(args), log::add).run();
        assertTrue(Files.exists(dms.resolve("cell.json")) && Files.exists(dms.resolve(LatencyRun.SEARCHED)));
        assertFalse(Files.exists(uniform.resolve("cell.json")), "the uniform partner waits for its matching");
        assertTrue(log.stream().anyMatch(l -> l.contains("not matched")), log.toString());

        new DmsVsUniformStudy(DmsVsUniformStudy.Options.parse(profile), log::add).run();
        LatencyRun.Match match = DmsVsUniformStudy.JSON.readValue(uniform.resolve(LatencyRun.MATCH).toFile(),
                LatencyRun.Match.class);
        assertTrue(match.width > 0 && match.searchedMs > 0 && match.uniformMs > 0, "match " + match.width);

        new DmsVsUniformStudy(DmsVsUniformStudy.Options.parse(args), log::add).run();
        CellResult width = DmsVsUniformStudy.JSON.readValue(uniform.resolve("cell.json").toFile(), CellResult.class);
        assertEquals(match.width, width.widthMultiplier, 0);
        assertEquals("latency", width.budgetKind);
        assertEquals(match.uniformMs, ((Number) width.search.get("measuredMs")).doubleValue(), 0);
    }

    @Test
    void theComparisonPairsTheSearchedNetworkWithTheBetterUniformMethodOnCommonSeeds() {
        java.util.Map<String, StudyReport.Group> groups = new java.util.LinkedHashMap<>();
        groups.put("d", group("dms", new double[] {0.80, 0.82, 0.79}, 1, 2, 3));
        groups.put("w", group("width", new double[] {0.78, 0.81, 0.80, 0.99}, 1, 2, 3, 4));
        groups.put("c", group("compound", new double[] {0.70, 0.70, 0.70}, 1, 2, 3));
        Optional<StudyReport.Comparison> c = StudyReport.compare(groups, "flops", 0.25);
        assertTrue(c.isPresent());
        assertEquals("width", c.get().uniform());
        assertEquals(List.of(1L, 2L, 3L), c.get().seeds());
        assertEquals(0.0066667, c.get().difference().mean(), 1e-7);
    }

    private static StudyReport.Group group(String method, double[] acc, long... seeds) {
        List<CellResult> cells = new ArrayList<>();
        for (int i = 0; i < seeds.length; i++) {
            CellResult c = new CellResult();
            c.method = method;
            c.budget = 0.25;
            c.seed = seeds[i];
            c.testAccuracy.add(acc[i]);
            cells.add(c);
        }
        return new StudyReport.Group("flops", 0.25, method, cells);
    }
}
