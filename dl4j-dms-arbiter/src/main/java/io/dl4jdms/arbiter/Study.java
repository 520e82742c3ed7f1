package io.dl4jdms.arbiter;

import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxTimeCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.BaseStatusListener;
import org.deeplearning4j.arbiter.saver.local.FileModelSaver;
import org.deeplearning4j.arbiter.util.LeafUtils;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An Arbiter study that cannot hang: a random search over a space, run by Arbiter's {@link LocalOptimizationRunner}
 * with an explicit task creator, always limited by a candidate count and a wall-time limit, and started only after
 * the space has been checked.
 *
 * <p>Why the checks: in Arbiter 1.0.0-beta7 a candidate whose {@code getValue} throws is marked failed but never
 * counted, so a study whose space throws keeps generating failing candidates and never reaches its candidate
 * limit: it spins until killed. {@link #validate()} (run by {@link #run()} first) evaluates the space at its
 * corners, its centre and {@code validationSamples} random points, and fails naming the innermost option that
 * throws, its value and the point; a failure that still happens during the study stops the study at once with the
 * same message.
 *
 * <p>The output directory receives Arbiter's result saver output ({@code arbiter/<index>/}: the model, score and
 * candidate, via {@link FileModelSaver}) and {@code summary.json}: every candidate with its status, score, time,
 * its settings (the value of every option of the space, by name) and the task's extra results, and the best one.
 *
 * <pre>{@code
 * Study.Result r = Study.builder(space, new TrainingFreeTaskCreator(), new LengthDistortionScore(input))
 *         .maxCandidates(50).maxTime(Duration.ofMinutes(2)).output(Path.of("screen")).build().run();
 * }</pre>
 */
public final class Study {

    private final ParameterSpace<?> space;
    private final TaskCreator taskCreator;
    private final ScoreFunction scoreFunction;
    private final Class<? extends DataSource> dataSource;
    private final Properties dataProperties;
    private final int maxCandidates;
    private final Duration maxTime;
    private final Path output;
    private final long seed;
    private final int validationSamples;
    private final Consumer<String> log;

    private Study(Builder b) {
        this.space = b.space;
        this.taskCreator = b.taskCreator;
        this.scoreFunction = b.scoreFunction;
        this.dataSource = b.dataSource;
        this.dataProperties = b.dataProperties;
        this.maxCandidates = b.maxCandidates;
        this.maxTime = b.maxTime;
        this.output = b.output;
        this.seed = b.seed;
        this.validationSamples = b.validationSamples;
        this.log = b.log;
    }

    /** A study of {@code space}, each candidate run by {@code taskCreator} and scored by {@code scoreFunction}. */
    public static Builder builder(ParameterSpace<?> space, TaskCreator taskCreator, ScoreFunction scoreFunction) {
        return new Builder(space, taskCreator, scoreFunction);
    }

    /**
     * One candidate of a finished study: its settings (option path to value), the task's extra results, the first line
     * of its error if it failed, and its entry in Arbiter's result saver (null if it failed).
     */
    public record CandidateResult(int index, String status, Double score, double seconds, Map<String, Object> settings,
                                  Object extras, String error, ResultReference reference) {
    }

    /** The candidates of a finished study and the best (null if none completed). */
    public record Result(List<CandidateResult> candidates, CandidateResult best, double seconds, Path summary) {
    }

    /**
     * Evaluates the space at its corners, its centre and the random points; fails naming the option that throws.
     *
     * @throws IllegalArgumentException naming the space, the option, its value and the point
     */
    public void validate() {
        int n = indexLeaves(space);
        List<double[]> points = new ArrayList<>();
        points.add(filled(n, 0.0));
        points.add(filled(n, 0.5));
        points.add(filled(n, 1.0));
        Random random = new Random(seed);
        for (int i = 0; i < validationSamples; i++) {
            double[] p = new double[n];
            for (int j = 0; j < n; j++) {
                p[j] = random.nextDouble();
            }
            points.add(p);
        }
        for (double[] p : points) {
            try {
                space.getValue(p);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(describeFailure(space, p, e), e);
            }
        }
    }

    /**
     * Validates the space, then runs the study until the candidate count or the time limit is reached.
     *
     * @throws IllegalArgumentException if the space fails validation
     * @throws IllegalStateException    if a candidate cannot be made during the study (naming the option and point)
     */
    public Result run() throws IOException {
        validate();
        Files.createDirectories(output);
        Path saved = output.resolve("arbiter");
        Files.createDirectories(saved);
        GuardedGenerator generator = new GuardedGenerator(new RandomSearchGenerator(space, null, true), space);
        List<TerminationCondition> stops = List.of(new MaxCandidatesCondition(maxCandidates),
                new MaxTimeCondition(maxTime.toMillis(), TimeUnit.MILLISECONDS), generator.stopCondition());
        OptimizationConfiguration.Builder conf = new OptimizationConfiguration.Builder().candidateGenerator(generator)
                .scoreFunction(scoreFunction).modelSaver(new FileModelSaver(saved.toFile())).rngSeed(seed)
                .terminationConditions(stops);
        if (dataSource != null) {
            conf.dataSource(dataSource, dataProperties);
        }
        Map<Integer, OptimizationResult> results = new ConcurrentHashMap<>();
        LocalOptimizationRunner runner = new LocalOptimizationRunner(1, conf.build(), taskCreator);
        runner.addListeners(new BaseStatusListener() {
            @Override
            public void onCandidateStatusChange(CandidateInfo info, IOptimizationRunner r, OptimizationResult result) {
                if (result != null) {
                    results.put(info.getIndex(), result);
                    log.accept("candidate " + info.getIndex() + ": " + info.getCandidateStatus()
                            + (result.getScore() != null ? ", score " + result.getScore() : ""));
                }
            }
        });
        long start = System.nanoTime();
        runner.execute();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (generator.failure != null) {
            throw new IllegalStateException(generator.failure, generator.failureCause);
        }
        List<CandidateResult> candidates = new ArrayList<>();
        for (CandidateInfo info : runner.getCandidateStatus()) {
            OptimizationResult r = results.get(info.getIndex());
            Double score = info.getScore();
            double secs = info.getEndTime() != null && info.getStartTime() != null
                    ? (info.getEndTime() - info.getStartTime()) / 1e3 : Double.NaN;
            String error = info.getExceptionStackTrace();
            candidates.add(new CandidateResult(info.getIndex(), String.valueOf(info.getCandidateStatus()), score, secs,
                    settings(space, info.getFlatParams()), r == null ? null : r.getModelSpecificResults(),
                    error == null ? null : error.lines().findFirst().orElse(error),
                    r == null ? null : r.getResultReference()));
        }
        candidates.sort(Comparator.comparingInt(CandidateResult::index));
        boolean minimize = scoreFunction.minimize();
        CandidateResult best = candidates.stream()
                .filter(c -> c.score() != null && !c.score().isNaN() && CandidateStatus.Complete.toString().equals(c.status()))
                .min((a, b) -> minimize ? Double.compare(a.score(), b.score()) : Double.compare(b.score(), a.score()))
                .orElse(null);
        Path summary = output.resolve("summary.json");
        writeSummary(summary, candidates, best, seconds);
        log.accept("study: " + candidates.size() + " candidate(s) in " + String.format(java.util.Locale.ROOT, "%.1f", seconds)
                + " s; best " + (best == null ? "none" : "candidate " + best.index() + ", score " + best.score())
                + "; summary " + summary);
        return new Result(candidates, best, seconds, summary);
    }

    private void writeSummary(Path file, List<CandidateResult> candidates, CandidateResult best, double seconds)
            throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("space", space.toString());
        root.put("scoreFunction", scoreFunction.toString());
        root.put("minimize", scoreFunction.minimize());
        root.put("maxCandidates", maxCandidates);
        root.put("maxTimeSeconds", maxTime.toMillis() / 1e3);
        root.put("seconds", seconds);
        root.put("resultSaver", output.resolve("arbiter").toString());
        ArrayNode list = root.putArray("candidates");
        for (CandidateResult c : candidates) {
            list.add(json(mapper, c));
        }
        if (best != null) {
            root.put("bestIndex", best.index());
            root.set("best", json(mapper, best));
        } else {
            root.putNull("bestIndex");
        }
        mapper.writeValue(file.toFile(), root);
    }

    private static ObjectNode json(ObjectMapper mapper, CandidateResult c) {
        ObjectNode n = mapper.createObjectNode();
        n.put("index", c.index());
        n.put("status", c.status());
        if (c.score() == null) {
            n.putNull("score");
        } else {
            n.put("score", c.score());
        }
        n.put("seconds", c.seconds());
        ObjectNode s = n.putObject("settings");
        c.settings().forEach((k, v) -> s.set(k, toJson(mapper, v)));
        if (c.extras() != null) {
            n.set("results", toJson(mapper, c.extras()));
        }
        if (c.error() != null) {
            n.put("error", c.error());
        }
        return n;
    }

    private static org.nd4j.shade.jackson.databind.JsonNode toJson(ObjectMapper mapper, Object value) {
        try {
            return mapper.valueToTree(value);
        } catch (IllegalArgumentException e) {
            return mapper.getNodeFactory().textNode(String.valueOf(value));
        }
    }

    /** The value of every option of the space at a point, by its path of option names. */
    public static Map<String, Object> settings(ParameterSpace<?> space, double[] point) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (point == null) {
            return out;
        }
        walk(space, "", (path, leaf) -> {
            try {
                Object v = leaf.getValue(point);
                out.put(path, v instanceof int[] ? Arrays.toString((int[]) v)
                        : v instanceof double[] ? Arrays.toString((double[]) v) : v);
            } catch (RuntimeException e) {
                out.put(path, "<" + e.getMessage() + ">");
            }
        });
        return out;
    }

    private interface LeafVisitor {
        void visit(String path, ParameterSpace<?> leaf);
    }

    private static void walk(ParameterSpace<?> space, String path, LeafVisitor visitor) {
        if (space.isLeaf()) {
            visitor.visit(path.isEmpty() ? "value" : path, space);
            return;
        }
        for (Map.Entry<String, ParameterSpace> e : space.getNestedSpaces().entrySet()) {
            walk(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), visitor);
        }
    }

    /** Sets the leaves' indices as Arbiter's generators do; returns the number of values of a point. */
    static int indexLeaves(ParameterSpace<?> space) {
        List<ParameterSpace> leaves = LeafUtils.getUniqueObjects(space.collectLeaves());
        int n = 0;
        for (ParameterSpace leaf : leaves) {
            int k = leaf.numParameters();
            if (k > 0) {
                int[] idx = new int[k];
                for (int i = 0; i < k; i++) {
                    idx[i] = n++;
                }
                leaf.setIndices(idx);
            }
        }
        return n;
    }

    /**
     * The message for a space that threw at a point: the space, the innermost option (path) that throws on its own
     * and its value, or else the values of all options, and the exception.
     */
    static String describeFailure(ParameterSpace<?> space, double[] point, Throwable e) {
        String[] innermost = {null};
        walkComposites(space, "", (path, s) -> {
            try {
                s.getValue(point);
            } catch (RuntimeException inner) {
                innermost[0] = path;   // deepest last: walkComposites visits parents first
            }
        });
        StringBuilder sb = new StringBuilder("space ").append(space.getClass().getSimpleName());
        if (innermost[0] != null && !innermost[0].isEmpty()) {
            sb.append(", option ").append(innermost[0]);
        }
        sb.append(" throws at point ").append(Arrays.toString(point)).append(" with settings ")
                .append(settings(space, point)).append(": ").append(e);
        return sb.toString();
    }

    private static void walkComposites(ParameterSpace<?> space, String path, LeafVisitor visitor) {
        visitor.visit(path, space);
        if (!space.isLeaf()) {
            for (Map.Entry<String, ParameterSpace> e : space.getNestedSpaces().entrySet()) {
                walkComposites(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), visitor);
            }
        }
    }

    private static double[] filled(int n, double v) {
        double[] p = new double[n];
        Arrays.fill(p, v);
        return p;
    }

    /**
     * Wraps Arbiter's generator: a candidate that could not be made (its exception set) is remembered, no further
     * candidate is generated, and {@link #stopCondition()} ends the study; without this Arbiter's runner would never
     * count it and never stop.
     */
    private static final class GuardedGenerator implements CandidateGenerator {
        private final CandidateGenerator delegate;
        private final ParameterSpace<?> space;
        volatile String failure;
        volatile Throwable failureCause;

        GuardedGenerator(CandidateGenerator delegate, ParameterSpace<?> space) {
            this.delegate = delegate;
            this.space = space;
        }

        @Override
        public boolean hasMoreCandidates() {
            return failure == null && delegate.hasMoreCandidates();
        }

        @Override
        public Candidate getCandidate() {
            Candidate c = delegate.getCandidate();
            if (c.getException() != null) {
                failureCause = c.getException();
                failure = "study stopped: candidate " + c.getIndex() + " could not be made: "
                        + describeFailure(space, c.getFlatParameters(), c.getException());
            }
            return c;
        }

        @Override
        public void reportResults(OptimizationResult result) {
            delegate.reportResults(result);
        }

        @Override
        public ParameterSpace<?> getParameterSpace() {
            return delegate.getParameterSpace();
        }

        @Override
        public Class<?> getCandidateType() {
            return delegate.getCandidateType();
        }

        @Override
        public void setRngSeed(long rngSeed) {
            delegate.setRngSeed(rngSeed);
        }

        TerminationCondition stopCondition() {
            return new TerminationCondition() {
                @Override
                public void initialize(IOptimizationRunner runner) {
                }

                @Override
                public boolean terminate(IOptimizationRunner runner) {
                    return failure != null || (!delegate.hasMoreCandidates() && runner.numCandidatesQueued() == 0);
                }

                @Override
                public String toString() {
                    return "stop on a candidate that cannot be made, or when the generator has no more";
                }
            };
        }
    }

    /** Collects a study's settings; the candidate count and the time limit are required. */
    public static final class Builder {
        private final ParameterSpace<?> space;
        private final TaskCreator taskCreator;
        private final ScoreFunction scoreFunction;
        private Class<? extends DataSource> dataSource;
        private Properties dataProperties = new Properties();
        private int maxCandidates;
        private Duration maxTime;
        private Path output;
        private long seed = 12345;
        private int validationSamples = 20;
        private Consumer<String> log = s -> { };

        private Builder(ParameterSpace<?> space, TaskCreator taskCreator, ScoreFunction scoreFunction) {
            this.space = Objects.requireNonNull(space, "space");
            this.taskCreator = Objects.requireNonNull(taskCreator, "taskCreator");
            this.scoreFunction = Objects.requireNonNull(scoreFunction, "scoreFunction");
        }

        /** The data the score function (and the task) read: a data source class and its properties. */
        public Builder dataSource(Class<? extends DataSource> dataSource, Properties properties) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.dataProperties = properties == null ? new Properties() : properties;
            return this;
        }

        /** The number of candidates after which the study stops (required). */
        public Builder maxCandidates(int maxCandidates) {
            if (maxCandidates <= 0) {
                throw new IllegalArgumentException("Study: maxCandidates must be positive, got " + maxCandidates);
            }
            this.maxCandidates = maxCandidates;
            return this;
        }

        /**
         * The wall time after which no new candidate starts (required); a running candidate finishes first, so allow
         * for one candidate's time beyond it.
         */
        public Builder maxTime(Duration maxTime) {
            if (maxTime == null || maxTime.isNegative() || maxTime.isZero()) {
                throw new IllegalArgumentException("Study: maxTime must be positive, got " + maxTime);
            }
            this.maxTime = maxTime;
            return this;
        }

        /** The directory of Arbiter's saved results ({@code arbiter/}) and {@code summary.json} (required). */
        public Builder output(Path output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        /** The seed of the random search and of the validation points; default 12345. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Random points checked before the study, besides the corners and the centre; default 20. */
        public Builder validationSamples(int samples) {
            if (samples < 0) {
                throw new IllegalArgumentException("Study: validationSamples must be >= 0, got " + samples);
            }
            this.validationSamples = samples;
            return this;
        }

        /** Where progress lines go (one per candidate); default nowhere. */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        public Study build() {
            if (maxCandidates == 0) {
                throw new IllegalArgumentException("Study: set maxCandidates (every study needs a candidate limit)");
            }
            if (maxTime == null) {
                throw new IllegalArgumentException("Study: set maxTime (every study needs a time limit)");
            }
            if (output == null) {
                throw new IllegalArgumentException("Study: set the output directory");
            }
            return new Study(this);
        }
    }
}
