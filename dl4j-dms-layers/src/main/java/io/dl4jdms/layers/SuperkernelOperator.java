package io.dl4jdms.layers;

import io.dl4jdms.spnas.NestedIndicators;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer implementation that carries a Single-Path NAS superkernel ({@link SuperkernelDepthwise}).
 * Listeners (the latency loss) and the exporter find such layers by this interface, in a
 * {@code MultiLayerNetwork} or a {@code ComputationGraph} alike.
 */
public interface SuperkernelOperator {

    /** The layer's name. */
    String operatorName();

    /** The layer's search space: kernel shells, channel groups, skip. */
    SuperkernelSpace searchSpace();

    /** The kernel chain at the current parameters, in the layer's mode (hard or relaxed). */
    NestedIndicators kernelIndicators();

    /** The expansion chain at the current parameters, in the layer's mode (hard or relaxed). */
    NestedIndicators expansionIndicators();

    /** The gradients of a quantity with respect to the layer's kernel and expansion thresholds. */
    record ThresholdGradients(double[] kernel, double[] expansion) {
    }

    /**
     * The thresholds' gradients of a quantity that depends on this layer through its kernel chain's products
     * {@code D_j} and its group masks {@code M_g} (a runtime model, say), along every path (a shell's
     * indicator also moves the expansion norms), at the current parameters in the layer's mode.
     *
     * @param kernelProductGradient {@code d/dD_j}, one per switchable shell
     * @param groupMaskGradient     {@code d/dM_g}, one per channel group
     */
    ThresholdGradients thresholdGradients(double[] kernelProductGradient, double[] groupMaskGradient);

    /** The kernel size and expansion ratio (or skip) the current thresholds choose, under the hard step. */
    SuperkernelChoice choice();

    /**
     * The gradient view of {@link SuperkernelParamInitializer#KERNEL_THRESHOLDS_KEY} or
     * {@link SuperkernelParamInitializer#EXPANSION_THRESHOLDS_KEY}, null when the layer has none of them.
     * What is added here before the updater runs takes effect.
     */
    INDArray thresholdGradientView(String key);
}
