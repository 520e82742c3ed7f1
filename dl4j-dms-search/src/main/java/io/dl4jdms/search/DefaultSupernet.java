package io.dl4jdms.search;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.supernet.MlpSupernet;
import io.dl4jdms.supernet.ResNetSupernet;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The supernet of the {@code dms search} command: a {@link ResNetSupernet} sized for 28x28 images on a
 * CPU (a stride-2 stem of 12 channels, then three stages of two basic blocks, 12-24-48 channels, strides
 * 1-2-2), in float, trained with {@code Adam(3e-3)} (DL4J's cache mode {@code DEVICE}, see {@link #configuration(int, int,
 * int, int, double, double, long)}); and the uniformly width-scaled baseline the report
 * compares the searched network with. Widths and block counts scale with the multipliers. For a table
 * (feed-forward data) it is an {@link MlpSupernet} of two hidden {@code TopkDense} layers of 64 (widths
 * only; the depth multiplier does not apply).
 */
public final class DefaultSupernet {

    static final int STEM_WIDTH = 12;
    static final int STEM_STRIDE = 2;
    static final int[] STAGE_WIDTHS = {12, 24, 48};
    static final int[] STAGE_BLOCKS = {2, 2, 2};
    static final int[] STRIDES = {1, 2, 2};
    static final double LEARNING_RATE = 3e-3;
    static final int[] MLP_WIDTHS = {64, 64};

    private DefaultSupernet() {
    }

    /** A baseline network and the width multiplier that gave it. */
    static final class Baseline {
        final ComputationGraph network;
        final double widthMultiplier;

        Baseline(ComputationGraph network, double widthMultiplier) {
            this.network = network;
            this.widthMultiplier = widthMultiplier;
        }
    }

    /** The supernet's configuration for the data's image size (or features) and classes. */
    static ComputationGraphConfiguration configuration(SearchData data, double widthMultiplier,
                                                       double depthMultiplier, long seed) {
        if (!data.isImages()) {
            return new MlpSupernet.Builder().inputs(data.features()).classes(data.classes()).hiddenWidths(MLP_WIDTHS)
                    .widthMultiplier(widthMultiplier).globalConfiguration(global(seed)).build();
        }
        return configuration(data.height(), data.width(), data.channels(), data.classes(), widthMultiplier,
                depthMultiplier, seed);
    }

    /** The supernet's configuration for images of {@code height x imageWidth x channels} and {@code classes} classes. */
    public static ComputationGraphConfiguration configuration(int height, int imageWidth, int channels, int classes,
                                                              double widthMultiplier, double depthMultiplier,
                                                              long seed) {
        return new ResNetSupernet.Builder()
                .input(height, imageWidth, channels).classes(classes)
                .stemWidth(STEM_WIDTH).stemStride(STEM_STRIDE)
                .stageWidths(STAGE_WIDTHS).blocksPerStage(STAGE_BLOCKS).strides(STRIDES)
                .widthMultiplier(widthMultiplier).depthMultiplier(depthMultiplier)
                .globalConfiguration(global(seed))
                .build();
    }

    /**
     * The global configuration: seed, {@code Adam(3e-3)}, ReLU weight init, float, and {@link CacheMode#DEVICE}, so
     * that DL4J's stock {@code ConvolutionLayer}s keep their training pre-output for backprop instead of running the
     * forward convolution again (the searchable layers keep their forward pass whatever the cache mode); it changes no
     * result. The exported slim network and the baseline have DL4J's default {@code NONE}; {@code dms search} trains
     * them with {@code DEVICE} too.
     */
    private static NeuralNetConfiguration.Builder global(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(LEARNING_RATE))
                .weightInit(WeightInit.RELU).dataType(DataType.FLOAT).cacheMode(CacheMode.DEVICE);
    }

    /**
     * The base architecture scaled uniformly in width so that its FLOPs come closest to
     * {@code targetFlops} (bisection on the multiplier up to {@code maxMultiplier}), as a plain network.
     */
    static Baseline uniformBaseline(SearchData data, double targetFlops, double maxMultiplier, long seed,
                                    InputType input) {
        double low = 0.05;
        double high = maxMultiplier;
        for (int i = 0; i < 30; i++) {
            double mid = (low + high) / 2;
            if (flops(data, mid, seed, input) < targetFlops) {
                low = mid;
            } else {
                high = mid;
            }
        }
        double best = Math.abs(flops(data, low, seed, input) - targetFlops)
                <= Math.abs(flops(data, high, seed, input) - targetFlops) ? low : high;
        ComputationGraph supernet = new ComputationGraph(configuration(data, best, 1.0, seed));
        supernet.init();
        return new Baseline(SlimExporter.export(supernet), best);
    }

    private static double flops(SearchData data, double multiplier, long seed, InputType input) {
        ComputationGraph net = new ComputationGraph(configuration(data, multiplier, 1.0, seed));
        net.init();
        return ResourceModel.of(net, input).full(ResourceKind.FLOPS);
    }
}
