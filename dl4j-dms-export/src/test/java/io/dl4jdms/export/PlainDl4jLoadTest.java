package io.dl4jdms.export;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slim networks load and evaluate where only DL4J is: a separate JVM whose classpath is this test's
 * without any module of the project restores the saved zip and writes its output, which must equal the
 * output computed here.
 */
class PlainDl4jLoadTest {

    @Test
    void slimMultiLayerNetworkLoadsWithOnlyDl4j(@TempDir File dir) throws Exception {
        MultiLayerNetwork supernet = MultiLayerExportTest.supernet(DataType.FLOAT, CNN2DFormat.NHWC, true, true);
        ExportTestSupport.searched(supernet, 0.4, 13);
        MultiLayerNetwork slim = SlimExporter.export(supernet);
        INDArray input = ExportTestSupport.features(DataType.FLOAT, 14, MultiLayerExportTest.imageShape(CNN2DFormat.NHWC, 5));
        assertSameOutputInPlainJvm("mln", slim, slim.output(input, false), input, dir);
    }

    @Test
    void slimComputationGraphLoadsWithOnlyDl4j(@TempDir File dir) throws Exception {
        ComputationGraph supernet = GraphExportTest.depthSupernet(DataType.FLOAT, false);
        ComputationGraph slim = SlimExporter.export(supernet);
        INDArray input = ExportTestSupport.features(DataType.FLOAT, 15, 5, 3, 8, 8);
        assertSameOutputInPlainJvm("cg", slim, slim.outputSingle(false, input), input, dir);
    }

    static void assertSameOutputInPlainJvm(String kind, Model slim, INDArray expected, INDArray input, File dir)
            throws IOException, InterruptedException {
        File model = new File(dir, "slim.zip");
        File in = new File(dir, "input.bin");
        File out = new File(dir, "output.bin");
        ModelSerializer.writeModel(slim, model, false);
        Nd4j.saveBinary(input, in);

        List<String> classpath = plainClasspath();
        assertFalse(classpath.isEmpty());
        for (String entry : classpath) {
            assertFalse(entry.contains("dl4j-dms") && !entry.endsWith("test-classes"), "project entry left: " + entry);
        }
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx2g",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", String.join(File.pathSeparator, classpath),
                "plaindl4j.LoadSlimNetwork", kind, model.getPath(), in.getPath(), out.getPath()));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the plain JVM did not finish:\n" + log);
        assertEquals(0, process.exitValue(), "the plain JVM failed:\n" + log);
        assertTrue(log.contains("NOT LOADABLE io.dl4jdms.layers.TopkConv")
                && log.contains("NOT LOADABLE io.dl4jdms.export.SlimExporter"), "the project's classes were loadable:\n" + log);

        INDArray actual = Nd4j.readBinary(out);
        assertArrayEquals(expected.shape(), actual.shape());
        double diff = actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        System.out.printf("plain-DL4J JVM (%s, %.1f s): max |output - in-process output| = %.3e%n", kind,
                (System.nanoTime() - start) / 1e9, diff);
        assertTrue(diff <= 1e-6, "max |diff| " + diff + "\n" + log);
    }

    /**
     * This test's classpath without the project's modules: their class directories and jars go, this
     * module's test classes (which hold the plain program) stay.
     */
    private static List<String> plainClasspath() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .filter(entry -> !entry.replace('\\', '/').contains("/io/dl4jdms/"))
                .filter(entry -> !(new File(entry).isDirectory() && new File(entry).getName().equals("classes")))
                // In a reactor build (mvn verify) the sibling modules come as their freshly packaged jars.
                .filter(entry -> !new File(entry).getName().startsWith("dl4j-dms-"))
                .collect(Collectors.toList());
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }
}
