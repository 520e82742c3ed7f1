package io.dl4jdms.resource;

import io.dl4jdms.latency.ChannelLatencyTable;
import io.dl4jdms.layers.TopkOperator;

import java.util.ArrayList;
import java.util.List;

/**
 * One cost of one vertex: a base figure (a product of channel counts, or a looked-up latency) times
 * the depth gates of the blocks the vertex lies in. Gates are added after the walk over the network,
 * once every gated block is known.
 */
abstract class CostTerm {
    final String vertex;
    private final List<Factor> gates = new ArrayList<>();

    CostTerm(String vertex) {
        this.vertex = vertex;
    }

    void addGate(Factor gate) {
        gates.add(gate);
    }

    abstract double base(MaskState state);

    abstract double baseDerivative(MaskState state, TopkOperator operator);

    final double value(MaskState state) {
        double v = base(state);
        for (Factor g : gates) {
            v *= g.value(state);
        }
        return v;
    }

    /** The product rule over the base and the gates. */
    final double derivative(MaskState state, TopkOperator operator) {
        double[] values = new double[gates.size() + 1];
        double[] derivatives = new double[gates.size() + 1];
        values[0] = base(state);
        derivatives[0] = baseDerivative(state, operator);
        for (int i = 0; i < gates.size(); i++) {
            values[i + 1] = gates.get(i).value(state);
            derivatives[i + 1] = gates.get(i).derivative(state, operator);
        }
        return productDerivative(values, derivatives);
    }

    /** {@code d(prod v_i) = sum_i d_i * prod_{j != i} v_j}. */
    static double productDerivative(double[] values, double[] derivatives) {
        double total = 0;
        for (int i = 0; i < values.length; i++) {
            if (derivatives[i] == 0) {
                continue;
            }
            double rest = derivatives[i];
            for (int j = 0; j < values.length; j++) {
                if (j != i) {
                    rest *= values[j];
                }
            }
            total += rest;
        }
        return total;
    }

    /** {@code coefficient * product of channel counts}: FLOPs and parameters. */
    static final class Product extends CostTerm {
        private final double coefficient;
        private final Channels[] factors;

        Product(String vertex, double coefficient, Channels[] factors) {
            super(vertex);
            this.coefficient = coefficient;
            this.factors = factors.clone();
        }

        @Override
        double base(MaskState state) {
            double v = coefficient;
            for (Channels c : factors) {
                v *= c.value(state);
            }
            return v;
        }

        @Override
        double baseDerivative(MaskState state, TopkOperator operator) {
            double[] values = new double[factors.length];
            double[] derivatives = new double[factors.length];
            for (int i = 0; i < factors.length; i++) {
                values[i] = factors[i].value(state);
                derivatives[i] = factors[i].derivative(state, operator);
            }
            return coefficient * productDerivative(values, derivatives);
        }
    }

    /** A layer's measured time, interpolated at its input and output channel counts. */
    static final class Latency extends CostTerm {
        private final TimedLayer layer;
        private final ChannelLatencyTable.Entry entry;

        Latency(TimedLayer layer, ChannelLatencyTable.Entry entry) {
            super(layer.name());
            this.layer = layer;
            this.entry = entry;
        }

        @Override
        double base(MaskState state) {
            return entry.ms(layer.in().value(state), layer.perChannel() ? 0 : layer.out().value(state));
        }

        @Override
        double baseDerivative(MaskState state, TopkOperator operator) {
            double dIn = layer.in().derivative(state, operator);
            double dOut = layer.perChannel() ? 0 : layer.out().derivative(state, operator);
            if (dIn == 0 && dOut == 0) {
                return 0;
            }
            double in = layer.in().value(state);
            double out = layer.perChannel() ? 0 : layer.out().value(state);
            return entry.dIn(in, out) * dIn + (dOut == 0 ? 0 : entry.dOut(in, out) * dOut);
        }
    }
}
