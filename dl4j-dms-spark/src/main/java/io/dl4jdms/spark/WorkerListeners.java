package io.dl4jdms.spark;

import io.dl4jdms.search.SearchListeners;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Puts a DMS search's listeners on the network a Spark worker trains. A worker builds a new network for every
 * averaging round (from the driver's configuration with its iteration count, parameters and updater state, see
 * {@link SearchTrainingMaster}); before the first minibatch of such a network this hook builds the importance and resource-loss
 * listeners for it from the serialisable {@link SearchListeners} recipe (the resource model describes the worker's
 * own operators) and switches its depth masks to hard ones if the round starts past the depth freeze.
 */
final class WorkerListeners implements TrainingHook {

    private static final long serialVersionUID = 1L;

    private final SearchListeners recipe;
    /** The network the listeners were built for (each deserialised copy of the hook starts with none). */
    private transient Model attachedTo;

    WorkerListeners(SearchListeners recipe) {
        this.recipe = recipe;
    }

    private void attach(Model model) {
        if (model == attachedTo) {
            return;
        }
        if (!(model instanceof ComputationGraph)) {
            throw new IllegalStateException("a DMS search trains a ComputationGraph on Spark, got "
                    + model.getClass().getName());
        }
        ComputationGraph graph = (ComputationGraph) model;
        graph.setListeners(recipe.create(graph));
        attachedTo = model;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        attach(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        attach(model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
