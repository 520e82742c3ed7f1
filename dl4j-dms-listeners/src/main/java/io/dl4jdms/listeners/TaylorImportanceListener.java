package io.dl4jdms.listeners;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.topk.ImportanceMethod;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Updates the importance of every top-k operator of a network once per iteration, from the backward
 * pass just computed: {@code c_i <- decay * c_i + (1 - decay) * score(m_i, dL/dm_i)}, Taylor
 * {@code (m g)^2} by default (SNIP and Fisher as options). An update that would hold NaN or an
 * infinity is skipped, counted and logged; the importances stay as they were. (The layers themselves keep
 * each ratio {@code a} in range after every update and stop training if it becomes NaN.)
 *
 * <pre>{@code
 * net.setListeners(new TaylorImportanceListener());
 * net.fit(trainData);
 * }</pre>
 *
 * Works for {@code MultiLayerNetwork} and {@code ComputationGraph}; it finds the operators itself.
 */
public class TaylorImportanceListener extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(TaylorImportanceListener.class);

    private final ImportanceMethod method;
    private final double decay;
    private long appliedUpdates;
    private long skippedUpdates;

    /** Taylor importance with decay 0.99. */
    public TaylorImportanceListener() {
        this(ImportanceMethod.TAYLOR, ImportanceMethod.DEFAULT_DECAY);
    }

    /**
     * @param method how a step scores an element
     * @param decay  the moving average's decay, in (0, 1)
     */
    public TaylorImportanceListener(ImportanceMethod method, double decay) {
        if (method == null) {
            throw new IllegalArgumentException("TaylorImportanceListener: importance method must not be null");
        }
        this.method = method;
        this.decay = ImportanceMethod.requireDecay(decay);
    }

    @Override
    public void onGradientCalculation(Model model) {
        for (TopkOperator operator : OperatorState.operators(model)) {
            double[] maskGradient = operator.takeMaskGradient();
            if (maskGradient == null) {
                continue;
            }
            double[] importance = operator.importance();
            if (method.update(importance, operator.mask().soft(), maskGradient, decay)) {
                operator.setImportance(importance);
                appliedUpdates++;
            } else {
                skippedUpdates++;
                log.warn("Skipped a non-finite importance update of top-k operator '{}' (skipped so far: {})",
                        operator.operatorName(), skippedUpdates);
            }
        }
    }

    public ImportanceMethod method() {
        return method;
    }

    public double decay() {
        return decay;
    }

    /** How many operator updates were applied. */
    public long appliedUpdates() {
        return appliedUpdates;
    }

    /** How many operator updates were skipped because they were not finite. */
    public long skippedUpdates() {
        return skippedUpdates;
    }
}
