package io.dl4jdms.examples;

import io.dl4jdms.spnas.SuperkernelChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs every example with a small budget and checks what it promises. */
class ExamplesTest {

    @Test
    void dmsOnAMultiLayerNetworkPrunesAndExportsExactly(@TempDir File dir) throws Exception {
        DmsMultiLayerNetworkExample.Result r = DmsMultiLayerNetworkExample.run(40, new File(dir, "slim.zip"));
        assertTrue(r.slimFlops() < r.supernetFlops(), r.toString());
        assertTrue(r.maxAbsDiff() <= 1e-4, r.toString());
        assertTrue(r.slimModel().length() > 0);
    }

    @Test
    void dmsOnAResidualGraphPrunesAndTheSlimNetworkLoadsWithoutDl4jDms(@TempDir File dir) throws Exception {
        DmsMultiLayerNetworkExample.Result r = DmsResidualGraphExample.run(40, new File(dir, "slim.zip"));
        assertTrue(r.slimFlops() < r.supernetFlops(), r.toString());
        assertTrue(r.maxAbsDiff() <= 1e-4, r.toString());

        // The plain loader in a JVM whose classpath has DL4J but no dl4j-dms module.
        List<String> classpath = plainClasspath();
        for (String entry : classpath) {
            assertFalse(new File(entry).getName().startsWith("dl4j-dms-"), "project module left: " + entry);
        }
        classpath.add(new File(LoadSlimNetworkExample.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getPath());
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx1g",
                "-Dorg.bytedeco.javacpp.platform.extension=" + System.getProperty("org.bytedeco.javacpp.platform.extension", ""),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", String.join(File.pathSeparator, classpath),
                LoadSlimNetworkExample.class.getName(), r.slimModel().getPath()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), log);
        assertEquals(0, process.exitValue(), log);
        assertTrue(log.contains("dl4j-dms on the classpath: false"), log);
        assertTrue(log.contains("loaded ComputationGraph") && log.contains("[1, 10]"), log);
    }

    @Test
    void aLatencyBudgetPullsThePredictedLatencyDown(@TempDir File dir) throws Exception {
        LatencyBudgetExample.Result r = LatencyBudgetExample.run(60, 10, new File(dir, "latency.json"));
        assertTrue(r.supernetMs() > 0 && Double.isFinite(r.supernetMs()), r.toString());
        assertTrue(r.searchedMs() < r.supernetMs(), r.toString());
        assertTrue(new File(dir, "latency.json").length() > 0);
    }

    @Test
    void aSuperkernelDepthwiseTrainsInAUsersNetwork() throws Exception {
        SuperkernelDepthwiseExample.Result r = SuperkernelDepthwiseExample.run(30);
        assertTrue(Double.isFinite(r.firstLoss()) && Double.isFinite(r.lastLoss()), r.toString());
        assertTrue(r.lastLoss() < r.firstLoss(), r.toString());
        for (SuperkernelChoice choice : new SuperkernelChoice[] {r.before(), r.after()}) {
            assertTrue(choice.skip() || Arrays.asList(3, 5, 7).contains(choice.kernelSize()), choice.toString());
        }
        assertEquals(7, r.before().kernelSize(), "thresholds start at 0: every shell is on");
    }

    /** This test's classpath without the project's modules (their jars and class directories). */
    private static List<String> plainClasspath() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .filter(entry -> !new File(entry).isDirectory())
                .filter(entry -> !new File(entry).getName().startsWith("dl4j-dms-"))
                .collect(Collectors.toCollection(ArrayList::new));
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }
}
