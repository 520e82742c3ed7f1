package io.dl4jdms.search;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.util.List;

/**
 * Freezes every parameter but the operators' ratios, for the structure-only pipeline: after the
 * other listeners have added their gradients and before the updater runs, it zeroes the whole
 * gradient except the ratios'. With the updater state reset beforehand, nothing else moves.
 */
final class WeightFreezer extends BaseTrainingListener {

    @Override
    public void onGradientCalculation(Model model) {
        List<TopkOperator> operators = OperatorState.operators(model);
        double[] ratioGradients = new double[operators.size()];
        for (int i = 0; i < operators.size(); i++) {
            ratioGradients[i] = operators.get(i).ratioGradientView().getDouble(0);
        }
        ((ComputationGraph) model).getFlattenedGradients().assign(0);
        for (int i = 0; i < operators.size(); i++) {
            operators.get(i).ratioGradientView().putScalar(0, ratioGradients[i]);
        }
    }
}
