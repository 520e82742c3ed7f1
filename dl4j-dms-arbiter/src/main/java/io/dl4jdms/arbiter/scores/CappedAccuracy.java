package io.dl4jdms.arbiter.scores;

import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Locale;

/**
 * Held-out accuracy under a resource cap, maximised: a network within the cap scores its accuracy, one above it
 * scores 0 (so no candidate over the budget can be the best). The resource is FLOPs or parameters (counted on the
 * stock network by {@link PlainNetworkCounter}), or latency: the median time of a batch-1 inference forward pass on
 * this machine's backend, in ms. The last measured resource is kept for the study's summary.
 *
 * <pre>{@code
 * new CappedAccuracy(CappedAccuracy.Resource.FLOPS, 2.0e6, InputType.convolutional(28, 28, 1))
 * }</pre>
 */
public class CappedAccuracy extends NetworkScore {

    /** What the cap limits. */
    public enum Resource { FLOPS, PARAMS, LATENCY_MS }

    private Resource resource;
    private double cap;
    private InputType inputType;
    private transient double lastResource = Double.NaN;

    /** For JSON. */
    protected CappedAccuracy() {
    }

    /** A cap on {@code resource} for networks whose examples are of type {@code inputType}. */
    public CappedAccuracy(Resource resource, double cap, InputType inputType) {
        if (resource == null) {
            throw new IllegalArgumentException("CappedAccuracy: resource must be set");
        }
        if (!(cap > 0) || Double.isInfinite(cap)) {
            throw new IllegalArgumentException("CappedAccuracy: the " + resource + " cap must be positive and finite, got "
                    + cap);
        }
        this.resource = resource;
        this.cap = cap;
        this.inputType = requireInput(inputType, "CappedAccuracy");
    }

    /** The resource of {@code model}: FLOPs, parameters or batch-1 latency in ms. */
    public double measure(Model model) {
        InputType input = inputType;
        switch (resource) {
            case FLOPS:
            case PARAMS:
                ResourceKind kind = resource == Resource.FLOPS ? ResourceKind.FLOPS : ResourceKind.PARAMS;
                if (model instanceof ComputationGraph) {
                    return PlainNetworkCounter.count(((ComputationGraph) model).getConfiguration(), kind, input);
                }
                return PlainNetworkCounter.count(((MultiLayerNetwork) model).getLayerWiseConfigurations(), input, kind);
            default:
                long[] shape = input.getShape(true);
                shape[0] = 1;
                INDArray x = Nd4j.rand(model.params().dataType(), shape);
                return LatencyProfiler.builder().batchSize(1).warmup(5).repeats(21).quantile(0.5).build().timeMs(model, x);
        }
    }

    @Override
    double score(Model model, Data data) {
        lastResource = measure(model);
        return lastResource <= cap ? accuracy(model, data.test()) : 0.0;
    }

    /** The resource measured by the last {@code score} call (NaN before the first). */
    public double lastResource() {
        return lastResource;
    }

    public Resource getResource() {
        return resource;
    }

    public double getCap() {
        return cap;
    }

    @Override
    public boolean minimize() {
        return false;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "CappedAccuracy(%s <= %g)", resource, cap);
    }
}
