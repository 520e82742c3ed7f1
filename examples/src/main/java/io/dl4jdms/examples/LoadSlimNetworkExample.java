package io.dl4jdms.examples;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Loading a slim network where dl4j-dms is not: this class uses DL4J and ND4J only (no {@code io.dl4jdms} import),
 * so it runs with a classpath that holds just deeplearning4j-nn and an ND4J backend. The slim network is stock
 * DL4J layers; {@code ModelSerializer} restores it. The zip's {@code provenance.json} entry (what data, settings,
 * version and seed made it) is plain JSON, readable with any zip tool.
 *
 * <p>Run with the path of a slim model, e.g. the {@code slim-model.zip} of {@code bin/dms search}:
 * {@code java -cp <deeplearning4j-nn and nd4j-native jars>:examples/target/classes
 * io.dl4jdms.examples.LoadSlimNetworkExample dms-out/slim-model.zip}
 */
public final class LoadSlimNetworkExample {

    private LoadSlimNetworkExample() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: LoadSlimNetworkExample <slim-model.zip>");
            System.exit(2);
        }
        File file = new File(args[0]);
        System.out.println("dl4j-dms on the classpath: " + onClasspath("io.dl4jdms.layers.TopkConv"));

        Model model = restore(file);
        long[] inputShape = {1, 1, 28, 28};
        INDArray input = Nd4j.rand(DataType.FLOAT, inputShape);
        INDArray output = model instanceof ComputationGraph graph ? graph.outputSingle(false, input)
                : ((MultiLayerNetwork) model).output(input, false);
        System.out.println("loaded " + model.getClass().getSimpleName() + " with " + model.numParams()
                + " parameters; output " + Arrays.toString(output.shape()) + " " + output);

        try (ZipFile zip = new ZipFile(file)) {
            ZipEntry entry = zip.getEntry("provenance.json");
            if (entry != null) {
                try (InputStream in = zip.getInputStream(entry)) {
                    System.out.println("provenance: " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    /** A ComputationGraph or a MultiLayerNetwork, whichever the zip holds. */
    static Model restore(File file) throws IOException {
        try {
            return ModelSerializer.restoreComputationGraph(file, false);
        } catch (RuntimeException | IOException notAGraph) {
            return ModelSerializer.restoreMultiLayerNetwork(file, false);
        }
    }

    private static boolean onClasspath(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
