package io.dl4jdms.resource;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.List;

/**
 * Counts the FLOPs (multiply-accumulates of one example's forward pass) and trainable parameters of a
 * network from its configuration alone, with the cost rules of the {@link LayerRegistry} (the same rules
 * as {@link ResourceModel}) at full width: the count of exported slim networks and of baselines, and the
 * configuration-only check of a supernet's full figures (a searchable layer counts at its full size).
 */
public final class PlainNetworkCounter {

    private PlainNetworkCounter() {
    }

    /** FLOPs or parameters of a layer stack with the given input type. */
    public static double count(MultiLayerConfiguration conf, InputType input, ResourceKind kind) {
        return count(conf, input, kind, LayerRegistry.standard());
    }

    /** As {@link #count(MultiLayerConfiguration, InputType, ResourceKind)}, with the rules of a registry. */
    public static double count(MultiLayerConfiguration conf, InputType input, ResourceKind kind,
                               LayerRegistry registry) {
        NetworkWalk walk = new NetworkWalk(registry);
        walk.walk(conf, (java.util.function.IntFunction<org.deeplearning4j.nn.api.Layer>) null, input);
        return total(walk, kind);
    }

    /** FLOPs or parameters of a graph with the given input types. */
    public static double count(ComputationGraphConfiguration conf, ResourceKind kind, InputType... inputs) {
        return count(conf, kind, LayerRegistry.standard(), inputs);
    }

    /** As {@link #count(ComputationGraphConfiguration, ResourceKind, InputType...)}, with the rules of a registry. */
    public static double count(ComputationGraphConfiguration conf, ResourceKind kind, LayerRegistry registry,
                               InputType... inputs) {
        NetworkWalk walk = new NetworkWalk(registry);
        walk.walk(conf, NetworkWalk.topologicalOrder(conf), null, inputs);
        return total(walk, kind);
    }

    private static double total(NetworkWalk walk, ResourceKind kind) {
        if (kind != ResourceKind.FLOPS && kind != ResourceKind.PARAMS) {
            throw new IllegalArgumentException("plain network counter: counts FLOPS and PARAMS, not " + kind
                    + " (latency comes from a LatencyTable, see ResourceModel.withLatency)");
        }
        List<CostTerm> terms = walk.terms.get(kind);
        double total = 0;
        for (CostTerm t : terms) {
            total += t.value(MaskState.FULL);
        }
        return total;
    }
}
