package io.dl4jdms.export;

import io.dl4jdms.convert.LayerSettings;
import io.dl4jdms.layers.SearchableLayer;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.TopkDense;
import io.dl4jdms.layers.TopkOptions;
import io.dl4jdms.layers.TopkParamInitializer;
import io.dl4jdms.resource.LayerRule;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.params.DepthwiseConvolutionParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Turns one layer of the searched network into the stock DL4J layers of the slim network, with their
 * parameters cut to the kept channels:
 * <ul>
 *   <li>{@link TopkConv}: {@code ConvolutionLayer} with the layer's activation, or, with its built-in
 *       normalisation, {@code ConvolutionLayer} (identity) → {@code BatchNormalization} →
 *       {@code ActivationLayer}. The convolution keeps the layer's name; the others get the suffixes
 *       {@value #BATCH_NORM_SUFFIX} and {@value #ACTIVATION_SUFFIX}.</li>
 *   <li>{@link TopkDense}: {@code DenseLayer}, likewise.</li>
 *   <li>A stock convolution, dense or output layer: weights of kept inputs (and kept outputs).</li>
 *   <li>A stock batch normalisation or depthwise convolution: the parameters of the kept channels.</li>
 *   <li>Anything else: unchanged.</li>
 * </ul>
 */
final class SlimLayers {

    static final String BATCH_NORM_SUFFIX = "_bn";
    static final String ACTIVATION_SUFFIX = "_act";

    /** One layer of the slim network: its configuration, name and parameters by key. */
    static final class Piece {
        final String name;
        final Layer layer;
        final Map<String, INDArray> params;

        Piece(String name, Layer layer, Map<String, INDArray> params) {
            this.name = name;
            this.layer = layer;
            this.params = params;
        }
    }

    private SlimLayers() {
    }

    /**
     * The slim layers replacing one layer.
     *
     * @param in       the input channels the slim layer receives (after the input preprocessor)
     * @param out      the output channels it computes
     * @param newName  makes an unused layer name from a wanted one
     */
    static List<Piece> convert(ExportNode node, ChannelSet in, ChannelSet out, UnaryOperator<String> newName) {
        Layer layer = node.layer;
        Map<String, INDArray> params = node.impl.paramTable();
        switch (node.rule.slim()) {
            case REFUSE:
                throw new SlimExportException(node.describe() + " cannot be exported: " + node.rule.refusal());
            case TOPK_CONVOLUTION: {
                TopkConv topk = (TopkConv) layer;
                ConvolutionLayer conv = stockConvolution(topk, in, out);
                Map<String, INDArray> convParams = new LinkedHashMap<>();
                convParams.put(ConvolutionParamInitializer.WEIGHT_KEY,
                        select(select(params.get(ConvolutionParamInitializer.WEIGHT_KEY), 0, out), 1, in));
                if (topk.hasBias()) {
                    convParams.put(ConvolutionParamInitializer.BIAS_KEY,
                            vector(params.get(ConvolutionParamInitializer.BIAS_KEY), out));
                }
                return withOutputStage(node.name, conv, convParams, topk, topk.getCnn2dDataFormat(), params, out,
                        newName);
            }
            case TOPK_DENSE: {
                TopkDense topk = (TopkDense) layer;
                DenseLayer dense = new DenseLayer();
                LayerSettings.copyBase(topk, dense);
                dense.setHasBias(true);
                dense.setNIn(in.count());
                dense.setNOut(out.count());
                dense.setTimeDistributedFormat(topk.getTimeDistributedFormat());
                dense.setActivationFn(topk.getTopkOptions().isBatchNorm() ? new ActivationIdentity()
                        : realActivation(topk));
                Map<String, INDArray> denseParams = new LinkedHashMap<>();
                denseParams.put(DefaultParamInitializer.WEIGHT_KEY,
                        select(select(params.get(DefaultParamInitializer.WEIGHT_KEY), 0, in), 1, out));
                denseParams.put(DefaultParamInitializer.BIAS_KEY,
                        vector(params.get(DefaultParamInitializer.BIAS_KEY), out));
                return withOutputStage(node.name, dense, denseParams, topk, null, params, out, newName);
            }
            default:
        }
        Layer slim = layer.clone();
        Map<String, INDArray> slimParams = new LinkedHashMap<>();
        if (node.rule.slim() == LayerRule.Slim.CUT_WEIGHTS) {
            // Stock ConvolutionLayer ([nOut, nIn, kH, kW]) or DenseLayer / OutputLayer ([nIn, nOut]).
            boolean conv = layer instanceof ConvolutionLayer;
            ((FeedForwardLayer) slim).setNIn(in.count());
            ((FeedForwardLayer) slim).setNOut(out.count());
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                INDArray value = e.getValue();
                boolean weights = e.getKey().equals(DefaultParamInitializer.WEIGHT_KEY);
                slimParams.put(e.getKey(), !weights ? vector(value, out)
                        : conv ? select(select(value, 0, out), 1, in) : select(select(value, 0, in), 1, out));
            }
        } else if (node.rule.slim() == LayerRule.Slim.CUT_PER_CHANNEL && layer instanceof DepthwiseConvolution2D) {
            // Weights [kH, kW, nIn, 1], one filter per channel; bias [nIn].
            ((DepthwiseConvolution2D) slim).setNIn(out.count());
            ((DepthwiseConvolution2D) slim).setNOut(out.count());
            params.forEach((key, value) -> slimParams.put(key,
                    key.equals(DepthwiseConvolutionParamInitializer.WEIGHT_KEY) ? select(value, 2, out) : vector(value, out)));
        } else if (node.rule.slim() == LayerRule.Slim.CUT_PER_CHANNEL) {
            // Batch normalisation: every parameter is per channel.
            ((FeedForwardLayer) slim).setNIn(out.count());
            ((FeedForwardLayer) slim).setNOut(out.count());
            params.forEach((key, value) -> slimParams.put(key, vector(value, out)));
        } else {
            params.forEach((key, value) -> slimParams.put(key, value.dup()));
        }
        return List.of(new Piece(node.name, slim, slimParams));
    }

    /** A node's input preprocessor for the slim network: a flatten gets the kept channel count. */
    static InputPreProcessor slimPreProcessor(InputPreProcessor pre, ChannelSet physicalBefore) {
        if (pre instanceof CnnToFeedForwardPreProcessor) {
            CnnToFeedForwardPreProcessor flatten = (CnnToFeedForwardPreProcessor) pre;
            return new CnnToFeedForwardPreProcessor(flatten.getInputHeight(), flatten.getInputWidth(),
                    physicalBefore.withSize(flatten.getNumChannels()).count(), flatten.getFormat());
        }
        return pre == null ? null : pre.clone();
    }

    private static ConvolutionLayer stockConvolution(TopkConv topk, ChannelSet in, ChannelSet out) {
        ConvolutionLayer conv = new ConvolutionLayer();
        LayerSettings.copyBase(topk, conv);
        conv.setKernelSize(topk.getKernelSize().clone());
        conv.setStride(topk.getStride().clone());
        conv.setPadding(topk.getPadding().clone());
        conv.setDilation(topk.getDilation().clone());
        conv.setConvolutionMode(topk.getConvolutionMode());
        conv.setHasBias(topk.hasBias());
        conv.setCnn2dDataFormat(topk.getCnn2dDataFormat());
        conv.setCudnnAllowFallback(topk.isCudnnAllowFallback());
        conv.setCudnnAlgoMode(topk.getCudnnAlgoMode());
        conv.setCudnnFwdAlgo(topk.getCudnnFwdAlgo());
        conv.setCudnnBwdFilterAlgo(topk.getCudnnBwdFilterAlgo());
        conv.setCudnnBwdDataAlgo(topk.getCudnnBwdDataAlgo());
        conv.setTimeDistributedFormat(topk.getTimeDistributedFormat());
        conv.setNIn(in.count());
        conv.setNOut(out.count());
        conv.setActivationFn(topk.getTopkOptions().isBatchNorm() ? new ActivationIdentity() : realActivation(topk));
        return conv;
    }

    /** The layer alone, or layer (identity) → BatchNormalization → ActivationLayer with the built-in normalisation. */
    private static List<Piece> withOutputStage(String name, BaseLayer linear, Map<String, INDArray> linearParams,
                                               SearchableLayer searchable, CNN2DFormat format,
                                               Map<String, INDArray> params, ChannelSet out,
                                               UnaryOperator<String> newName) {
        List<Piece> pieces = new ArrayList<>();
        pieces.add(new Piece(name, linear, linearParams));
        TopkOptions options = searchable.getTopkOptions();
        if (!options.isBatchNorm()) {
            return pieces;
        }
        BatchNormalization.Builder bnBuilder = new BatchNormalization.Builder().nIn(out.count()).nOut(out.count())
                .decay(options.getBatchNormDecay()).eps(options.getBatchNormEpsilon()).useLogStd(false)
                .lockGammaBeta(false);
        if (format != null) {
            bnBuilder.dataFormat(format);
        }
        BatchNormalization bn = bnBuilder.build();
        String bnName = newName.apply(name + BATCH_NORM_SUFFIX);
        bn.setLayerName(bnName);
        bn.setIUpdater(linear.getIUpdater() == null ? null : linear.getIUpdater().clone());
        bn.setBiasUpdater(linear.getIUpdater() == null ? null : linear.getIUpdater().clone());
        bn.setGradientNormalization(linear.getGradientNormalization());
        bn.setGradientNormalizationThreshold(linear.getGradientNormalizationThreshold());
        Map<String, INDArray> bnParams = new LinkedHashMap<>();
        for (String key : Arrays.asList(TopkParamInitializer.GAMMA_KEY, TopkParamInitializer.BETA_KEY,
                TopkParamInitializer.MEAN_KEY, TopkParamInitializer.VAR_KEY)) {
            bnParams.put(key, vector(params.get(key), out));
        }
        pieces.add(new Piece(bnName, bn, bnParams));
        String activationName = newName.apply(name + ACTIVATION_SUFFIX);
        ActivationLayer activation = new ActivationLayer.Builder().activation(realActivation(searchable))
                .name(activationName).build();
        pieces.add(new Piece(activationName, activation, new LinkedHashMap<>()));
        return pieces;
    }

    private static IActivation realActivation(SearchableLayer layer) {
        IActivation activation = layer.getOutputActivation();
        if (activation == null) {
            throw new SlimExportException("layer '" + ((Layer) layer).getLayerName() + "' has no activation set");
        }
        return activation;
    }

    /** The entries of {@code array} at the kept indices along {@code axis}, as a new array. */
    static INDArray select(INDArray array, int axis, ChannelSet keep) {
        if (keep.isAll()) {
            return array.dup('c');
        }
        // One slice at a time, from a copy: in M2.1, get(...) on a parameter view that starts deep in the
        // network's parameter vector can return an empty array (it seems to check the view's offset
        // against the view's own length).
        INDArray source = array.dup('c');
        int[] kept = keep.indices();
        long[] shape = source.shape().clone();   // shape() is the array's own, not a copy
        shape[axis] = kept.length;
        INDArray out = Nd4j.create(array.dataType(), shape, 'c');
        for (int j = 0; j < kept.length; j++) {
            out.get(slice(out.rank(), axis, j)).assign(source.get(slice(source.rank(), axis, kept[j])));
        }
        return out;
    }

    private static INDArrayIndex[] slice(int rank, int axis, long index) {
        INDArrayIndex[] indices = new INDArrayIndex[rank];
        for (int i = 0; i < rank; i++) {
            indices[i] = i == axis ? NDArrayIndex.point(index) : NDArrayIndex.all();
        }
        return indices;
    }

    /** A per-channel parameter (any shape holding N values) cut to the kept channels, as a vector. */
    static INDArray vector(INDArray param, ChannelSet keep) {
        return select(param.reshape(param.length()), 0, keep);
    }
}
