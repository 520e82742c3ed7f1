package io.dl4jdms.examples;

import io.dl4jdms.layers.SuperkernelDepthwise;
import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.spnas.SuperkernelChoice;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;

/**
 * A {@link SuperkernelDepthwise} in your own network: the depthwise convolution of an inverted-residual block
 * (1x1 expand, depthwise, 1x1 project) whose kernel size (3, 5 or 7) and expansion ratio (3 or 6) are learned
 * with the weights, through one threshold per kernel shell and channel group. Here only the task loss drives
 * them; {@code dms spnas} adds the latency loss (Single-Path NAS).
 *
 * <p>Run: {@code mvn -B -q -pl examples -am package -Dmaven.test.skip=true -Prun
 * -Dexec.mainClass=io.dl4jdms.examples.SuperkernelDepthwiseExample -Dexec.args="200"}
 */
public final class SuperkernelDepthwiseExample {

    private SuperkernelDepthwiseExample() {
    }

    /** The choice before and after training, and the training loss of the first and last iteration. */
    public record Result(SuperkernelChoice before, SuperkernelChoice after, double firstLoss, double lastLoss) {
    }

    public static void main(String[] args) throws IOException {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Result r = run(iterations);
        System.out.printf("choice %s -> %s; loss %.3f -> %.3f%n", r.before(), r.after(), r.firstLoss(), r.lastLoss());
    }

    public static Result run(int iterations) throws IOException {
        SearchData data = SearchData.load(null, 42).subset(60, 20);
        int expanded = 4 * 6; // 4 channels times the largest expansion ratio
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(3e-3))
                .weightInit(WeightInit.RELU).dataType(DataType.FLOAT)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(expanded).activation(Activation.RELU6).build())
                .layer(new SuperkernelDepthwise.Builder().kernelSizes(3, 5, 7).expansionRatios(3, 6)
                        .convolutionMode(ConvolutionMode.Same).batchNorm(true).activation(Activation.RELU6)
                        .hasBias(false).thresholdUpdater(new Adam(0.05)).build())
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(8).activation(Activation.IDENTITY).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(data.classes())
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(data.height(), data.width(), data.channels()))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        SuperkernelOperator superkernel = (SuperkernelOperator) net.getLayer(2);
        SuperkernelChoice before = superkernel.choice();

        DataSetIterator train = data.train(32, 42);
        double first = Double.NaN;
        for (int i = 0; i < iterations; i++) {
            if (!train.hasNext()) {
                train.reset();
            }
            net.fit(train.next());
            if (i == 0) {
                first = net.score();
            }
        }
        return new Result(before, superkernel.choice(), first, net.score());
    }
}
