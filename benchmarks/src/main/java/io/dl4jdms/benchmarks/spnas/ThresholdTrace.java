package io.dl4jdms.benchmarks.spnas;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.spnas.Indicator;
import io.dl4jdms.spnas.NestedIndicators;
import io.dl4jdms.spnas.latency.LatencyLossListener;
import io.dl4jdms.spnas.latency.LatencyModel;
import io.dl4jdms.spnas.search.SinglePathSearch;
import io.dl4jdms.supernet.SinglePathSupernet;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Why do the thresholds of a Single-Path NAS search move or not? Trains the default supernet of {@code dms spnas}
 * (same settings: Adam 2e-3 for the weights, the thresholds' own Adam, the same {@link LatencyLossListener}) on a
 * latency table measured before ({@code latency.json} of a {@code dms spnas} run), and writes, per iteration and
 * per threshold, the task loss's gradient on it and the latency loss's gradient on it (both per image, as the
 * updater sees them), the threshold before and after the update, the norm it is compared with and the relaxed
 * indicator {@code sigmoid(norm - t)}; per iteration {@code lambda}, the hard choices' prediction, whether the
 * target was reached and how many updates the hold took back.
 *
 * <p>Arguments: {@code --table FILE} (required), {@code --out FILE} (CSV, default threshold-trace.csv),
 * {@code --warmup-epochs N} (default 0), {@code --iterations N} (default 60), {@code --threshold-lr X} (default:
 * that of {@code dms spnas}), {@code --no-hold}, {@code --seed N}.
 */
public final class ThresholdTrace {

    private ThresholdTrace() {
    }

    public static void main(String[] args) throws IOException {
        Path table = null;
        Path out = Path.of("threshold-trace.csv");
        int warmupEpochs = 0;
        int iterations = 60;
        double thresholdLr = Double.NaN;
        boolean hold = true;
        long seed = 12345;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--table" -> table = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--warmup-epochs" -> warmupEpochs = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--threshold-lr" -> thresholdLr = Double.parseDouble(args[++i]);
                case "--no-hold" -> hold = false;
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (table == null) {
            throw new IllegalArgumentException("--table FILE (latency.json of a dms spnas run) is required");
        }
        SinglePathSearch.Settings defaults = new SinglePathSearch.Settings();
        Map<String, Object> d = defaults.toMap();
        double lr = (Double) d.get("learningRate");
        if (Double.isNaN(thresholdLr)) {
            thresholdLr = (Double) d.get("thresholdLearningRate");
        }
        int batch = (Integer) d.get("batchSize");
        SearchData data = SearchData.load(null, seed).subset(SinglePathSearch.Settings.EMBEDDED_TRAIN_PER_CLASS,
                SinglePathSearch.Settings.EMBEDDED_TEST_PER_CLASS);
        SinglePathSupernet supernet = SinglePathSupernet.builder().input(data.height(), data.width(), data.channels())
                .classes(data.classes()).seed(seed).updater(new Adam(lr)).thresholdUpdater(new Adam(thresholdLr))
                .build();
        LatencyModel model = LatencyModel.of(CandidateLatencyTable.read(table.toFile()));
        ComputationGraph net = new ComputationGraph(supernet.configuration());
        net.init();
        double targetMs = (Double) d.get("targetFraction") * model.predictMs(net);
        long perEpoch = (data.numTrain() + batch - 1) / batch;
        LatencyLossListener latency = LatencyLossListener.builder(model).weight((Double) d.get("latencyWeight"))
                .weightGrowth((Double) d.get("latencyWeightGrowth")).thresholdStart((Double) d.get("thresholdStart"))
                .targetMs(targetMs).warmupIterations(warmupEpochs * perEpoch).hold(hold).build();
        Before before = new Before();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out))) {
            csv.println("iteration,lambda,predictedMs,targetMs,reached,reverted,block,kind,index,norm,threshold,"
                    + "relaxedIndicator,taskGradient,latencyGradient,thresholdAfter");
            After after = new After(before, latency, model, targetMs, batch, csv);
            net.setListeners(before, latency, after);
            System.out.printf(Locale.ROOT, "supernet predicted %.3f ms, target %.3f ms, threshold lr %g, hold %s%n",
                    model.predictMs(net), targetMs, thresholdLr, hold);
            long total = warmupEpochs * perEpoch + iterations;
            int epoch = 0;
            while (after.done < total) {
                DataSetIterator train = data.train(batch, seed + epoch++);
                while (train.hasNext() && after.done < total) {
                    net.fit(train.next());
                }
            }
        }
        System.out.println("trace written to " + out.toAbsolutePath());
    }

    /** Keeps the threshold gradients of the task loss (runs before the latency listener adds its part). */
    private static final class Before extends BaseTrainingListener {
        final Map<String, double[][]> task = new LinkedHashMap<>();
        final Map<String, double[][]> thresholds = new LinkedHashMap<>();
        final Map<String, double[][]> norms = new LinkedHashMap<>();

        @Override
        public void onGradientCalculation(Model model) {
            task.clear();
            thresholds.clear();
            norms.clear();
            for (SuperkernelOperator op : LatencyModel.operators(model)) {
                task.put(op.operatorName(), gradients(op));
            }
        }
    }

    private static double[][] gradients(SuperkernelOperator op) {
        return new double[][] {
                op.thresholdGradientView(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY).toDoubleVector(),
                op.thresholdGradientView(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY).toDoubleVector()};
    }

    /** Reads the sum after the latency listener and the thresholds after the update (and any hold). */
    private static final class After extends BaseTrainingListener {
        private final Before before;
        private final LatencyLossListener latency;
        private final LatencyModel model;
        private final double targetMs;
        private final int batch;
        private final PrintWriter csv;
        private final Map<String, double[][]> latencyGradient = new LinkedHashMap<>();
        private final Map<String, NestedIndicators[]> chains = new LinkedHashMap<>();
        long done;

        After(Before before, LatencyLossListener latency, LatencyModel model, double targetMs, int batch,
              PrintWriter csv) {
            this.before = before;
            this.latency = latency;
            this.model = model;
            this.targetMs = targetMs;
            this.batch = batch;
            this.csv = csv;
        }

        @Override
        public void onGradientCalculation(Model net) {
            latencyGradient.clear();
            chains.clear();
            for (SuperkernelOperator op : LatencyModel.operators(net)) {
                double[][] sum = gradients(op);
                double[][] task = before.task.get(op.operatorName());
                for (int c = 0; c < 2; c++) {
                    for (int i = 0; i < sum[c].length; i++) {
                        sum[c][i] -= task[c][i];
                    }
                }
                latencyGradient.put(op.operatorName(), sum);
                chains.put(op.operatorName(), new NestedIndicators[] {op.kernelIndicators(), op.expansionIndicators()});
            }
        }

        @Override
        public void iterationDone(Model net, int iteration, int epoch) {
            double predicted = model.predictMs(net);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "it %4d lambda %8.3f predicted %.3f (target %.3f) reached %s reverted %d |", done,
                    latency.currentWeight(), predicted, targetMs, latency.reached(), latency.revertedUpdates()));
            for (SuperkernelOperator op : LatencyModel.operators(net)) {
                String name = op.operatorName();
                NestedIndicators[] chain = chains.get(name);
                double[][] task = before.task.get(name);
                double[][] lat = latencyGradient.get(name);
                NestedIndicators[] now = {op.kernelIndicators(), op.expansionIndicators()};
                for (int c = 0; c < 2; c++) {
                    double[] norms = chain[c].norms();
                    double[] t = chain[c].thresholds();
                    double[] tAfter = now[c].thresholds();
                    for (int i = 0; i < norms.length; i++) {
                        csv.printf(Locale.ROOT, "%d,%.5g,%.5f,%.5f,%s,%d,%s,%s,%d,%.6f,%.6f,%.6f,%.6g,%.6g,%.6f%n",
                                done, latency.currentWeight(), predicted, targetMs, latency.reached(),
                                latency.revertedUpdates(), name, c == 0 ? "kernel" : "expansion", i, norms[i], t[i],
                                Indicator.sigmoid(norms[i] - t[i]), task[c][i] / batch, lat[c][i] / batch, tAfter[i]);
                    }
                }
                line.append(' ').append(name).append(' ').append(op.choice());
            }
            System.out.println(line);
            csv.flush();
            done++;
        }
    }
}
