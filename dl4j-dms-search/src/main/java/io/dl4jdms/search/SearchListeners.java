package io.dl4jdms.search;

import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The listeners a phase of a DMS search trains its supernet with, as a recipe that can be sent to another machine:
 * {@link TaylorImportanceListener} always, and in the search phase a {@link ResourceLossListener} with the target
 * schedule and the depth freeze counted in the network's own iterations. A Spark worker builds its listeners from
 * the recipe for the network it trains ({@link #create(ComputationGraph)}); one machine builds them for its supernet
 * with the resource model it already has ({@link #resourceLoss(ResourceModel)}).
 */
public final class SearchListeners implements Serializable {

    private static final long serialVersionUID = 1L;

    private final InputType input;
    private final ResourceKind kind;
    private final double targetFraction;
    private final double weight;
    private final long iterations;
    private final long offset;

    private SearchListeners(InputType input, ResourceKind kind, double targetFraction, double weight, long iterations,
                            long offset) {
        this.input = input;
        this.kind = kind;
        this.targetFraction = targetFraction;
        this.weight = weight;
        this.iterations = iterations;
        this.offset = offset;
    }

    /** Importance only: the pretraining of the pretrained and structure-only pipelines. */
    public static SearchListeners importanceOnly() {
        return new SearchListeners(null, null, Double.NaN, Double.NaN, 0, 0);
    }

    /**
     * Importance and the resource loss: the geometric target schedule over {@code iterations} network iterations
     * from iteration {@code offset}, reaching {@code targetFraction} at {@link DmsSearch#REACH_TARGET_AT} of them,
     * when the depth masks freeze.
     */
    public static SearchListeners search(InputType input, ResourceKind kind, double targetFraction, double weight,
                                         long iterations, long offset) {
        if (input == null || kind == null) {
            throw new IllegalArgumentException("SearchListeners: the input type and the resource kind must be given");
        }
        if (iterations <= 0 || offset < 0) {
            throw new IllegalArgumentException("SearchListeners: the search needs a positive number of iterations from"
                    + " an iteration >= 0, got " + iterations + " from " + offset);
        }
        return new SearchListeners(input, kind, targetFraction, weight, iterations, offset);
    }

    /** Whether the phase has a resource loss. */
    public boolean hasResourceLoss() {
        return kind != null;
    }

    /** The network iteration the search phase starts at (0 for the scratch pipeline). */
    public long firstIteration() {
        return offset;
    }

    /** The network iterations of the search phase (0 without a resource loss). */
    public long iterations() {
        return iterations;
    }

    /** The resource-loss listener for a network {@code model} describes, or null without a resource loss. */
    public ResourceLossListener resourceLoss(ResourceModel model) {
        if (!hasResourceLoss()) {
            return null;
        }
        return ResourceLossListener.builder(model).kind(kind).targetFraction(targetFraction)
                .weight(weight)
                .geometricSchedule(iterations, DmsSearch.REACH_TARGET_AT)
                .firstIteration(offset)
                .freezeDepthFrom(offset + Math.round(iterations * DmsSearch.REACH_TARGET_AT))
                .build();
    }

    /**
     * The listeners for {@code network}, built on the machine that trains it: the importance listener, then the
     * resource loss on a {@link ResourceModel} of this network (if the phase has one). When the network's iteration
     * count is already past the depth freeze, its depth operators are switched to their hard masks at once.
     */
    public List<TrainingListener> create(ComputationGraph network) {
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(new TaylorImportanceListener());
        if (hasResourceLoss()) {
            ResourceLossListener resource = resourceLoss(ResourceModel.of(network, input));
            resource.onEpochStart(network);
            listeners.add(resource);
        }
        return listeners;
    }
}
