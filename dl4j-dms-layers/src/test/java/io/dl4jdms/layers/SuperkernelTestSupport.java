package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Set;

/** Helpers shared by the tests of {@link SuperkernelDepthwise}. */
final class SuperkernelTestSupport {

    private SuperkernelTestSupport() {
    }

    /** The superkernel layers of a network, in layer order. */
    static List<Layer> superkernelLayers(Model net) {
        return TopkTestSupport.layersOf(net, SuperkernelOperator.class, "superkernel");
    }

    /** The network-level keys of the given parameters of every superkernel layer. */
    static Set<String> keys(Model net, String... keys) {
        return TopkTestSupport.keys(net, superkernelLayers(net), keys);
    }

    /**
     * Sets a layer's thresholds to {@code norm - offset}: a positive offset keeps the indicator on (by that
     * margin), a negative one switches it off. The kernel thresholds are set first, since the expansion
     * norms are taken on the kernel the shells choose.
     */
    static void placeThresholds(Layer layer, double[] kernelOffsets, double[] expansionOffsets) {
        SuperkernelOperator op = (SuperkernelOperator) layer;
        place(layer, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, op.kernelIndicators().norms(), kernelOffsets);
        place(layer, SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, op.expansionIndicators().norms(),
                expansionOffsets);
    }

    private static void place(Layer layer, String key, double[] norms, double[] offsets) {
        INDArray view = layer.getParam(key);
        if (view == null) {
            return;
        }
        for (int i = 0; i < norms.length; i++) {
            view.putScalar(i, norms[i] - offsets[i]);
        }
    }
}
