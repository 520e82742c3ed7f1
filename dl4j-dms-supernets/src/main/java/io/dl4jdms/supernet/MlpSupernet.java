package io.dl4jdms.supernet;

import io.dl4jdms.layers.TopkDense;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;

/**
 * A multilayer perceptron supernet for tabular data: hidden {@link TopkDense} layers (each with its own
 * width operator) and a softmax output, as an ordinary {@link ComputationGraphConfiguration}. Widths are
 * searched; depth is not.
 *
 * <pre>{@code
 * ComputationGraphConfiguration conf = new MlpSupernet.Builder()
 *         .inputs(12).classes(3).hiddenWidths(64, 64).widthMultiplier(1.5)
 *         .build();
 * }</pre>
 *
 * <p>Vertex names: {@code input}; {@code fc1}, {@code fc2}, ... the hidden layers; {@code out} the
 * softmax output (MCXENT).
 */
public final class MlpSupernet {

    private MlpSupernet() {
    }

    /** Collects and checks the options; every setter fails naming a bad value. */
    public static final class Builder {
        private int inputs = -1;
        private int classes = -1;
        private int[] hiddenWidths = {64, 64};
        private double widthMultiplier = 1.0;
        private Activation activation = Activation.RELU;
        private NeuralNetConfiguration.Builder globalConfiguration = new NeuralNetConfiguration.Builder().seed(12345)
                .updater(new Adam(1e-3)).weightInit(WeightInit.RELU);

        /** The number of input features. */
        public Builder inputs(int inputs) {
            if (inputs <= 0) {
                throw new IllegalArgumentException("MlpSupernet: inputs must be positive, got " + inputs);
            }
            this.inputs = inputs;
            return this;
        }

        /** The number of classes of the softmax output; at least 2. */
        public Builder classes(int classes) {
            if (classes < 2) {
                throw new IllegalArgumentException("MlpSupernet: classes must be at least 2, got " + classes);
            }
            this.classes = classes;
            return this;
        }

        /** The widths of the hidden layers before the width multiplier; default 64, 64. */
        public Builder hiddenWidths(int... widths) {
            if (widths.length == 0 || Arrays.stream(widths).anyMatch(w -> w <= 0)) {
                throw new IllegalArgumentException("MlpSupernet: hidden widths must be one or more positive numbers, got "
                        + Arrays.toString(widths));
            }
            this.hiddenWidths = widths.clone();
            return this;
        }

        /** How much wider than the hidden widths the supernet is (a from-scratch search enlarges it); default 1. */
        public Builder widthMultiplier(double multiplier) {
            if (!(multiplier > 0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("MlpSupernet: width multiplier must be positive, got " + multiplier);
            }
            this.widthMultiplier = multiplier;
            return this;
        }

        /** The activation of the hidden layers; default ReLU. */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        /** The network-wide configuration (seed, updater, weight init, data type). */
        public Builder globalConfiguration(NeuralNetConfiguration.Builder configuration) {
            this.globalConfiguration = configuration;
            return this;
        }

        /** The hidden width of layer {@code i} after the multiplier (at least 1). */
        int scaled(int i) {
            return Math.max(1, (int) Math.round(hiddenWidths[i] * widthMultiplier));
        }

        public ComputationGraphConfiguration build() {
            if (inputs <= 0 || classes <= 0) {
                throw new IllegalArgumentException("MlpSupernet: inputs and classes must be set");
            }
            ComputationGraphConfiguration.GraphBuilder g = globalConfiguration.clone().graphBuilder()
                    .addInputs("input").setInputTypes(InputType.feedForward(inputs));
            String previous = "input";
            for (int i = 0; i < hiddenWidths.length; i++) {
                String name = "fc" + (i + 1);
                g.addLayer(name, new TopkDense.Builder().nOut(scaled(i)).activation(activation).build(), previous);
                previous = name;
            }
            g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                    .activation(Activation.SOFTMAX).build(), previous);
            return g.setOutputs("out").build();
        }
    }
}
