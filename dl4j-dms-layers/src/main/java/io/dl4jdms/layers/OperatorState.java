package io.dl4jdms.layers;

import io.dl4jdms.topk.TopkMask;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A snapshot of one top-k operator of a network: its name, size N, ratio {@code a}, kept size and
 * masks. {@link #read(Model)} reads the current structure of a whole network.
 */
public final class OperatorState {

    private final String name;
    private final int size;
    private final double ratio;
    private final TopkMask mask;

    private OperatorState(String name, int size, double ratio, TopkMask mask) {
        this.name = name;
        this.size = size;
        this.ratio = ratio;
        this.mask = mask;
    }

    /** The state of one operator now. */
    public static OperatorState of(TopkOperator operator) {
        return new OperatorState(operator.operatorName(), operator.operatorSize(), operator.ratio(), operator.mask());
    }

    /** The current structure of a network: one state per top-k operator, in network order. */
    public static List<OperatorState> read(Model network) {
        List<OperatorState> states = new ArrayList<>();
        for (TopkOperator operator : operators(network)) {
            states.add(of(operator));
        }
        return Collections.unmodifiableList(states);
    }

    /**
     * The top-k operators of a {@link MultiLayerNetwork} or {@link ComputationGraph}, in layer order.
     *
     * @throws IllegalArgumentException for any other kind of model
     */
    public static List<TopkOperator> operators(Model network) {
        Layer[] layers;
        if (network instanceof MultiLayerNetwork) {
            layers = ((MultiLayerNetwork) network).getLayers();
        } else if (network instanceof ComputationGraph) {
            layers = ((ComputationGraph) network).getLayers();
        } else {
            throw new IllegalArgumentException("expected a MultiLayerNetwork or a ComputationGraph, got "
                    + (network == null ? "null" : network.getClass().getName()));
        }
        List<TopkOperator> operators = new ArrayList<>();
        for (Layer layer : layers) {
            if (layer instanceof TopkOperator) {
                operators.add((TopkOperator) layer);
            }
        }
        return operators;
    }

    /** The operator's (layer's) name. */
    public String name() {
        return name;
    }

    /** N, the size in the supernet. */
    public int size() {
        return size;
    }

    /** The ratio {@code a} as stored. */
    public double ratio() {
        return ratio;
    }

    /** The number of elements the hard mask keeps. */
    public int keptSize() {
        return mask.keptSize();
    }

    /** The soft mask {@code m_i}. */
    public double[] softMask() {
        return mask.soft();
    }

    /** The hard mask: true for kept elements. */
    public boolean[] kept() {
        return mask.kept();
    }

    @Override
    public String toString() {
        return String.format("%s: kept %d of %d (a=%.4f) soft mask %s", name, keptSize(), size, ratio,
                Arrays.toString(Arrays.stream(mask.soft()).map(m -> Math.round(m * 1000) / 1000.0).toArray()));
    }
}
