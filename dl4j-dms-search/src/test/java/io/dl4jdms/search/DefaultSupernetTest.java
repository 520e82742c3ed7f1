package io.dl4jdms.search;

import io.dl4jdms.pipeline.SearchData;

import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DefaultSupernetTest {

    private static SearchData data;

    @BeforeAll
    static void load() throws IOException {
        data = SearchData.load(null, 1).subset(5, 5);
    }

    @Test
    void searchedSupernetExportsExactlyWithTheModelsFlops() {
        ComputationGraph net = new ComputationGraph(DefaultSupernet.configuration(data, 1.0, 1.0, 3));
        net.init();
        Random random = new Random(2);
        for (TopkOperator op : OperatorState.operators(net)) {
            double[] c = new double[op.operatorSize()];
            for (int i = 0; i < c.length; i++) {
                c[i] = random.nextDouble();
            }
            op.setImportance(c);
            op.setRatio(0.45);
        }
        InputType input = InputType.convolutional(28, 28, 1);
        ResourceModel model = ResourceModel.of(net, input);
        ComputationGraph slim = SlimExporter.export(net);
        assertEquals(model.evaluate(ResourceKind.FLOPS).value(),
                PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.FLOPS, input), 0);
        assertEquals(model.evaluate(ResourceKind.PARAMS).value(),
                PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.PARAMS, input), 0);
        double diff = SlimExporter.maxAbsDiffVsHardMasked(net, slim, data.testSet().getFeatures());
        assertTrue(diff <= 1e-4, "max |diff| " + diff);
    }

    @Test
    void uniformBaselineComesCloseToTheRequestedFlops() {
        InputType input = InputType.convolutional(28, 28, 1);
        ComputationGraph full = new ComputationGraph(DefaultSupernet.configuration(data, 1.0, 1.0, 3));
        full.init();
        double half = 0.5 * ResourceModel.of(full, input).full(ResourceKind.FLOPS);
        DefaultSupernet.Baseline baseline = DefaultSupernet.uniformBaseline(data, half, 1.5, 3, input);
        double flops = PlainNetworkCounter.count(baseline.network.getConfiguration(), ResourceKind.FLOPS, input);
        assertTrue(Math.abs(flops / half - 1) < 0.1, "baseline " + flops + " vs " + half);
        assertTrue(baseline.widthMultiplier > 0.5 && baseline.widthMultiplier < 0.9, "x" + baseline.widthMultiplier);
    }

    /**
     * The supernet's cache mode (DL4J's stock convolutions keep their training pre-output for backprop) against the
     * same network without it: the same parameters after every step, with an inference pass between the steps (which
     * must not be taken for the next step's pre-output), with and without workspaces; the exported slim network has
     * DL4J's default {@code NONE} (on the graph and every layer).
     */
    @Test
    void cachedPreOutputsTrainAsWithout() {
        ComputationGraphConfiguration conf = DefaultSupernet.configuration(data, 1.0, 1.0, 3);
        assertEquals(CacheMode.DEVICE, conf.getCacheMode());
        for (WorkspaceMode workspaces : WorkspaceMode.values()) {
            ComputationGraph cached = network(conf, CacheMode.DEVICE, workspaces);
            ComputationGraph plain = network(conf, CacheMode.NONE, workspaces);
            plain.setParams(cached.params().dup());
            Nd4j.getRandom().setSeed(5);
            for (int step = 0; step < 3; step++) {
                INDArray features = Nd4j.rand(DataType.FLOAT, 6, 1, 28, 28);
                INDArray labels = Nd4j.eye(10).getRows(0, 3, 5, 7, 9, 1).castTo(DataType.FLOAT);
                DataSet batch = new DataSet(features, labels);
                cached.fit(batch);
                plain.fit(batch);
                double scale = plain.params().amaxNumber().doubleValue();
                double diff = cached.params().sub(plain.params()).amaxNumber().doubleValue();
                assertTrue(diff <= 1e-5 * scale, workspaces + ", step " + step + ": max |diff| " + diff);
                cached.output(Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28));
            }
            assertEquals(stockConvolutions(cached), keptPreOutputs(cached), workspaces + ": stock convolutions that kept");
            assertEquals(0, keptPreOutputs(plain), workspaces + ": without the cache mode none keeps");
        }
        ComputationGraph slim = SlimExporter.export(network(conf, CacheMode.DEVICE, WorkspaceMode.ENABLED));
        assertEquals(CacheMode.NONE, slim.getConfiguration().getCacheMode(), "the slim network's cache mode");
        for (Layer layer : slim.getLayers()) {
            assertEquals(CacheMode.NONE, layer.conf().getCacheMode(), "cache mode of slim layer "
                    + layer.conf().getLayer().getLayerName());
        }
        assertEquals(0, keptPreOutputsAfterAStep(slim), "the slim network keeps no pre-output");
    }

    private static long keptPreOutputsAfterAStep(ComputationGraph net) {
        net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28),
                Nd4j.eye(10).getRows(0, 3).castTo(DataType.FLOAT)));
        return keptPreOutputs(net);
    }

    private static long stockConvolutions(ComputationGraph net) {
        return Arrays.stream(net.getLayers()).filter(DefaultSupernetTest::isStockConvolution).count();
    }

    /** Stock convolutions holding a pre-output from their last training pass (DL4J's protected cache field). */
    private static long keptPreOutputs(ComputationGraph net) {
        try {
            Field field = AbstractLayer.class.getDeclaredField("preOutput");
            field.setAccessible(true);
            long kept = 0;
            for (Layer layer : net.getLayers()) {
                if (isStockConvolution(layer) && field.get(layer) != null) {
                    kept++;
                }
            }
            return kept;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("DL4J's AbstractLayer.preOutput", e);
        }
    }

    private static boolean isStockConvolution(Layer layer) {
        return layer.getClass() == org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class;
    }

    private static ComputationGraph network(ComputationGraphConfiguration conf, CacheMode cacheMode,
                                            WorkspaceMode workspaces) {
        ComputationGraphConfiguration c = conf.clone();
        c.setCacheMode(cacheMode);
        c.setTrainingWorkspaceMode(workspaces);
        c.setInferenceWorkspaceMode(workspaces);
        ComputationGraph net = new ComputationGraph(c);
        net.init();
        net.setCacheMode(cacheMode); // the layers' own copies of the mode (they decide without workspaces)
        return net;
    }
}
