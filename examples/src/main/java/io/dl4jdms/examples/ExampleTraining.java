package io.dl4jdms.examples;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** What the examples share: a fixed number of training iterations, and a look at what the search kept. */
final class ExampleTraining {

    private ExampleTraining() {
    }

    /** Fits {@code iterations} minibatches, starting the data again whenever it runs out. */
    static void fit(NeuralNetwork net, DataSetIterator data, int iterations) {
        for (int i = 0; i < iterations; i++) {
            if (!data.hasNext()) {
                data.reset();
            }
            net.fit(data.next());
        }
    }

    /** Switches every top-k operator to its hard 0/1 mask: the supernet then computes what the slim network does. */
    static void useHardMasks(Model net) {
        for (TopkOperator op : OperatorState.operators(net)) {
            op.setHardMask(true);
        }
    }

    /** Prints, per top-k operator, how many of its channels, features or blocks it keeps. */
    static void printKeptSizes(Model net) {
        for (OperatorState op : OperatorState.read(net)) {
            System.out.printf("  %-10s keeps %d of %d%n", op.name(), op.keptSize(), op.size());
        }
    }
}
