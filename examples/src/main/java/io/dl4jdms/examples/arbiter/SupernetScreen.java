package io.dl4jdms.examples.arbiter;

import io.dl4jdms.arbiter.Study;
import io.dl4jdms.arbiter.scores.LengthDistortionScore;
import io.dl4jdms.arbiter.spaces.ArrayChoiceSpace;
import io.dl4jdms.arbiter.spaces.SupernetSpace;
import io.dl4jdms.arbiter.tasks.TrainingFreeTaskCreator;
import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.pipeline.SearchData;
import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Example study (2): a training-free screen of ResNet supernets (stage widths, blocks per stage and width multiplier
 * searched; about the size of the {@code dms search} supernet) by their length distortion, then a DMS search of the
 * best on the embedded Fashion-MNIST subset: the importance and resource-loss listeners over {@code --search-epochs}
 * epochs towards {@code --target} of its FLOPs, the slim network exported, retrained from scratch for
 * {@code --retrain-epochs} epochs and tested. Writes the screen's Arbiter result saver output and
 * {@code summary.json} into {@code <out>/screen}, and {@code <out>/search.json} and {@code <out>/slim-model.zip}.
 *
 * <pre>
 * mvn -B -q -pl examples -am package -Dmaven.test.skip=true -Prun \
 *   -Dexec.mainClass=io.dl4jdms.examples.arbiter.SupernetScreen -Dexec.args="--candidates 50 --out /tmp/screen"
 * </pre>
 *
 * <p>Options: {@code --candidates N} (default 50), {@code --minutes M} (the screen's time limit; default 2),
 * {@code --initialisations N} (of the length distortion; default 2), {@code --search-epochs N} (default 1),
 * {@code --retrain-epochs N} (default 1; 0 tests the slim network as exported), {@code --target F} (default 0.5),
 * {@code --out DIR} (default {@code supernet-screen}).
 */
public final class SupernetScreen {

    static final InputType INPUT = InputType.convolutional(28, 28, 1);

    private SupernetScreen() {
    }

    /** The screened space: 3 stages, stride-2 stem, basic blocks. */
    public static SupernetSpace space() {
        return new SupernetSpace.Builder().input(28, 28, 1).classes(10).stemWidth(12).stemStride(2)
                .stageWidths(ArrayChoiceSpace.ofInts(new int[] {8, 16, 32}, new int[] {12, 24, 48}, new int[] {16, 32, 64},
                        new int[] {12, 32, 48}))
                .blocksPerStage(ArrayChoiceSpace.ofInts(new int[] {1, 1, 1}, new int[] {2, 2, 2}, new int[] {1, 2, 2},
                        new int[] {2, 2, 1}))
                .strides(1, 2, 2).widthMultiplier(new ContinuousParameterSpace(1.0, 2.0)).seed(12345).build();
    }

    public static void main(String[] args) throws Exception {
        run(args);
    }

    /** Runs the screen and the search; returns {@code search.json}'s content. */
    public static ObjectNode run(String... args) throws Exception {
        int candidates = 50;
        double minutes = 2;
        int initialisations = 2;
        int searchEpochs = 1;
        int retrainEpochs = 1;
        double target = 0.5;
        Path out = Path.of("supernet-screen");
        Path data = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--candidates" -> candidates = Integer.parseInt(v);
                case "--minutes" -> minutes = Double.parseDouble(v);
                case "--initialisations" -> initialisations = Integer.parseInt(v);
                case "--search-epochs" -> searchEpochs = Integer.parseInt(v);
                case "--retrain-epochs" -> retrainEpochs = Integer.parseInt(v);
                case "--target" -> target = Double.parseDouble(v);
                case "--out" -> out = Path.of(v);
                case "--data" -> data = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --candidates N "
                        + "--minutes M --initialisations N --search-epochs N --retrain-epochs N --target F --out DIR "
                        + "--data DIR");
            }
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("option " + args[args.length - 1] + " needs a value");
        }

        SupernetSpace space = space();
        Study.Result screen = Study.builder(space, new TrainingFreeTaskCreator(),
                        new LengthDistortionScore(10, initialisations, 0, INPUT))
                .maxCandidates(candidates).maxTime(Duration.ofSeconds(Math.round(minutes * 60))).output(out.resolve("screen"))
                .seed(3).log(System.out::println).build().run();
        System.out.printf(Locale.ROOT, "screen: %d candidates in %.1f s (%.2f per second); best candidate %d, L^E %.4f, %s%n",
                screen.candidates().size(), screen.seconds(), screen.candidates().size() / screen.seconds(),
                screen.best().index(), screen.best().score(), screen.best().settings());

        ComputationGraphConfiguration conf = ((GraphConfiguration) screen.best().reference().getResult().getCandidate()
                .getValue()).getConfiguration();
        ObjectNode result = search(conf, SearchData.load(data, 42), searchEpochs, retrainEpochs, target, out);
        result.put("screenCandidates", screen.candidates().size());
        result.put("screenSeconds", screen.seconds());
        result.put("bestCandidate", screen.best().index());
        result.put("bestLengthDistortion", screen.best().score());
        result.putPOJO("bestSettings", screen.best().settings());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("search.json").toFile(), result);
        System.out.println("search: " + result);
        return result;
    }

    /** A DMS search of {@code conf} with the public listeners, its slim network exported, retrained and tested. */
    static ObjectNode search(ComputationGraphConfiguration conf, SearchData data, int searchEpochs, int retrainEpochs,
                             double target, Path out) throws Exception {
        ComputationGraph supernet = new ComputationGraph(conf.clone());
        supernet.init();
        ResourceModel model = ResourceModel.of(supernet, INPUT);
        int batch = 64;
        long iterations = (long) searchEpochs * ((data.numTrain() + batch - 1) / batch);
        supernet.setListeners(new TaylorImportanceListener(), ResourceLossListener.builder(model).flops()
                .targetFraction(target).weight(5).geometricSchedule(iterations, 0.8)
                .freezeDepthFrom(Math.round(0.8 * iterations)).build());
        long start = System.nanoTime();
        DataSetIterator train = data.train(batch, 42);
        supernet.fit(train, searchEpochs);
        double searchSeconds = (System.nanoTime() - start) / 1e9;
        ComputationGraph slim = SlimExporter.export(supernet);
        if (retrainEpochs > 0) {
            slim = new ComputationGraph(slim.getConfiguration().clone());
            slim.init();
            slim.fit(data.train(batch, 43), retrainEpochs);
        }
        Evaluation eval = new Evaluation();
        slim.doEvaluation(data.test(500), eval);
        Files.createDirectories(out);
        ModelSerializer.writeModel(slim, out.resolve("slim-model.zip").toFile(), false);
        ObjectNode r = new ObjectMapper().createObjectNode();
        r.put("supernetFlops", model.full(ResourceKind.FLOPS));
        r.put("targetFraction", target);
        r.put("slimFlops", PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.FLOPS, INPUT));
        r.put("slimParams", PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.PARAMS, INPUT));
        r.put("searchEpochs", searchEpochs);
        r.put("retrainEpochs", retrainEpochs);
        r.put("searchSeconds", searchSeconds);
        r.put("slimTestAccuracy", eval.accuracy());
        return r;
    }
}
