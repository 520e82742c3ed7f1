package io.dl4jdms.examples;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;

/**
 * DMS on your own {@code MultiLayerNetwork}: replace the layers whose width you want searched by
 * {@link TopkConv} / {@link TopkDense}, attach the importance and resource-loss listeners, train as usual,
 * then export the slim network of stock DL4J layers.
 *
 * <p>Run: {@code mvn -B -q -pl examples -am package -Dmaven.test.skip=true -Prun
 * -Dexec.mainClass=io.dl4jdms.examples.DmsMultiLayerNetworkExample -Dexec.args="300"}
 */
public final class DmsMultiLayerNetworkExample {

    private DmsMultiLayerNetworkExample() {
    }

    /** What the example found. */
    public record Result(double supernetFlops, double slimFlops, double maxAbsDiff, File slimModel) {
    }

    public static void main(String[] args) throws IOException {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        Result r = run(iterations, new File("mln-slim-model.zip"));
        System.out.printf("supernet %.0f FLOPs -> slim %.0f FLOPs (%.0f%%); slim vs hard-masked max |diff| %.2e; saved %s%n",
                r.supernetFlops(), r.slimFlops(), 100 * r.slimFlops() / r.supernetFlops(), r.maxAbsDiff(), r.slimModel());
    }

    public static Result run(int iterations, File slimModel) throws IOException {
        // 1. Data: the Fashion-MNIST subset that ships with dl4j-dms (any DataSetIterator works).
        SearchData data = SearchData.load(null, 42).subset(60, 20);
        InputType input = InputType.convolutional(data.height(), data.width(), data.channels());

        // 2. Your network, with searchable layers where the width should be searched. The data type is set on the
        //    configuration (nothing global changes).
        MultiLayerConfiguration conf = network(data.classes(), input);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        // 3. The resource model counts FLOPs as a function of the ratios; the listeners search towards half of them.
        ResourceModel model = ResourceModel.of(net, input);
        ResourceLossListener resource = ResourceLossListener.builder(model).kind(ResourceKind.FLOPS)
                .targetFraction(0.5).weight(5).geometricSchedule(iterations, 0.8).build();
        net.setListeners(new TaylorImportanceListener(), resource);

        // 4. Train as usual.
        ExampleTraining.fit(net, data.train(32, 42), iterations);
        ExampleTraining.printKeptSizes(net);

        // 5. Hard masks make the supernet compute what the slim network computes; export and save it.
        ExampleTraining.useHardMasks(net);
        MultiLayerNetwork slim = SlimExporter.export(net);
        double diff = SlimExporter.maxAbsDiffVsHardMasked(net, slim, data.testSet().getFeatures());
        ModelSerializer.writeModel(slim, slimModel, false);
        return new Result(model.full(ResourceKind.FLOPS),
                PlainNetworkCounter.count(slim.getLayerWiseConfigurations(), input, ResourceKind.FLOPS), diff, slimModel);
    }

    /** A small CNN whose two convolutions and hidden dense layer have searchable widths. */
    static MultiLayerConfiguration network(int classes, InputType input) {
        return new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(3e-3))
                .weightInit(WeightInit.RELU).dataType(DataType.FLOAT)
                .list()
                .layer(new TopkConv.Builder(3, 3).nOut(16).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).batchNorm(true).hasBias(false).build())
                .layer(new TopkConv.Builder(3, 3).nOut(32).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).batchNorm(true).hasBias(false).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new TopkDense.Builder().nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(input)
                .build();
    }
}
