package io.dl4jdms.search;

import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.SearchData;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** {@link SupernetTraining#local()}: {@link PhaseTrainer} on this machine. */
final class LocalTraining implements SupernetTraining {

    static final LocalTraining INSTANCE = new LocalTraining();

    private LocalTraining() {
    }

    @Override
    public long iterationsPerEpoch(SearchData data, int batchSize) {
        return (data.numTrain() + batchSize - 1) / batchSize;
    }

    @Override
    public Map<String, Object> settings() {
        return Map.of();
    }

    @Override
    public void train(ComputationGraph supernet, SearchData data, SearchPhase phase) throws IOException {
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(new TaylorImportanceListener());
        ResourceLossListener resource = phase.listeners.resourceLoss(phase.model);
        Supplier<String> status = null;
        if (resource != null) {
            listeners.add(resource);
            listeners.add(new HistoryRecorder(phase.state.history, resource));
            status = () -> DmsSearch.status(resource);
        }
        supernet.setListeners(listeners);
        PhaseTrainer.train(supernet, data, phase.batchSize, phase.seed, phase.name, phase::label, phase.state.start(),
                phase.lastEpoch, phase.state.history, phase.progress, status, phase.checkpointEvery,
                phase.checkpoint.withinEpoch(supernet, phase.state, phase.clock), phase.epochDone);
    }
}
