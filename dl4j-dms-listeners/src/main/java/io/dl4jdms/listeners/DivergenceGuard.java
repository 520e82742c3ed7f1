package io.dl4jdms.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Stops training at the first iteration whose loss or parameters are not finite, with a
 * {@link DivergenceException} naming the phase, the iteration and the first parameter that is not
 * finite. Put it first among the listeners, so that no later listener (a checkpoint writer, say) sees
 * the broken network.
 *
 * <pre>{@code
 * net.setListeners(new DivergenceGuard("search"), new TaylorImportanceListener(), checkpointWriter);
 * }</pre>
 *
 * Costs one sum over the parameters per iteration.
 */
public final class DivergenceGuard extends BaseTrainingListener {

    private final String phase;

    /** @param phase named in the message, e.g. {@code "search 2/3"} */
    public DivergenceGuard(String phase) {
        this.phase = phase;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        long at = Iterations.count(model, "DivergenceGuard");
        double score = model.score();
        if (!Double.isFinite(score)) {
            throw new DivergenceException(phase, at, "the loss is " + score + firstNonFinite(model, ", and "));
        }
        double sum = model.params().sumNumber().doubleValue();
        if (!Double.isFinite(sum)) {
            throw new DivergenceException(phase, at, firstNonFinite(model, "").isEmpty()
                    ? "the parameters sum to " + sum : firstNonFinite(model, ""));
        }
    }

    /** "parameter 'conv1_W' holds NaN" for the first parameter that is not finite, or "". */
    private static String firstNonFinite(Model model, String prefix) {
        for (Map.Entry<String, INDArray> e : model.paramTable().entrySet()) {
            double s = e.getValue().sumNumber().doubleValue();
            if (!Double.isFinite(s)) {
                return prefix + "parameter '" + e.getKey() + "' holds " + (Double.isNaN(s) ? "NaN" : "an infinity");
            }
        }
        return "";
    }
}
