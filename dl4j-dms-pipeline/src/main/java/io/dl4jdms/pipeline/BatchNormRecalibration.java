package io.dl4jdms.pipeline;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-estimates the running mean and variance of every {@link BatchNormalization} layer of a network from a few
 * training minibatches, with no weight moving: the standard repair of a network pruned without retraining, whose
 * normalisation layers still hold the statistics of the unpruned network (removing channels changes what the next
 * convolution writes, so its normalisation centres and scales with the wrong numbers).
 *
 * <p>Each minibatch runs forward in training mode (every normalisation layer uses the minibatch's own statistics, as
 * when the running ones were accumulated); the new running statistics are the exact mean and (biased) variance of each
 * normalisation layer's input over all the minibatches, per channel. Only the running statistics change: weights,
 * gamma, beta, the updater state and the iteration count stay as they were. Both parameterisations of DL4J's layer
 * (variance, {@code log10(std)}) are handled.
 *
 * <pre>{@code
 * int layers = BatchNormRecalibration.recalibrate(prunedNet, data.train(64, seed), 20);
 * }</pre>
 */
public final class BatchNormRecalibration {

    /** A variance below this is stored as this (a channel constant over the data would give log10(0)). */
    static final double MIN_VARIANCE = 1e-10;

    private BatchNormRecalibration() {
    }

    /**
     * Recalibrates {@code net} on at most {@code batches} minibatches of {@code data} (fewer when the iterator ends
     * first; it is not reset).
     *
     * @return the number of normalisation layers recalibrated
     * @throws IllegalArgumentException if {@code batches} is not positive, the data yields no minibatch, or a layer
     *                                  other than {@code BatchNormalization} keeps running statistics of its own (a
     *                                  searchable layer with built-in normalisation: export the slim network first)
     */
    public static int recalibrate(ComputationGraph net, DataSetIterator data, int batches) {
        if (batches <= 0) {
            throw new IllegalArgumentException("batch-norm recalibration needs at least 1 minibatch, got " + batches);
        }
        Map<String, String> inputOf = normalisationLayers(net);
        if (inputOf.isEmpty()) {
            return 0;
        }
        Map<String, double[]> sum = new LinkedHashMap<>();
        Map<String, double[]> sumOfSquares = new LinkedHashMap<>();
        Map<String, Long> count = new LinkedHashMap<>();
        int used = 0;
        while (used < batches && data.hasNext()) {
            DataSet batch = data.next();
            Map<String, INDArray> activations = net.feedForward(new INDArray[] {batch.getFeatures()}, true, false);
            for (Map.Entry<String, String> e : inputOf.entrySet()) {
                INDArray x = activations.get(e.getValue());
                if (x == null) {
                    throw new IllegalStateException("batch-norm recalibration: no activation of vertex '" + e.getValue()
                            + "', the input of layer '" + e.getKey() + "'");
                }
                accumulate(e.getKey(), x, sum, sumOfSquares, count);
            }
            used++;
        }
        net.clearLayersStates();
        if (used == 0) {
            throw new IllegalArgumentException("batch-norm recalibration: the data gave no minibatch");
        }
        for (String layer : inputOf.keySet()) {
            double n = count.get(layer);
            double[] s = sum.get(layer);
            double[] s2 = sumOfSquares.get(layer);
            double[] mean = new double[s.length];
            double[] variance = new double[s.length];
            for (int c = 0; c < s.length; c++) {
                mean[c] = s[c] / n;
                variance[c] = Math.max(MIN_VARIANCE, s2[c] / n - mean[c] * mean[c]);
            }
            store(net, layer, mean, variance);
        }
        return inputOf.size();
    }

    /** The network's {@code BatchNormalization} layers and the vertex each reads. */
    private static Map<String, String> normalisationLayers(ComputationGraph net) {
        Map<String, String> inputOf = new LinkedHashMap<>();
        Map<String, List<String>> inputs = net.getConfiguration().getVertexInputs();
        for (GraphVertex vertex : net.getVertices()) {
            if (!vertex.hasLayer()) {
                continue;
            }
            String name = vertex.getVertexName();
            Map<String, INDArray> params = vertex.getLayer().paramTable();
            if (vertex.getLayer().conf().getLayer() instanceof BatchNormalization) {
                inputOf.put(name, inputs.get(name).get(0));
            } else if (params.containsKey(BatchNormalizationParamInitializer.GLOBAL_MEAN)) {
                throw new IllegalArgumentException("batch-norm recalibration: layer '" + name + "' ("
                        + vertex.getLayer().conf().getLayer().getClass().getSimpleName() + ") keeps running statistics"
                        + " of its own; recalibrate the exported slim network (plain DL4J layers) instead");
            }
        }
        return inputOf;
    }

    /** Adds the per-channel sums of {@code x} ([batch, channels] or [batch, channels, h, w], NCHW). */
    private static void accumulate(String layer, INDArray x, Map<String, double[]> sum, Map<String, double[]> sumOfSquares,
                                   Map<String, Long> count) {
        int[] dims = x.rank() == 4 ? new int[] {0, 2, 3} : x.rank() == 2 ? new int[] {0} : null;
        if (dims == null) {
            throw new IllegalArgumentException("batch-norm recalibration: layer '" + layer + "' reads activations of rank "
                    + x.rank() + "; only rank 2 and 4 (NCHW) are supported");
        }
        INDArray d = x.castTo(DataType.DOUBLE);
        double[] s = d.sum(dims).toDoubleVector();
        double[] s2 = d.mul(d).sum(dims).toDoubleVector();
        long n = x.length() / s.length;
        double[] total = sum.computeIfAbsent(layer, k -> new double[s.length]);
        double[] totalSquares = sumOfSquares.computeIfAbsent(layer, k -> new double[s.length]);
        for (int c = 0; c < s.length; c++) {
            total[c] += s[c];
            totalSquares[c] += s2[c];
        }
        count.merge(layer, n, Long::sum);
    }

    private static void store(ComputationGraph net, String layer, double[] mean, double[] variance) {
        org.deeplearning4j.nn.api.Layer l = net.getLayer(layer);
        BatchNormalization conf = (BatchNormalization) l.conf().getLayer();
        INDArray meanParam = l.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        meanParam.assign(Nd4j.create(mean).reshape(meanParam.shape()));
        if (conf.isUseLogStd()) {
            // DL4J's parameterisation: variance = (10^log10std)^2
            double[] log10Std = new double[variance.length];
            for (int c = 0; c < variance.length; c++) {
                log10Std[c] = 0.5 * Math.log10(variance[c]);
            }
            INDArray p = l.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            p.assign(Nd4j.create(log10Std).reshape(p.shape()));
        } else {
            INDArray p = l.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR);
            p.assign(Nd4j.create(variance).reshape(p.shape()));
        }
    }

    /** The names of the network's {@code BatchNormalization} layers, in vertex order (for reports and tests). */
    public static List<String> layers(ComputationGraph net) {
        return new ArrayList<>(normalisationLayers(net).keySet());
    }
}
