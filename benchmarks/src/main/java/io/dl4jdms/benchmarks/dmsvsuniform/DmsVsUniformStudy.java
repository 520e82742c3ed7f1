package io.dl4jdms.benchmarks.dmsvsuniform;

import io.dl4jdms.latency.LatencyProfiler;
import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchHistory;
import io.dl4jdms.pipeline.SearchProgress;
import io.dl4jdms.search.DmsSearch;
import io.dl4jdms.search.Pipeline;
import io.dl4jdms.search.SearchOutcome;
import io.dl4jdms.search.SearchSettings;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * DMS against uniform scaling at equal FLOPs and equal retraining: per seed and per budget (a fraction of the base
 * network's FLOPs), trains
 * <ul>
 *   <li>{@code dms}: the network {@link DmsSearch} finds with the from-scratch pipeline (its supernet is the base
 *       layout enlarged by {@code --width-multiplier}; the target is the budget times the base network's FLOPs),</li>
 *   <li>{@code width}: the base network scaled uniformly in width to the same FLOPs,</li>
 *   <li>{@code compound}: the base network with fewer blocks per stage ({@code --compound-depth}) and the width that
 *       brings it to the same FLOPs,</li>
 * </ul>
 * each from a fresh initialisation for the same epochs with the same batch size, seed and updater (the searched
 * network's own retraining inside {@code DmsSearch} is cut to one epoch and not used). Every finished cell is written
 * to {@code OUT/cells/<method>_b<budget>_s<seed>/cell.json} (with the trained {@code model.zip}); a cell whose file
 * exists is not run again, and a search killed midway resumes from its checkpoint, so a killed study continues where
 * it stopped. The settings are kept in {@code OUT/study.json}; a study is continued only with the same settings
 * (more seeds may be added).
 *
 * <p>Modes: (default) train the missing cells, then write the report; {@code --measure-latency}: time every trained
 * network at batch 1, interleaved, into {@code OUT/latency.json} (run it alone, as a timing run), then write the
 * report; {@code --profile-latency}: measure the supernet's latency table the latency-budget run searches with and
 * match the uniform partner of every finished latency-budget search by measured latency (a timing run too, before and
 * again after the training: {@link LatencyRun}); {@code --report}: only write the report ({@link StudyReport}).
 *
 * <p>Options: {@code --out DIR} (required), {@code --seeds N} (5; seeds 1..N), {@code --seed-list S,S} (these seeds instead: several processes
 * can share one study directory when each trains its own seeds or methods), {@code --methods M,M} (a part of
 * {@code dms,width,compound}), {@code --epochs N} (retraining, 10),
 * {@code --search-epochs N} (2), {@code --budgets F,F,F} (0.5,0.25,0.125), {@code --data DIR} (default the embedded
 * subset), {@code --train-per-class N} / {@code --test-per-class N} (a class-balanced part of the data),
 * {@code --batch N} (64), {@code --width-multiplier M} (the supernet's, 1.5), {@code --compound-depth D} (0.5: one
 * block per stage), {@code --latency-target F,F} (also the latency-budget run, {@link LatencyRun}: F is a fraction of
 * the base network's predicted batch-1 latency).
 */
public final class DmsVsUniformStudy {

    /** The methods of the FLOPs-budget study, in the report's order. */
    public static final List<String> METHODS = List.of("dms", "width", "compound");

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Options options;
    private final Consumer<String> log;

    DmsVsUniformStudy(Options options, Consumer<String> log) {
        this.options = options;
        this.log = log;
    }

    /** The study's settings. */
    static final class Options {
        Path out;
        int seeds = 5;
        /** Explicit seeds (e.g. one per process when several run side by side); null for 1..seeds. */
        long[] seedList;
        /** The methods this run trains (a part of {@link #METHODS} for processes side by side); all by default. */
        List<String> methods = METHODS;
        int epochs = 10;
        int searchEpochs = 2;
        double[] budgets = {0.5, 0.25, 0.125};
        Path data;
        int trainPerClass;
        int testPerClass;
        int batch = 64;
        double widthMultiplier = 1.5;
        double compoundDepth = 0.5;
        double[] latencyTargets = {};
        String mode = "train";

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--measure-latency") || a.equals("--report") || a.equals("--profile-latency")) {
                    o.mode = a.substring(2);
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--out" -> o.out = Path.of(v);
                    case "--seeds" -> o.seeds = positive(a, Integer.parseInt(v));
                    case "--seed-list" -> o.seedList = Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
                    case "--methods" -> o.methods = methods(v);
                    case "--epochs" -> o.epochs = positive(a, Integer.parseInt(v));
                    case "--search-epochs" -> o.searchEpochs = positive(a, Integer.parseInt(v));
                    case "--budgets" -> o.budgets = fractions(a, v);
                    case "--data" -> o.data = Path.of(v);
                    case "--train-per-class" -> o.trainPerClass = positive(a, Integer.parseInt(v));
                    case "--test-per-class" -> o.testPerClass = positive(a, Integer.parseInt(v));
                    case "--batch" -> o.batch = positive(a, Integer.parseInt(v));
                    case "--width-multiplier" -> o.widthMultiplier = Double.parseDouble(v);
                    case "--compound-depth" -> o.compoundDepth = Double.parseDouble(v);
                    case "--latency-target" -> o.latencyTargets = fractions(a, v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.out == null) {
                throw new IllegalArgumentException("--out DIR is required");
            }
            if (!(o.widthMultiplier >= 1)) {
                throw new IllegalArgumentException("--width-multiplier must be at least 1 (the supernet encloses the base"
                        + " network), got " + o.widthMultiplier);
            }
            if (!(o.compoundDepth > 0 && o.compoundDepth < 1)) {
                throw new IllegalArgumentException("--compound-depth must be in (0, 1) (fewer blocks than the base), got "
                        + o.compoundDepth);
            }
            return o;
        }

        /** The seeds this run trains. */
        long[] seedList() {
            return seedList != null ? seedList : java.util.stream.LongStream.rangeClosed(1, seeds).toArray();
        }

        private static List<String> methods(String value) {
            List<String> m = List.of(value.split(","));
            for (String x : m) {
                if (!METHODS.contains(x)) {
                    throw new IllegalArgumentException("--methods takes " + String.join(", ", METHODS) + ", got " + x);
                }
            }
            return m;
        }

        private static int positive(String option, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(option + " must be positive, got " + value);
            }
            return value;
        }

        private static double[] fractions(String option, String value) {
            double[] f = Arrays.stream(value.split(",")).mapToDouble(Double::parseDouble).toArray();
            for (double x : f) {
                if (!(x > 0 && x <= 1)) {
                    throw new IllegalArgumentException(option + " takes fractions in (0, 1], got " + x);
                }
            }
            return f;
        }

        /**
         * What decides the results (not the number of seeds, the latency targets nor the mode): a study continues only
         * with the same.
         */
        Map<String, Object> identity() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epochs", epochs);
            m.put("searchEpochs", searchEpochs);
            m.put("budgets", Arrays.stream(budgets).boxed().toList());
            m.put("data", data == null ? "embedded" : data.toAbsolutePath().normalize().toString());
            m.put("trainPerClass", trainPerClass);
            m.put("testPerClass", testPerClass);
            m.put("batch", batch);
            m.put("widthMultiplier", widthMultiplier);
            m.put("compoundDepth", compoundDepth);
            return m;
        }
    }

    public static void main(String[] args) throws IOException {
        Options options = Options.parse(args);
        new DmsVsUniformStudy(options, System.out::println).run();
    }

    void run() throws IOException {
        Files.createDirectories(options.out);
        checkIdentity(options.out, options.identity());
        SearchData data = data(options);
        log.accept("data: " + data.describe());
        switch (options.mode) {
            case "measure-latency" -> measureLatency(data);
            case "profile-latency" -> {
                new LatencyRun(this, data).profile();
                return;
            }
            case "report" -> { }
            default -> {
                trainAll(data);
                if (options.latencyTargets.length > 0) {
                    new LatencyRun(this, data).run();
                }
            }
        }
        StudyReport.write(options.out, log);
    }

    Options options() {
        return options;
    }

    Consumer<String> log() {
        return log;
    }

    static SearchData data(Options options) throws IOException {
        SearchData data = SearchData.load(options.data, 1);
        if (options.trainPerClass > 0) {
            data = data.subset(options.trainPerClass, options.testPerClass > 0 ? options.testPerClass : options.trainPerClass);
        }
        return data;
    }

    /**
     * Writes the study's identity to {@code study.json} in {@code out} if there is none, and refuses a directory whose
     * {@code study.json} holds other settings.
     */
    static void checkIdentity(Path out, Map<String, Object> identity) throws IOException {
        Path file = out.resolve("study.json");
        if (!Files.exists(file)) {
            // Written whole under another name and renamed into place: a second process started at the same moment on
            // the same directory (--seed-list splits the work) read an empty study.json and stopped.
            Path written = Files.createTempFile(out, "study", ".json.part");
            JSON.writeValue(written.toFile(), identity);
            try {
                Files.move(written, file);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(written);
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> saved = JSON.readValue(file.toFile(), Map.class);
        Map<String, Object> now = JSON.readValue(JSON.writeValueAsString(identity), Map.class);
        if (!saved.equals(now)) {
            throw new IllegalArgumentException(file + " was written with other settings: " + saved + "; now " + now
                    + ". Use another --out or the same settings");
        }
    }

    /** The directory of one cell, e.g. {@code cells/dms_b0.250_s3}. */
    Path cellDir(String method, double budget, long seed) {
        return options.out.resolve("cells").resolve(String.format(Locale.ROOT, "%s_b%.3f_s%d", method, budget, seed));
    }

    private void trainAll(SearchData data) throws IOException {
        ComputationGraphConfiguration base = StudyNetworks.plain(data, 1.0, 1.0, 1);
        double baseFlops = StudyNetworks.flops(base, data);
        log.accept(String.format(Locale.ROOT, "base network: %s, %.0f FLOPs", StudyNetworks.describe(base), baseFlops));
        int total = options.seedList().length * options.budgets.length * options.methods.size();
        int done = 0;
        for (long seed : options.seedList()) {
            for (double budget : options.budgets) {
                for (String method : options.methods) {
                    done++;
                    Path dir = cellDir(method, budget, seed);
                    if (Files.exists(dir.resolve("cell.json"))) {
                        continue;
                    }
                    long start = System.nanoTime();
                    CellResult cell = runCell(data, method, budget, seed, budget * baseFlops, dir);
                    log.accept(String.format(Locale.ROOT, "[%d/%d] %-8s budget %.3f seed %d: %s, %.0f FLOPs (%.4f of the"
                                    + " target), accuracy %.4f, %.0f s", done, total, method, budget, seed, cell.structure,
                            cell.flops, cell.flops / cell.targetFlops, cell.finalAccuracy(), (System.nanoTime() - start) / 1e9));
                }
            }
        }
    }

    private CellResult runCell(SearchData data, String method, double budget, long seed, double targetFlops, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        CellResult cell = new CellResult();
        cell.method = method;
        cell.budget = budget;
        cell.seed = seed;
        cell.targetFlops = targetFlops;
        ComputationGraphConfiguration conf;
        if (method.equals("dms")) {
            conf = search(data, targetFlops, seed, dir, cell);
        } else {
            StudyNetworks.Scaled s = StudyNetworks.uniform(data, targetFlops, method.equals("width") ? 1.0
                    : options.compoundDepth, seed);
            conf = s.configuration();
            cell.widthMultiplier = s.width();
            cell.depthMultiplier = s.depth();
        }
        train(data, conf, seed, cell, dir);
        return cell;
    }

    /** Searches with {@code dms search}'s scratch pipeline; returns the searched network's configuration. */
    private ComputationGraphConfiguration search(SearchData data, double targetFlops, long seed, Path dir, CellResult cell)
            throws IOException {
        ComputationGraphConfiguration supernet = StudyNetworks.plain(data, options.widthMultiplier, 1.0, seed);
        double supernetFlops = StudyNetworks.flops(supernet, data);
        SearchSettings settings = SearchSettings.builder().pipeline(Pipeline.SCRATCH)
                .targetFlops(targetFlops / supernetFlops).searchEpochs(options.searchEpochs).retrainEpochs(1)
                .batchSize(options.batch).seed(seed).widthMultiplier(options.widthMultiplier)
                .data(options.data).dataOptions(dataOptions()).out(dir.resolve("search")).build();
        SearchOutcome outcome = new DmsSearch(settings, SearchProgress.NONE, line -> { }).run(data);
        cell.searchSeconds = outcome.searchSeconds;
        cell.search.put("supernetFlops", outcome.supernetFlops);
        cell.search.put("targetFraction", settings.targetFlops);
        cell.search.put("targetFlops", outcome.targetFlops);
        cell.search.put("searchEndFlops", outcome.searchEndFlops);
        cell.search.put("budgetFitRemoved", outcome.budgetFitRemoved);
        cell.search.put("budgetFitAdded", outcome.budgetFitAdded);
        cell.search.put("slimFlops", outcome.slimFlops);
        cell.search.put("slimMaxAbsDiffVsHardMasked", outcome.slimMaxAbsDiffVsHardMasked);
        cell.search.put("resourceWeight", settings.resourceWeight);
        ComputationGraph slim = ModelSerializer.restoreComputationGraph(dir.resolve("search").resolve("slim-model.zip")
                .toFile(), false);
        return slim.getConfiguration();
    }

    private String dataOptions() {
        return options.trainPerClass > 0 ? "subset " + options.trainPerClass + "/" + options.testPerClass : "";
    }

    /**
     * Trains the network from a fresh initialisation for {@code --epochs} epochs as {@code dms search} retrains, records
     * the accuracy after every epoch, saves {@code model.zip} and then {@code cell.json}.
     */
    void train(SearchData data, ComputationGraphConfiguration conf, long seed, CellResult cell, Path dir)
            throws IOException {
        cell.flops = StudyNetworks.flops(conf, data);
        cell.params = StudyNetworks.params(conf, data);
        cell.structure = StudyNetworks.describe(conf);
        cell.retrainEpochs = options.epochs;
        ComputationGraph net = new ComputationGraph(conf.clone());
        net.init();
        SearchHistory history = new SearchHistory();
        long start = System.nanoTime();
        PhaseTrainer.train(net, data, options.batch, seed, "retrain", 1, options.epochs, history, SearchProgress.NONE,
                null, epoch -> { });
        cell.trainSeconds = (System.nanoTime() - start) / 1e9;
        for (SearchHistory.Epoch e : history.epochs) {
            cell.testAccuracy.add(e.testAccuracy);
            cell.trainLoss.add(e.trainLoss);
        }
        ModelSerializer.writeModel(net, dir.resolve("model.zip").toFile(), false);
        writeAtomically(dir.resolve("cell.json"), cell);
    }

    static void writeAtomically(Path file, Object value) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), value);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every finished cell of a study directory. */
    static List<CellResult> cells(Path out) throws IOException {
        List<CellResult> cells = new ArrayList<>();
        Path dir = out.resolve("cells");
        if (!Files.isDirectory(dir)) {
            return cells;
        }
        try (var list = Files.list(dir)) {
            for (Path p : list.sorted().toList()) {
                Path f = p.resolve("cell.json");
                if (Files.exists(f)) {
                    cells.add(JSON.readValue(f.toFile(), CellResult.class));
                }
            }
        }
        return cells;
    }

    /**
     * Times every trained network of the study at batch 1, interleaved (medians, DL4J's per-call overhead included, as
     * a user sees it) and writes {@code latency.json}: cell name to milliseconds, and the load average before and after.
     */
    private void measureLatency(SearchData data) throws IOException {
        List<String> names = new ArrayList<>();
        List<ComputationGraph> nets = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        try (var list = Files.list(options.out.resolve("cells"))) {
            for (Path p : list.sorted().toList()) {
                if (Files.exists(p.resolve("model.zip"))) {
                    names.add(p.getFileName().toString());
                    nets.add(ModelSerializer.restoreComputationGraph(p.resolve("model.zip").toFile(), false));
                    inputs.add(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, data.channels(), data.height(),
                            data.width()));
                }
            }
        }
        if (nets.isEmpty()) {
            throw new IllegalStateException("no trained network (cells/*/model.zip) in " + options.out + " to time");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("loadBefore", loadAverage());
        log.accept("timing " + nets.size() + " networks at batch 1 (" + LatencyProfiler.backend() + ")");
        double[] ms = LatencyProfiler.builder().batchSize(1).build().wholeNetworkTimes(nets, inputs);
        result.put("loadAfter", loadAverage());
        result.put("backend", LatencyProfiler.backend());
        Map<String, Double> byCell = new LinkedHashMap<>();
        for (int i = 0; i < ms.length; i++) {
            byCell.put(names.get(i), ms[i]);
        }
        result.put("ms", byCell);
        writeAtomically(options.out.resolve("latency.json"), result);
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
