package io.dl4jdms.examples.convert;

import io.dl4jdms.convert.DmsSupernet;
import io.dl4jdms.data.FashionMnist;
import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.model.Darknet19;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.List;

/**
 * Searches a network you did not build from dl4j-dms layers: deeplearning4j-zoo's Darknet19 (no
 * pretrained weights) on Fashion-MNIST padded to 32x32, for half of its FLOPs.
 *
 * <ol>
 *   <li>{@link DmsSupernet} turns the stock graph into a supernet: every convolution with its batch
 *       normalisation and activation becomes one searchable {@code TopkConv};</li>
 *   <li>the importance and resource listeners search the widths while the network trains;</li>
 *   <li>{@link SlimExporter} removes the pruned channels: the result is a plain DL4J network.</li>
 * </ol>
 *
 * <pre>
 * mvn -B -q -pl examples -am compile exec:java -Dexec.mainClass=io.dl4jdms.examples.convert.SearchZooNetwork \
 *     -Dexec.args="60 slim-darknet19.zip"
 * </pre>
 * Arguments: search iterations (default 60), where to save the slim network (default: not saved).
 */
public final class SearchZooNetwork {

    private SearchZooNetwork() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        File output = args.length > 1 ? new File(args[1]) : null;

        // 1. Any stock network: here Darknet19 from the DL4J model zoo, for 1x32x32 images and 10 classes.
        ComputationGraph stock = Darknet19.builder().numClasses(FashionMnist.CLASSES).inputShape(new int[] {1, 32, 32})
                .build().init();
        InputType input = InputType.convolutional(32, 32, 1);

        // 2. Convert it. The summary says which widths are searched and which stay, and why.
        DmsSupernet converted = DmsSupernet.builder().convert(stock);
        System.out.print(converted.summary());
        ComputationGraph supernet = converted.graph();

        // 3. Search: Taylor importance ranks the channels, the resource loss pulls the FLOPs to 50%.
        ResourceModel model = ResourceModel.of(supernet, input);
        ResourceLossListener resource = ResourceLossListener.builder(model).flops().targetFraction(0.5).weight(5)
                .build();
        supernet.setListeners(new TaylorImportanceListener(), resource);
        FashionMnist data = FashionMnist.embedded().subset(20, 10, 42);
        List<DataSet> batches = padded(data.trainSet()).batchBy(16);
        for (int i = 0; i < iterations; i++) {
            supernet.fit(batches.get(i % batches.size()));
        }
        System.out.printf("after %d iterations: %.1f%% of the FLOPs%n", iterations,
                100 * model.evaluate(ResourceKind.FLOPS).fraction());

        // 4. Export the slim network: stock DL4J layers only, the pruned channels removed.
        ComputationGraph slim = SlimExporter.export(supernet);
        System.out.printf("FLOPs %.3g -> %.3g, parameters %d -> %d%n",
                PlainNetworkCounter.count(stock.getConfiguration(), ResourceKind.FLOPS, input),
                PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.FLOPS, input),
                stock.numParams(), slim.numParams());
        DataSet test = padded(data.testSet());
        Evaluation evaluation = new Evaluation(FashionMnist.CLASSES);
        evaluation.eval(test.getLabels(), slim.outputSingle(false, test.getFeatures()));
        System.out.printf("slim network test accuracy %.3f (a short search on a small subset)%n", evaluation.accuracy());
        if (output != null) {
            ModelSerializer.writeModel(slim, output, false);   // loads with ComputationGraph.load, no dl4j-dms needed
            System.out.println("saved " + output);
        }
    }

    /** Fashion-MNIST's 28x28 images with a 2-pixel zero border: Darknet19 halves the size five times. */
    private static DataSet padded(DataSet set) {
        INDArray features = Nd4j.pad(set.getFeatures(), new int[][] {{0, 0}, {0, 0}, {2, 2}, {2, 2}});
        return new DataSet(features, set.getLabels());
    }
}
