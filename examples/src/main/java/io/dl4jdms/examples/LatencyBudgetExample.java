package io.dl4jdms.examples;

import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.latency.ChannelLatencyTable;
import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.File;
import java.io.IOException;

/**
 * A latency budget instead of a FLOPs budget: measure how long each searchable layer takes on this machine at a few
 * channel counts ({@link LatencyProfiler}, a per-channel {@link ChannelLatencyTable}), give the table to the resource
 * model, and let the resource loss pull the predicted forward time of the network down to 60% of the supernet's.
 *
 * <p>Run: {@code mvn -B -q -pl examples -am package -Dmaven.test.skip=true -Prun
 * -Dexec.mainClass=io.dl4jdms.examples.LatencyBudgetExample -Dexec.args="300"}
 */
public final class LatencyBudgetExample {

    private LatencyBudgetExample() {
    }

    /** The predicted latency (ms per minibatch of the table's size) of the full supernet and of the searched one. */
    public record Result(double supernetMs, double searchedMs, double targetMs) {
    }

    public static void main(String[] args) throws IOException {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        Result r = run(iterations, 10, new File("latency-table.json"));
        System.out.printf("predicted latency: supernet %.3f ms, searched %.3f ms (target %.3f ms)%n", r.supernetMs(),
                r.searchedMs(), r.targetMs());
    }

    /**
     * @param repeats timed runs per layer and channel count (more: a steadier table)
     * @param tableFile where the measured table is written (reuse it with {@code ChannelLatencyTable.read})
     */
    public static Result run(int iterations, int repeats, File tableFile) throws IOException {
        SearchData data = SearchData.load(null, 42).subset(60, 20);
        InputType input = InputType.convolutional(data.height(), data.width(), data.channels());
        MultiLayerNetwork net = new MultiLayerNetwork(DmsMultiLayerNetworkExample.network(data.classes(), input));
        net.init();

        // Measure the table once per machine and backend, and keep it. A few seconds of untimed rounds first (a fresh
        // JVM's first calls are slow), one thread and its CPU clock with the lower quartile (steady on a shared machine).
        ResourceModel model = ResourceModel.of(net, input);
        ChannelLatencyTable table = LatencyProfiler.builder().batchSize(32).points(3).warmup(2).warmupSeconds(3)
                .repeats(repeats).threads(1).clock(LatencyProfiler.Clock.THREAD_CPU).quantile(0.25).build()
                .profile(model);
        table.write(tableFile);
        ResourceModel timed = model.withLatency(table);
        double supernetMs = timed.full(ResourceKind.LATENCY);

        // Aim at 60% of the supernet's time, or halfway down to the smallest network the masks can build when that
        // is slower (per-layer overheads the pruning cannot remove set a floor on the measured time).
        double floor = timed.smallest(ResourceKind.LATENCY) / supernetMs;
        double target = Math.max(0.6, (1 + floor) / 2);
        ResourceLossListener resource = ResourceLossListener.builder(timed).kind(ResourceKind.LATENCY)
                .targetFraction(target).weight(5).geometricSchedule(iterations, 0.8).build();
        net.setListeners(new TaylorImportanceListener(), resource);
        ExampleTraining.fit(net, data.train(32, 42), iterations);
        ExampleTraining.printKeptSizes(net);
        return new Result(supernetMs, timed.evaluate(ResourceKind.LATENCY).value(), target * supernetMs);
    }
}
