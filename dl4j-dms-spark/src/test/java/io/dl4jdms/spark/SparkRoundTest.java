package io.dl4jdms.spark;

import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.search.DefaultSupernet;
import io.dl4jdms.search.SearchListeners;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkRoundTest {

    /**
     * DL4J's {@code ComputationGraphConfiguration.clone()} drops the supernet's fixed topological order, so a network
     * built from it lays the same parameter vector out differently; the workers' copy keeps it.
     */
    @Test
    void theWorkersCopyOfTheConfigurationKeepsTheParameterLayout() {
        ComputationGraph net = new ComputationGraph(DefaultSupernet.configuration(28, 28, 1, 10, 1.5, 1, 3));
        net.init();
        net.getConfiguration().setIterationCount(17);
        ComputationGraph cloned = new ComputationGraph(net.getConfiguration().clone());
        cloned.init(net.params().dup(), false);
        assertTrue(!cloned.getParam("s1b0_conv1_W").equals(net.getParam("s1b0_conv1_W")),
                "DL4J's clone() still scrambles the layout; SearchTrainingMaster's copy may no longer be needed");
        ComputationGraph copy = new ComputationGraph(SearchTrainingMaster.copy(net.getConfiguration()));
        copy.init(net.params().dup(), false);
        for (String key : net.paramTable().keySet()) {
            assertEquals(net.getParam(key), copy.getParam(key), key);
        }
        assertEquals(17, copy.getConfiguration().getIterationCount());
    }

    @Test
    void aRoundOnOneWorkerIsTheLocalSteps() throws Exception {
        SearchData data = SearchData.load(null, 1).subset(10, 2);
        ComputationGraph local = new ComputationGraph(DefaultSupernet.configuration(28, 28, 1, 10, 1.5, 1, 3));
        local.init();
        ComputationGraph remote = new ComputationGraph(SearchTrainingMaster.copy(local.getConfiguration()));
        remote.init(local.params().dup(), false);
        SearchListeners recipe = SearchListeners.search(data.inputType(), ResourceKind.FLOPS, 0.5, 5, 20, 0);
        local.getConfiguration().setIterationCount(3);
        remote.getConfiguration().setIterationCount(3);
        local.setListeners(recipe.create(local));
        DataSetIterator it = data.train(16, 7);
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            batches.add(it.next());
        }
        for (DataSet b : batches) {
            local.fit(b);
        }
        try (JavaSparkContext sc = SparkSearch.context("local[1]", "SparkRoundTest")) {
            WorkerListeners hook = new WorkerListeners(recipe);
            ParameterAveragingTrainingMaster master = new SearchTrainingMaster(new ParameterAveragingTrainingMaster.Builder(1, 16)
                    .batchSizePerWorker(16).averagingFrequency(2).workerPrefetchNumBatches(0).saveUpdater(true)
                    .repartionData(Repartition.Never).rddTrainingApproach(RDDTrainingApproach.Direct).storageLevel(null)
                    .trainingHooks(hook));
            new SparkComputationGraph(sc, remote, master).fit(sc.parallelize(batches, 1));
        }
        Map<String, INDArray> a = local.paramTable();
        Map<String, INDArray> b = remote.paramTable();
        StringBuilder diffs = new StringBuilder();
        for (String key : a.keySet()) {
            double d = a.get(key).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                    .sub(b.get(key).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).amaxNumber().doubleValue();
            if (d > 1e-5) {
                diffs.append(key).append(' ').append(d).append(" local ").append(a.get(key).length() <= 4 ? a.get(key).toString() : "")
                        .append(" remote ").append(b.get(key).length() <= 4 ? b.get(key).toString() : "").append('\n');
            }
        }
        System.out.println("DIFFS\n" + diffs);
        assertTrue(diffs.length() == 0, diffs.toString());
    }
}
