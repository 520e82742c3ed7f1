package io.dl4jdms.search;

import io.dl4jdms.pipeline.SearchHistory;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.listeners.ResourceLossListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.util.LinkedHashMap;
import java.util.Map;

/** Records every search iteration into a {@link SearchHistory}: score, resource, target, kept sizes. */
final class HistoryRecorder extends BaseTrainingListener {

    private final SearchHistory history;
    private final ResourceLossListener resource;

    HistoryRecorder(SearchHistory history, ResourceLossListener resource) {
        this.history = history;
        this.resource = resource;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        Map<String, Integer> kept = new LinkedHashMap<>();
        for (OperatorState s : OperatorState.read(model)) {
            kept.put(s.name(), s.keptSize());
        }
        history.steps.add(new SearchHistory.Step(iteration, epoch, model.score(), resource.currentFraction(),
                resource.currentTarget(), kept));
    }
}
