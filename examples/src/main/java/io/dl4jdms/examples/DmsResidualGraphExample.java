package io.dl4jdms.examples;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.graph.SearchGraphBuilder;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;

/**
 * DMS on your own {@code ComputationGraph} with residual blocks: {@link SearchGraphBuilder} adds the operators a
 * residual network needs. The residual stream has ONE width operator ({@code addWidthGroup}) that masks every
 * layer writing into it ({@code addWidthMask}), so its channels stay coupled; the removable blocks of a stage share
 * one depth operator ({@code addDepthStage}) and join the stream through {@code addGatedResidual}:
 * {@code x + m[block] * f(x)}. Inner widths are {@link TopkConv}s.
 *
 * <p>Run: {@code mvn -B -q -pl examples -am package -Dmaven.test.skip=true -Prun
 * -Dexec.mainClass=io.dl4jdms.examples.DmsResidualGraphExample -Dexec.args="300"}
 */
public final class DmsResidualGraphExample {

    private DmsResidualGraphExample() {
    }

    public static void main(String[] args) throws IOException {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        DmsMultiLayerNetworkExample.Result r = run(iterations, new File("graph-slim-model.zip"));
        System.out.printf("supernet %.0f FLOPs -> slim %.0f FLOPs (%.0f%%); slim vs hard-masked max |diff| %.2e; saved %s%n",
                r.supernetFlops(), r.slimFlops(), 100 * r.slimFlops() / r.supernetFlops(), r.maxAbsDiff(), r.slimModel());
    }

    /** The residual network: a stem, one stage of {@code blocks} removable basic blocks, the head. */
    static ComputationGraphConfiguration residualNetwork(int width, int blocks, int classes, InputType input) {
        SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder().seed(42)
                .updater(new Adam(3e-3)).weightInit(WeightInit.RELU).dataType(DataType.FLOAT));
        g.addInputs("in");
        g.setInputTypes(input);
        g.addWidthGroup("stream", width, "in");                  // one operator for the residual stream
        g.addLayer("stem", conv(3, 2, width), "in");
        g.addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem");
        g.addLayer("stem_relu", relu(), "stem_bn");
        g.addWidthMask("stem_out", "stream", "stem_relu");      // the stem writes into the stream: masked by it
        g.addDepthStage("depth", blocks, "in");                  // one operator for the stage's removable blocks
        String x = "stem_out";
        for (int b = 0; b < blocks; b++) {
            String p = "b" + b;
            g.addLayer(p + "_conv1", new TopkConv.Builder(3, 3).nOut(width).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.RELU).batchNorm(true).hasBias(false).build(), x);
            g.addLayer(p + "_conv2", conv(3, 1, width), p + "_conv1");
            g.addLayer(p + "_bn", new BatchNormalization.Builder().build(), p + "_conv2");
            g.addWidthMask(p + "_branch", "stream", p + "_bn");  // the branch writes into the stream too
            g.addGatedResidual(p + "_add", "depth", b, x, p + "_branch");
            g.addLayer(p, relu(), p + "_add");
            x = p;
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).build(), "pool");
        g.setOutputs("out");
        return g.build();
    }

    public static DmsMultiLayerNetworkExample.Result run(int iterations, File slimModel) throws IOException {
        SearchData data = SearchData.load(null, 42).subset(60, 20);
        InputType input = InputType.convolutional(data.height(), data.width(), data.channels());
        ComputationGraph net = new ComputationGraph(residualNetwork(24, 3, data.classes(), input));
        net.init();

        ResourceModel model = ResourceModel.of(net, input);
        ResourceLossListener resource = ResourceLossListener.builder(model).kind(ResourceKind.FLOPS)
                .targetFraction(0.5).weight(5).geometricSchedule(iterations, 0.8).build();
        net.setListeners(new TaylorImportanceListener(), resource);
        ExampleTraining.fit(net, data.train(32, 42), iterations);
        ExampleTraining.printKeptSizes(net);

        ExampleTraining.useHardMasks(net);
        ComputationGraph slim = SlimExporter.export(net);
        double diff = SlimExporter.maxAbsDiffVsHardMasked(net, slim, data.testSet().getFeatures());
        ModelSerializer.writeModel(slim, slimModel, false);
        return new DmsMultiLayerNetworkExample.Result(model.full(ResourceKind.FLOPS),
                PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.FLOPS, input), diff, slimModel);
    }

    private static ConvolutionLayer conv(int kernel, int stride, int width) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(width)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).hasBias(false).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
