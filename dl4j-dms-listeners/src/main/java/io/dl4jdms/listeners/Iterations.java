package io.dl4jdms.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** The training iteration a network has reached, for listeners that schedule by it. */
public final class Iterations {

    private Iterations() {
    }

    /**
     * The network's own iteration count (from its configuration).
     *
     * @param who the listener asking, named in the error message
     * @throws IllegalArgumentException if the network is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static long count(Model network, String who) {
        if (network instanceof ComputationGraph) {
            return ((ComputationGraph) network).getConfiguration().getIterationCount();
        }
        if (network instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) network).getLayerWiseConfigurations().getIterationCount();
        }
        throw new IllegalArgumentException(who + ": expected a MultiLayerNetwork or a ComputationGraph, got "
                + network.getClass().getName());
    }
}
