package io.dl4jdms.search;

import io.dl4jdms.checkpoint.OutputDirectory;
import io.dl4jdms.export.SearchedStructure;
import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.layers.FusedNormalization;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.listeners.DivergenceException;
import io.dl4jdms.listeners.DivergenceGuard;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.resource.BudgetFit;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.pipeline.BatchNormRecalibration;
import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.PipelineSettings;
import io.dl4jdms.pipeline.Provenance;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchHistory;
import io.dl4jdms.pipeline.SearchProgress;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.Consumer;

/**
 * One DMS search from settings to report: builds (or restores) the supernet, searches its structure
 * under the budget with the importance and resource-loss listeners, exports the slim network, retrains
 * it, builds the pipeline's baseline of the same FLOPs (scratch: the base network scaled uniformly in width, trained
 * the same way; pretrained and structure-only: the pretrained network pruned uniformly by filter magnitude, fine-tuned
 * for as many epochs as the slim network's weights trained after the pretraining, search epochs included, or not at
 * all), and writes
 * {@code summary.json}, {@code report.html}, the plots, {@code structure.json}, {@code slim-model.zip}
 * and the checkpoints into the output directory. A search that was interrupted (even killed) resumes from
 * its last checkpoint when run again with the same settings and output directory, and ends as an
 * uninterrupted run would; checkpoints are written after every epoch and, with
 * {@link #checkpointEvery(int)}, every N iterations. A damaged checkpoint or one from other settings is
 * refused with a message naming the file and what differs ({@link #restart()} starts over on purpose).
 * A loss or parameter that stops being finite ends the run with a
 * {@link io.dl4jdms.listeners.DivergenceException}; nothing is then exported and the last good
 * checkpoint is kept.
 *
 * <table>
 *   <caption>pipelines</caption>
 *   <tr><th>pipeline</th><th>supernet</th><th>search trains</th><th>then</th></tr>
 *   <tr><td>scratch</td><td>random, enlarged by the width and depth multipliers</td><td>all weights</td>
 *       <td>retrain the slim net from scratch</td></tr>
 *   <tr><td>pretrained</td><td>the base network, trained first</td><td>all weights</td>
 *       <td>fine-tune the slim net (the baseline: search + retraining epochs)</td></tr>
 *   <tr><td>structure-only</td><td>the base network, trained first</td><td>only the ratios, a few hundred
 *       iterations</td><td>no retraining</td></tr>
 * </table>
 */
public final class DmsSearch {

    /**
     * How far above the budget a searched structure may end before {@link BudgetFit} removes its least
     * important channels: 1%. A structure that ends below the budget (or that the removal brought below it) gets its
     * most important pruned channels back while it stays at most at the budget ({@link BudgetFit#fill}).
     */
    static final double BUDGET_TOLERANCE = 0.01;

    /** The search reaches its budget at this fraction of its iterations (the authors' 80%). */
    static final double REACH_TARGET_AT = 0.8;

    /** The pretrained network, kept beside the checkpoints for the baseline of the pretrained pipelines. */
    static final String PRETRAINED_MODEL = "pretrained.zip";

    private final SearchSettings settings;
    private final SearchProgress progress;
    private final Consumer<String> log;
    private final SupernetConfiguration supernets;
    private int checkpointEvery;
    private boolean restart;
    private SupernetTraining training = SupernetTraining.local();

    /** The supernet's configuration for the data (the {@link DefaultSupernet}'s, or another in tests). */
    interface SupernetConfiguration {
        ComputationGraphConfiguration of(SearchData data, double widthMultiplier, double depthMultiplier, long seed);
    }

    public DmsSearch(SearchSettings settings, SearchProgress progress, Consumer<String> log) {
        this(settings, progress, log, DefaultSupernet::configuration);
    }

    DmsSearch(SearchSettings settings, SearchProgress progress, Consumer<String> log, SupernetConfiguration supernets) {
        this.settings = settings;
        this.progress = progress;
        this.log = log;
        this.supernets = supernets;
    }

    /**
     * Also writes a checkpoint every {@code iterations} iterations of pretraining and search (besides the one
     * after every epoch); 0 (the default) for epoch ends only.
     */
    public DmsSearch checkpointEvery(int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("checkpoint interval must be at least 0 iterations, got " + iterations);
        }
        this.checkpointEvery = iterations;
        return this;
    }

    /**
     * Trains the supernet's pretraining and search phases with {@code training} (default
     * {@link SupernetTraining#local()}), e.g. data-parallel on a Spark cluster. Its settings join the search's
     * settings map, so a checkpoint is resumed only by the same kind of training. The structure-only search and the
     * retraining of the slim network and the baseline always run on this machine.
     */
    public DmsSearch trainedBy(SupernetTraining training) {
        if (training == null) {
            throw new IllegalArgumentException("supernet training must not be null");
        }
        this.training = training;
        return this;
    }

    private PipelineSettings identity() {
        return settings.trainedBy(training);
    }

    /** Deletes the output directory's checkpoints (once the data has loaded) and starts the search over. */
    public DmsSearch restart() {
        this.restart = true;
        return this;
    }

    /**
     * Runs the whole pipeline on data already loaded, e.g. a user's own iterators
     * ({@link SearchData#of}); the settings' data directory is then ignored. Images search the ResNet
     * supernet, tables ({@code InputType.feedForward}) an MLP supernet of {@code TopkDense} layers; the
     * data's normaliser is saved in {@code slim-model.zip}.
     */
    public SearchOutcome run(SearchData data) throws IOException {
        return run(() -> data);
    }

    /** Loads the data the settings name. */
    private interface DataSource {
        SearchData get() throws IOException;
    }

    /** Runs the whole pipeline; returns what the report shows. */
    public SearchOutcome run() throws IOException {
        return run(() -> SearchData.load(settings.data, settings.seed));
    }

    private SearchOutcome run(DataSource source) throws IOException {
        OutputDirectory.check(settings.out);
        SearchCheckpoint checkpoint = new SearchCheckpoint(settings.out);
        Optional<SearchCheckpoint.State> saved = restart ? Optional.empty() : checkpoint.load(identity());
        SearchData data = source.get();
        OutputDirectory.prepare(settings.out);
        if (restart) {
            checkpoint.deleteAll();
        }
        log.accept("backend: " + io.dl4jdms.layers.OneDnn.status());
        log.accept("data: " + data.describe());
        InputType input = data.inputType();
        ResourceKind kind = settings.targetsParams() ? ResourceKind.PARAMS : ResourceKind.FLOPS;

        SearchCheckpoint.State state;
        ComputationGraph supernet;
        if (saved.isPresent()) {
            state = saved.get();
            supernet = checkpoint.restoreSupernet();
            log.accept("resuming from " + checkpoint.latest().orElseThrow() + " (" + state.phase + ", "
                    + state.completedEpochs + " epoch(s) and " + state.batchesDone + " minibatch(es) done)");
        } else {
            state = SearchCheckpoint.start(identity(), new SearchCheckpoint.State(),
                    settings.pipeline == Pipeline.SCRATCH ? "search" : "pretrain");
            double width = settings.pipeline == Pipeline.SCRATCH ? settings.widthMultiplier : 1.0;
            double depth = settings.pipeline == Pipeline.SCRATCH ? settings.depthMultiplier : 1.0;
            supernet = new ComputationGraph(supernets.of(data, width, depth, settings.seed));
            supernet.init();
        }
        FusedNormalization.install(supernet);
        ResourceModel model = ResourceModel.of(supernet, input);

        DoubleSupplier clock = state.clock();
        try {
            if ("pretrain".equals(state.phase)) {
                pretrain(supernet, model, data, state, checkpoint, clock);
            }
            if (!"done".equals(state.phase)) {
                if (settings.pipeline == Pipeline.STRUCTURE_ONLY) {
                    searchStructureOnly(supernet, model, kind, data, state, checkpoint, clock);
                } else {
                    search(supernet, model, kind, data, state, checkpoint, clock);
                }
            }
        } catch (DivergenceException e) {
            throw new DivergenceException(e, checkpoint.keptMessage() + "; nothing was exported");
        }
        double searchSeconds = state.searchSeconds;

        SearchOutcome outcome = new SearchOutcome();
        Provenance provenance = Provenance.of(identity(), data.describe());
        outcome.provenance = provenance.toMap();
        outcome.pipeline = settings.pipeline.cliName();
        outcome.resource = kind == ResourceKind.PARAMS ? "params" : "flops";
        outcome.seed = settings.seed;
        outcome.data = data.describe();
        outcome.history = state.history;
        outcome.searchSeconds = searchSeconds;
        outcome.supernetFlops = model.full(ResourceKind.FLOPS);
        outcome.supernetParams = model.full(ResourceKind.PARAMS);
        outcome.targetFlops = kind == ResourceKind.FLOPS ? settings.targetFraction() * outcome.supernetFlops : Double.NaN;
        outcome.targetParams = kind == ResourceKind.PARAMS ? settings.targetFraction() * outcome.supernetParams : Double.NaN;
        outcome.pretrainedTestAccuracy = state.history.epochs.stream().filter(e -> "pretrain".equals(e.phase))
                .mapToDouble(e -> e.testAccuracy).reduce((a, b) -> b).orElse(Double.NaN);

        for (TopkOperator op : model.operators()) {
            op.setHardMask(true);
        }
        outcome.searchEndFlops = model.evaluate(ResourceKind.FLOPS).value();
        double target = kind == ResourceKind.FLOPS ? outcome.targetFlops : outcome.targetParams;
        BudgetFit.Result fit = BudgetFit.fit(model, kind, target, BUDGET_TOLERANCE);
        if (!fit.removed.isEmpty()) {
            log.accept("budget fit (" + outcome.resource + "): " + fit);
        }
        BudgetFit.Result fill = BudgetFit.fill(model, kind, target);
        if (!fill.added.isEmpty()) {
            log.accept("budget fill (" + outcome.resource + "): " + fill);
        }
        outcome.budgetFitRemoved = fit.removed.size();
        outcome.budgetFitAdded = fill.added.size();
        outcome.searchedFlops = model.evaluate(ResourceKind.FLOPS).value();
        for (OperatorState s : OperatorState.read(supernet)) {
            TopkOperator op = model.operators().stream().filter(o -> o.operatorName().equals(s.name())).findFirst()
                    .orElseThrow(IllegalStateException::new);
            outcome.operators.add(new SearchOutcome.OperatorSize(s.name(), op.isDepthOperator() ? "depth" : "width",
                    s.size(), s.keptSize()));
        }
        checkpoint.writeResult(() -> SearchedStructure.of(supernet).write(settings.out.resolve("structure.json").toFile()));
        ComputationGraph slim = SlimExporter.export(supernet);
        outcome.slimMaxAbsDiffVsHardMasked = SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, data.test(500));
        outcome.slimFlops = PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.FLOPS, input);
        outcome.slimParams = PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.PARAMS, input);
        log.accept(String.format(Locale.ROOT, "searched: %.0f FLOPs (%.1f%% of the supernet), slim network max |diff| vs"
                + " hard-masked supernet %.2e", outcome.slimFlops, 100 * outcome.slimFlops / outcome.supernetFlops,
                outcome.slimMaxAbsDiffVsHardMasked));

        if (settings.pipeline == Pipeline.STRUCTURE_ONLY) {
            outcome.recalibrationBatches = settings.recalibrationBatches;
            outcome.slimTestAccuracyBeforeRecalibration = recalibrate(slim, data, "searched network");
        }
        long retrainStart = System.nanoTime();
        ComputationGraph retrained;
        try {
            retrained = retrain(slim, data, state.history);
        } catch (DivergenceException e) {
            throw new DivergenceException(e, checkpoint.keptMessage() + " with the searched structure;"
                    + " the slim network was not saved");
        }
        outcome.slimTestAccuracy = PhaseTrainer.accuracy(retrained, data);
        outcome.slimTrainingEpochs = trainingEpochsAfterPretraining();
        outcome.slimSearchEpochs = settings.pipeline == Pipeline.PRETRAINED ? settings.searchEpochs : 0;
        outcome.slimTraining = settings.pipeline == Pipeline.STRUCTURE_ONLY ? "none"
                : settings.pipeline == Pipeline.PRETRAINED ? "fine-tuned" : "from scratch";
        Path slimModel = settings.out.resolve("slim-model.zip");
        checkpoint.writeResult(() -> {
            ModelSerializer.writeModel(retrained, slimModel.toFile(), true);
            if (data.normalizer() != null) {
                ModelSerializer.addNormalizerToModel(slimModel.toFile(), data.normalizer());
            }
            provenance.writeInto(slimModel);
        });

        ComputationGraph baseline = baseline(data, input, checkpoint, state.history, outcome);
        outcome.baselineFlops = PlainNetworkCounter.count(baseline.getConfiguration(), ResourceKind.FLOPS, input);
        outcome.baselineParams = PlainNetworkCounter.count(baseline.getConfiguration(), ResourceKind.PARAMS, input);
        outcome.baselineTestAccuracy = PhaseTrainer.accuracy(baseline, data);
        outcome.retrainSeconds = (System.nanoTime() - retrainStart) / 1e9;

        checkpoint.writeResult(() -> DmsReport.write(outcome, settings.out));
        return outcome;
    }

    /**
     * The baseline that answers the pipeline's question, trained as the slim network is: for the scratch pipeline the
     * base network scaled uniformly in width to the slim network's FLOPs, trained from scratch; for the pretrained
     * and structure-only pipelines the same pretrained network pruned uniformly by filter magnitude to the slim
     * network's FLOPs ({@link UniformPruning}), fine-tuned for as many epochs as the slim network's weights trained
     * after the pretraining (pretrained: search epochs + retraining epochs) or not trained at all (structure-only).
     */
    private ComputationGraph baseline(SearchData data, InputType input, SearchCheckpoint checkpoint,
                                      SearchHistory history, SearchOutcome outcome) throws IOException {
        ComputationGraph baseline;
        if (settings.pipeline == Pipeline.SCRATCH) {
            DefaultSupernet.Baseline scaled = DefaultSupernet.uniformBaseline(data, outcome.slimFlops,
                    settings.widthMultiplier, settings.seed, input);
            outcome.baselineWidthMultiplier = scaled.widthMultiplier;
            outcome.baselineMethod = String.format(Locale.ROOT, "uniform width x%.3f, trained from scratch",
                    scaled.widthMultiplier);
            baseline = scaled.network;
        } else {
            ComputationGraph pretrained = checkpoint.restoreModel(PRETRAINED_MODEL);
            UniformPruning.Result pruned = UniformPruning.prune(pretrained, ResourceModel.of(pretrained, input),
                    outcome.slimFlops, BUDGET_TOLERANCE);
            log.accept("uniform magnitude pruning of the pretrained network: " + pruned);
            outcome.baselineKeptFraction = pruned.keptFraction;
            outcome.baselineMethod = String.format(Locale.ROOT, "pretrained network pruned uniformly by filter"
                    + " magnitude (%.1f%% of each width kept)%s", 100 * pruned.keptFraction,
                    settings.pipeline == Pipeline.PRETRAINED ? ", fine-tuned" : ", not retrained");
            baseline = SlimExporter.export(pretrained);
            if (settings.pipeline == Pipeline.STRUCTURE_ONLY) {
                outcome.baselineTestAccuracyBeforeRecalibration = recalibrate(baseline, data, "baseline");
            }
        }
        outcome.baselineTrainingEpochs = trainingEpochsAfterPretraining();
        if (outcome.baselineTrainingEpochs > 0) {
            try {
                trainPlain(baseline, data, "baseline", outcome.baselineTrainingEpochs, history);
            } catch (DivergenceException e) {
                throw new DivergenceException(e, checkpoint.keptMessage() + "; the slim network is saved, the"
                        + " report was not written");
            }
        }
        return baseline;
    }

    /**
     * The epochs each side of the comparison trains after the pretraining (scratch: from scratch), the same for the
     * slim network and the baseline: scratch, the retraining epochs; pretrained, the search epochs (in which the
     * slim network's weights train inside the supernet) plus the retraining epochs, so the baseline, which takes no
     * part in the search, is fine-tuned that much longer than the slim network; structure-only, none.
     */
    private int trainingEpochsAfterPretraining() {
        switch (settings.pipeline) {
            case STRUCTURE_ONLY:
                return 0;
            case PRETRAINED:
                return settings.searchEpochs + settings.retrainEpochs;
            default:
                return settings.retrainEpochs;
        }
    }

    private long iterationsPerEpoch(SearchData data) {
        return training.iterationsPerEpoch(data, settings.batchSize);
    }

    /** Trains the supernet (no resource loss) before a pretrained or structure-only search. */
    private void pretrain(ComputationGraph supernet, ResourceModel model, SearchData data, SearchCheckpoint.State state,
                          SearchCheckpoint checkpoint, DoubleSupplier clock) throws IOException {
        training.train(supernet, data, new SearchPhase("pretrain", settings.pretrainEpochs, settings.batchSize,
                settings.seed, SearchListeners.importanceOnly(), model, state, checkpoint, clock, progress,
                checkpointEvery, epoch -> {
                    state.epochDone(epoch, clock.getAsDouble());
                    if (epoch == settings.pretrainEpochs) {
                        checkpoint.saveModel(PRETRAINED_MODEL, supernet);
                        state.phase = "search";
                        state.completedEpochs = 0;
                    }
                    checkpoint.save(supernet, state);
                }));
    }

    private SearchListeners searchListeners(InputType input, ResourceKind kind, long iterations, long offset) {
        return SearchListeners.search(input, kind, settings.targetFraction(), settings.resourceWeight,
                iterations, offset);
    }

    /** The search of the scratch and pretrained pipelines: all weights and the structure train. */
    private void search(ComputationGraph supernet, ResourceModel model, ResourceKind kind, SearchData data,
                        SearchCheckpoint.State state, SearchCheckpoint checkpoint, DoubleSupplier clock)
            throws IOException {
        long iterations = settings.searchEpochs * iterationsPerEpoch(data);
        long offset = settings.pipeline == Pipeline.SCRATCH ? 0 : settings.pretrainEpochs * iterationsPerEpoch(data);
        training.train(supernet, data, new SearchPhase("search", settings.searchEpochs, settings.batchSize,
                settings.seed, searchListeners(data.inputType(), kind, iterations, offset), model, state, checkpoint, clock,
                progress, checkpointEvery, epoch -> {
                    state.epochDone(epoch, clock.getAsDouble());
                    if (epoch == settings.searchEpochs) {
                        state.phase = "done";
                    }
                    checkpoint.save(supernet, state);
                }));
    }

    /** The structure-only pipeline: weights frozen, only the ratios train for a few hundred iterations. */
    private void searchStructureOnly(ComputationGraph supernet, ResourceModel model, ResourceKind kind,
                                     SearchData data, SearchCheckpoint.State state, SearchCheckpoint checkpoint,
                                     DoubleSupplier clock) throws IOException {
        long offset = settings.pretrainEpochs * iterationsPerEpoch(data);
        ResourceLossListener resource = searchListeners(data.inputType(), kind, settings.structureIterations, offset)
                .resourceLoss(model);
        supernet.getUpdater().getStateViewArray().assign(0);
        supernet.setListeners(new DivergenceGuard("structure-only search"), new TaylorImportanceListener(), resource,
                new WeightFreezer(), new HistoryRecorder(state.history, resource));
        resource.onEpochStart(supernet);
        progress.startPhase("structure-only search", settings.structureIterations);
        org.nd4j.linalg.dataset.api.iterator.DataSetIterator train = data.train(settings.batchSize, settings.seed);
        for (int i = 0; i < settings.structureIterations; i++) {
            if (!train.hasNext()) {
                train.reset();
            }
            supernet.fit(train.next());
            progress.step(status(resource));
        }
        progress.endPhase();
        state.searchSeconds = clock.getAsDouble();
        state.phase = "done";
        checkpoint.save(supernet, state);
    }

    /**
     * The structure-only pipeline's repair of a network pruned without retraining: re-estimates its batch normalisation
     * statistics on the settings' number of training minibatches ({@link BatchNormRecalibration}; the same minibatches
     * for the searched network and the baseline), no weight trained. Returns the test accuracy before, or NaN when the
     * settings ask for no recalibration.
     */
    private double recalibrate(ComputationGraph net, SearchData data, String what) {
        if (settings.recalibrationBatches == 0) {
            return Double.NaN;
        }
        double before = PhaseTrainer.accuracy(net, data);
        int layers = BatchNormRecalibration.recalibrate(net, data.train(settings.batchSize, settings.seed),
                settings.recalibrationBatches);
        log.accept(String.format(Locale.ROOT, "%s: batch normalisation statistics of %d layer(s) re-estimated on %d"
                + " training minibatches (no weight trained), test accuracy %.4f before", what, layers,
                settings.recalibrationBatches, before));
        return before;
    }

    /** Retrains the slim network as the pipeline says; returns the network to evaluate and save. */
    private ComputationGraph retrain(ComputationGraph slim, SearchData data, SearchHistory history) throws IOException {
        switch (settings.pipeline) {
            case STRUCTURE_ONLY:
                return slim;
            case PRETRAINED:
                trainPlain(slim, data, "slim", settings.retrainEpochs, history);
                return slim;
            default:
                ComputationGraphConfiguration conf = slim.getConfiguration().clone();
                ComputationGraph fresh = new ComputationGraph(conf);
                fresh.init();
                trainPlain(fresh, data, "slim", settings.retrainEpochs, history);
                return fresh;
        }
    }

    /**
     * Trains a plain network (the slim network, the baseline) for {@code epochs} epochs as the supernet trains: DL4J's
     * cache mode {@code DEVICE} (the stock convolutions keep their pre-output for backprop) and the fused batch
     * normalisation ({@link FusedNormalization}); leaves it with cache mode {@code NONE} again, so that the network
     * that is saved carries no training option of the search.
     */
    private void trainPlain(ComputationGraph net, SearchData data, String phase, int epochs, SearchHistory history)
            throws IOException {
        setCacheMode(net, CacheMode.DEVICE);
        FusedNormalization.install(net);
        try {
            PhaseTrainer.train(net, data, settings.batchSize, settings.seed, phase, 1, epochs, history, progress, null,
                    epoch -> { });
        } finally {
            setCacheMode(net, CacheMode.NONE);
        }
    }

    private static void setCacheMode(ComputationGraph net, CacheMode mode) {
        net.getConfiguration().setCacheMode(mode);
        net.setCacheMode(mode);
    }

    /** The progress bar's status during the search: the resource and the target, as fractions of the supernet's. */
    static String status(ResourceLossListener resource) {
        return String.format(Locale.ROOT, "resource %.3f target %.3f", resource.currentFraction(), resource.currentTarget());
    }
}
