package io.dl4jdms.resource;

import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.topk.TopkMask;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The counts a resource is evaluated at: the operators' current masks, the full supernet, or the
 * smallest buildable network.
 */
abstract class MaskState {

    abstract double count(TopkOperator operator);

    abstract double gate(TopkOperator depth, int block);

    double countDerivative(TopkOperator operator) {
        return 0.0;
    }

    double gateDerivative(TopkOperator depth, int block) {
        return 0.0;
    }

    /** Hard kept counts and gates forward, the soft counts' derivatives backward (straight-through). */
    static MaskState current(Iterable<TopkOperator> operators) {
        Map<TopkOperator, TopkMask> masks = new IdentityHashMap<>();
        for (TopkOperator op : operators) {
            masks.put(op, op.mask());
        }
        return new MaskState() {
            @Override
            double count(TopkOperator operator) {
                return masks.get(operator).keptSize();
            }

            @Override
            double gate(TopkOperator depth, int block) {
                return masks.get(depth).kept()[block] ? 1.0 : 0.0;
            }

            @Override
            double countDerivative(TopkOperator operator) {
                return masks.get(operator).softCountDerivative();
            }

            @Override
            double gateDerivative(TopkOperator depth, int block) {
                return masks.get(depth).softDerivative()[block];
            }
        };
    }

    /** The soft counts {@code sum(m_i)} and soft gates {@code m_block} of the operators' current masks. */
    static MaskState soft(Iterable<TopkOperator> operators) {
        Map<TopkOperator, TopkMask> masks = new IdentityHashMap<>();
        for (TopkOperator op : operators) {
            masks.put(op, op.mask());
        }
        return new MaskState() {
            @Override
            double count(TopkOperator operator) {
                return masks.get(operator).softCount();
            }

            @Override
            double gate(TopkOperator depth, int block) {
                return masks.get(depth).soft()[block];
            }
        };
    }

    /** The supernet: every element kept. */
    static final MaskState FULL = new MaskState() {
        @Override
        double count(TopkOperator operator) {
            return operator.operatorSize();
        }

        @Override
        double gate(TopkOperator depth, int block) {
            return 1.0;
        }
    };

    /** The smallest buildable network: one element per width operator, the first block per stage. */
    static final MaskState SMALLEST = new MaskState() {
        @Override
        double count(TopkOperator operator) {
            return 1.0;
        }

        @Override
        double gate(TopkOperator depth, int block) {
            return block == 0 ? 1.0 : 0.0;
        }
    };
}
