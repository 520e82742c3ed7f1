package io.dl4jdms.spark;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;

/**
 * DL4J's {@link ParameterAveragingTrainingMaster} with one change on the workers: a worker builds its network from
 * the driver's configuration with the driver's topological order and iteration and epoch counts. dl4j-spark
 * (1.0.0-M2) builds it from {@code ComputationGraphConfiguration.clone()}, which in DL4J 1.0.0-M2.1 drops all three:
 * for a graph whose configuration fixes its own topological order (every supernet of this project does, see
 * {@code SupernetGraph}) the worker then lays the driver's parameter vector out in another order and trains a
 * scrambled network, and every round starts at iteration 0 (Adam's bias correction, learning-rate and target
 * schedules back at their start). Everything else (broadcast, averaging of parameters and updater state, scores) is
 * dl4j-spark's.
 */
final class SearchTrainingMaster extends ParameterAveragingTrainingMaster {

    private static final long serialVersionUID = 1L;

    SearchTrainingMaster(Builder builder) {
        super(builder);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        NetBroadcastTuple tuple = new NetBroadcastTuple(graph.getNetwork().getConfiguration(),
                graph.getNetwork().params(), graph.getNetwork().getUpdater().getStateViewArray());
        Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(tuple);
        WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, false);
        return new Worker(broadcast, saveUpdater, configuration, trainingHookList);
    }

    /** The worker: DL4J's, with the network built as the class comment says. */
    static final class Worker extends ParameterAveragingTrainingWorker {

        private static final long serialVersionUID = 1L;

        private final Broadcast<NetBroadcastTuple> broadcast;

        Worker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater, WorkerConfiguration configuration,
               Collection<TrainingHook> hooks) {
            super(broadcast, saveUpdater, configuration, hooks, null, null);
            this.broadcast = broadcast;
        }

        @Override
        public ComputationGraph getInitialModelGraph() {
            NetBroadcastTuple tuple = broadcast.getValue();
            ComputationGraph net = new ComputationGraph(copy(tuple.getGraphConfiguration()));
            net.init(tuple.getParameters().unsafeDuplication(), false);
            if (tuple.getUpdaterState() != null) {
                net.setUpdater(new ComputationGraphUpdater(net, tuple.getUpdaterState().unsafeDuplication()));
            }
            Nd4j.getExecutioner().commit();
            return net;
        }
    }

    /** A copy of the configuration that keeps its topological order and its iteration and epoch counts. */
    static ComputationGraphConfiguration copy(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration copy = conf.clone();
        if (conf.getTopologicalOrder() != null && conf.getTopologicalOrderStr() != null) {
            copy.setTopologicalOrder(conf.getTopologicalOrder().clone());
            copy.setTopologicalOrderStr(new java.util.ArrayList<>(conf.getTopologicalOrderStr()));
        }
        copy.setIterationCount(conf.getIterationCount());
        copy.setEpochCount(conf.getEpochCount());
        return copy;
    }
}
