package io.dl4jdms.search;

import io.dl4jdms.pipeline.SearchData;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.IOException;
import java.util.Map;

/**
 * Trains the supernet of a DMS search through its pretraining and search phases: on this machine
 * ({@link #local()}, what {@code dms search} does) or data-parallel elsewhere (the dl4j-dms-spark module). Everything
 * else of the search (data, checkpoints, budget fit, export, retraining, report) stays with {@link DmsSearch}.
 */
public interface SupernetTraining {

    /** Training on this machine, one minibatch per iteration ({@code PhaseTrainer}). */
    static SupernetTraining local() {
        return LocalTraining.INSTANCE;
    }

    /**
     * The network iterations one epoch of {@code data} takes in minibatches of {@code batchSize}: the unit in which
     * the target schedule and the depth freeze are counted.
     */
    long iterationsPerEpoch(SearchData data, int batchSize);

    /**
     * The settings of this training that decide the result (e.g. workers and averaging frequency), added to the
     * search's settings map: a checkpoint is resumed only with the same ones. Empty for {@link #local()}.
     */
    Map<String, Object> settings();

    /** Trains one phase as {@code phase} says, from its state's epoch and minibatch to its last epoch. */
    void train(ComputationGraph supernet, SearchData data, SearchPhase phase) throws IOException;
}
