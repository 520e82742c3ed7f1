package io.dl4jdms.examples.arbiter;

import io.dl4jdms.arbiter.SearchDataSource;
import io.dl4jdms.arbiter.Study;
import io.dl4jdms.arbiter.scores.HeldOutAccuracy;
import io.dl4jdms.arbiter.spaces.DmsSettingsSpace;
import io.dl4jdms.arbiter.tasks.DmsTaskCreator;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Example study (1): a random search over DMS's own settings on the embedded Fashion-MNIST subset. Which
 * {@code lambda_res} and search length give the best slim network at 25% of the supernet's FLOPs? Each candidate is
 * a whole DMS search (from scratch, 1.5x supernet), its slim network retrained for one epoch and scored on the held-out
 * split. Writes Arbiter's result saver output and {@code summary.json} into the output directory and names the best.
 *
 * <pre>
 * mvn -B -q -pl examples -am package -Dmaven.test.skip=true -Prun \
 *   -Dexec.mainClass=io.dl4jdms.examples.arbiter.DmsSettingsStudy -Dexec.args="--candidates 4 --minutes 8 --out /tmp/dms-study"
 * </pre>
 *
 * <p>Options: {@code --candidates N} (default 4), {@code --minutes M} (no candidate starts after M minutes; default
 * 8), {@code --out DIR} (default {@code dms-study}), {@code --data DIR} (IDX files or image folders instead of the
 * embedded subset), {@code --max-search-epochs N} (default 2), {@code --retrain-epochs N} (default 1).
 */
public final class DmsSettingsStudy {

    private DmsSettingsStudy() {
    }

    public static void main(String[] args) throws Exception {
        Study.Result r = run(Options.parse(args));
        System.out.println("best: " + (r.best() == null ? "none" : "candidate " + r.best().index() + " (held-out accuracy "
                + r.best().score() + ") " + r.best().settings()));
    }

    /** Runs the study; returns its result. */
    public static Study.Result run(Options o) throws Exception {
        DmsSettingsSpace space = new DmsSettingsSpace.Builder().targetFlops(0.25)
                .resourceWeight(new ContinuousParameterSpace(1.0, 10.0))
                .searchEpochs(new IntegerParameterSpace(1, o.maxSearchEpochs))
                .retrainEpochs(o.retrainEpochs).seed(42).build();
        return Study.builder(space, new DmsTaskCreator(o.out.resolve("searches")), new HeldOutAccuracy())
                .dataSource(SearchDataSource.class, SearchDataSource.properties(o.data, 64))
                .maxCandidates(o.candidates).maxTime(Duration.ofSeconds(Math.round(o.minutes * 60)))
                .output(o.out).seed(1).log(System.out::println).build().run();
    }

    /** The command-line options. */
    public static final class Options {
        int candidates = 4;
        double minutes = 8;
        Path out = Path.of("dms-study");
        Path data;
        int maxSearchEpochs = 2;
        int retrainEpochs = 1;

        public static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                if (value == null) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                switch (args[i]) {
                    case "--candidates" -> o.candidates = Integer.parseInt(value);
                    case "--minutes" -> o.minutes = Double.parseDouble(value);
                    case "--out" -> o.out = Path.of(value);
                    case "--data" -> o.data = Path.of(value);
                    case "--max-search-epochs" -> o.maxSearchEpochs = Integer.parseInt(value);
                    case "--retrain-epochs" -> o.retrainEpochs = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --candidates N "
                            + "--minutes M --out DIR --data DIR --max-search-epochs N --retrain-epochs N");
                }
                i++;
            }
            return o;
        }
    }
}
