package plaindl4j;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.Arrays;

/**
 * A program that knows only DL4J: restores a network saved with {@code ModelSerializer}, evaluates it on
 * an input read from a file and writes the output to a file. Started in its own JVM whose classpath
 * holds no module of this project, it shows that the slim networks need none of it. It prints whether
 * two of the project's classes can be loaded, so the test can check they really are absent.
 *
 * <p>Arguments: {@code mln|cg model.zip input.bin output.bin}.
 */
public final class LoadSlimNetwork {

    private LoadSlimNetwork() {
    }

    public static void main(String[] args) throws Exception {
        for (String name : new String[] {"io.dl4jdms.layers.TopkConv", "io.dl4jdms.export.SlimExporter"}) {
            try {
                Class.forName(name);
                System.out.println("LOADABLE " + name);
            } catch (ClassNotFoundException e) {
                System.out.println("NOT LOADABLE " + name);
            }
        }
        File model = new File(args[1]);
        INDArray input = Nd4j.readBinary(new File(args[2]));
        INDArray output;
        if ("mln".equals(args[0])) {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model, false);
            output = net.output(input, false);
        } else {
            ComputationGraph net = ModelSerializer.restoreComputationGraph(model, false);
            output = net.outputSingle(false, input);
        }
        Nd4j.saveBinary(output, new File(args[3]));
        System.out.println("OUTPUT " + Arrays.toString(output.shape()));
    }
}
