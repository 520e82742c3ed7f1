package io.dl4jdms.spnas.search;

import io.dl4jdms.supernet.SinglePathSupernet;

import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.layers.TopkParamInitializer;
import io.dl4jdms.spnas.KernelShells;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.latency.LatencyModel;
import io.dl4jdms.spnas.latency.SearchableBlock;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Exports a trained {@link SinglePathSupernet} as a plain DL4J network of the candidates its thresholds
 * choose: every superkernel becomes a stock {@code DepthwiseConvolution2D} of the chosen size on the kept
 * channels (its kernel cropped from the superkernel's centre), the expansion and projection keep only
 * those channels, skipped blocks disappear, and everything else is copied as it is. With hard indicators
 * the supernet in inference mode computes what the exported network computes.
 */
public final class SinglePathExport {

    private static final String[] NORM_KEYS = {TopkParamInitializer.GAMMA_KEY, TopkParamInitializer.BETA_KEY,
            TopkParamInitializer.MEAN_KEY, TopkParamInitializer.VAR_KEY};

    private SinglePathExport() {
    }

    /** The plain network of the supernet's current choices, with its weights. */
    public static ComputationGraph export(SinglePathSupernet supernet, ComputationGraph trained) {
        return export(supernet, trained, LatencyModel.choices(trained));
    }

    /** The plain network of the given choices (block name to choice), with the supernet's weights. */
    public static ComputationGraph export(SinglePathSupernet supernet, ComputationGraph trained,
                                          Map<String, SuperkernelChoice> choices) {
        ComputationGraph plain = new ComputationGraph(supernet.plainConfiguration(choices));
        plain.init();
        Set<String> blockLayers = new HashSet<>();
        for (SearchableBlock block : supernet.blocks()) {
            SuperkernelChoice choice = choices.get(block.name());
            String n = block.name();
            blockLayers.add(n);
            if (choice.skip()) {
                continue;
            }
            INDArrayIndex kept = NDArrayIndex.interval(0, choice.channels());
            INDArrayIndex all = NDArrayIndex.all();
            copy(trained, n + "_expand", "W", plain, n + "_expand", w -> w.get(kept, all, all, all));
            for (String key : NORM_KEYS) {
                copy(trained, n + "_expand_bn", key, plain, n + "_expand_bn", p -> p.get(all, kept));
            }
            KernelShells shells = block.space().shells();
            int offset = shells.offset(choice.kernelIndex());
            INDArrayIndex window = NDArrayIndex.interval(offset, offset + choice.kernelSize());
            copy(trained, n, SuperkernelParamInitializer.WEIGHT_KEY, plain, n, w -> w.get(window, window, kept, all));
            if (block.depthwise().hasBias()) {
                copy(trained, n, SuperkernelParamInitializer.BIAS_KEY, plain, n, b -> b.get(all, kept));
            }
            if (block.depthwise().isBatchNorm()) {
                for (String key : NORM_KEYS) {
                    copy(trained, n, key, plain, n + "_bn", p -> p.get(all, kept));
                }
            }
            copy(trained, n + "_project", "W", plain, n + "_project", w -> w.get(all, kept, all, all));
        }
        for (Layer layer : plain.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (!isBlockLayer(name, blockLayers)) {
                for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                    e.getValue().assign(trained.getLayer(name).getParam(e.getKey()));
                }
            }
        }
        return plain;
    }

    private static boolean isBlockLayer(String name, Set<String> blocks) {
        for (String block : blocks) {
            if (name.equals(block) || name.startsWith(block + "_")) {
                return true;
            }
        }
        return false;
    }

    private static void copy(ComputationGraph from, String fromLayer, String key, ComputationGraph to, String toLayer,
                             UnaryOperator<INDArray> select) {
        INDArray source = select.apply(from.getLayer(fromLayer).getParam(key));
        INDArray target = to.getLayer(toLayer).getParam(key);
        // DL4J's batch normalisation keeps its vectors as [n], ours as [1, n]: equal lengths suffice for vectors.
        boolean vectors = source.isVector() && target.isVector() && source.length() == target.length();
        if (!vectors && !Arrays.equals(source.shape(), target.shape())) {
            throw new IllegalStateException("SinglePathExport: " + fromLayer + "_" + key + " gives "
                    + Arrays.toString(source.shape()) + ", " + toLayer + "_" + key + " is "
                    + Arrays.toString(target.shape()));
        }
        target.assign(vectors ? source.reshape(target.shape()) : source);
    }
}
