package io.dl4jdms.search;

import io.dl4jdms.export.SearchedStructure;
import io.dl4jdms.export.SlimExporter;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import io.dl4jdms.listeners.ResourceLossListener;
import io.dl4jdms.resource.BudgetFit;
import io.dl4jdms.listeners.TaylorImportanceListener;
import io.dl4jdms.resource.PlainNetworkCounter;
import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.Provenance;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.pipeline.SearchHistory;
import io.dl4jdms.pipeline.SearchProgress;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One DMS search from settings to report: builds (or restores) the supernet, searches its structure
 * under the budget with the importance and resource-loss listeners, exports the slim network, retrains
 * it, trains a uniformly width-scaled baseline of the same FLOPs with the same budget, and writes
 * {@code summary.json}, {@code report.html}, the plots, {@code structure.json}, {@code slim-model.zip}
 * and the checkpoint into the output directory. A search that was interrupted resumes from its last
 * finished epoch when run again with the same settings and output directory.
 *
 * <table>
 *   <caption>pipelines</caption>
 *   <tr><th>pipeline</th><th>supernet</th><th>search trains</th><th>then</th></tr>
 *   <tr><td>scratch</td><td>random, enlarged by the width and depth multipliers</td><td>all weights</td>
 *       <td>retrain the slim net from scratch</td></tr>
 *   <tr><td>pretrained</td><td>the base network, trained first</td><td>all weights</td>
 *       <td>fine-tune the slim net</td></tr>
 *   <tr><td>structure-only</td><td>the base network, trained first</td><td>only the ratios, a few hundred
 *       iterations</td><td>no retraining</td></tr>
 * </table>
 */
public final class DmsSearch {

    /**
     * How far above the budget a searched structure may end before {@link BudgetFit} removes its least
     * important channels: 1%.
     */
    static final double BUDGET_TOLERANCE = 0.01;

    /** The search reaches its budget at this fraction of its iterations (the authors' 80%). */
    static final double REACH_TARGET_AT = 0.8;

    private final SearchSettings settings;
    private final SearchProgress progress;
    private final Consumer<String> log;

    public DmsSearch(SearchSettings settings, SearchProgress progress, Consumer<String> log) {
        this.settings = settings;
        this.progress = progress;
        this.log = log;
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
        SearchData data = source.get();
        Files.createDirectories(settings.out);
        log.accept("backend: " + io.dl4jdms.layers.OneDnn.status());
        log.accept("data: " + data.describe());
        InputType input = data.inputType();
        ResourceKind kind = settings.targetsParams() ? ResourceKind.PARAMS : ResourceKind.FLOPS;

        SearchCheckpoint checkpoint = new SearchCheckpoint(settings.out);
        Optional<SearchCheckpoint.State> saved = checkpoint.load(settings);
        SearchCheckpoint.State state;
        ComputationGraph supernet;
        if (saved.isPresent()) {
            state = saved.get();
            supernet = checkpoint.restoreSupernet();
            log.accept("resuming from " + checkpoint.directory() + " (" + state.phase + ", " + state.completedEpochs
                    + " epoch(s) done)");
        } else {
            state = SearchCheckpoint.start(settings, new SearchCheckpoint.State(),
                    settings.pipeline == Pipeline.SCRATCH ? "search" : "pretrain");
            double width = settings.pipeline == Pipeline.SCRATCH ? settings.widthMultiplier : 1.0;
            double depth = settings.pipeline == Pipeline.SCRATCH ? settings.depthMultiplier : 1.0;
            supernet = new ComputationGraph(DefaultSupernet.configuration(data, width, depth, settings.seed));
            supernet.init();
        }
        ResourceModel model = ResourceModel.of(supernet, input);

        long searchStart = System.nanoTime();
        if ("pretrain".equals(state.phase)) {
            pretrain(supernet, data, state, checkpoint);
        }
        if (!"done".equals(state.phase)) {
            if (settings.pipeline == Pipeline.STRUCTURE_ONLY) {
                searchStructureOnly(supernet, model, kind, data, state, checkpoint);
            } else {
                search(supernet, model, kind, data, state, checkpoint);
            }
        }
        double searchSeconds = state.searchSeconds + (System.nanoTime() - searchStart) / 1e9;

        SearchOutcome outcome = new SearchOutcome();
        Provenance provenance = Provenance.of(settings, data.describe());
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

        for (TopkOperator op : model.operators()) {
            op.setHardMask(true);
        }
        outcome.searchEndFlops = model.evaluate(ResourceKind.FLOPS).value();
        double target = kind == ResourceKind.FLOPS ? outcome.targetFlops : outcome.targetParams;
        BudgetFit.Result fit = BudgetFit.fit(model, kind, target, BUDGET_TOLERANCE);
        if (!fit.removed.isEmpty()) {
            log.accept("budget fit (" + outcome.resource + "): " + fit);
        }
        outcome.budgetFitRemoved = fit.removed.size();
        outcome.searchedFlops = model.evaluate(ResourceKind.FLOPS).value();
        for (OperatorState s : OperatorState.read(supernet)) {
            TopkOperator op = model.operators().stream().filter(o -> o.operatorName().equals(s.name())).findFirst()
                    .orElseThrow(IllegalStateException::new);
            outcome.operators.add(new SearchOutcome.OperatorSize(s.name(), op.isDepthOperator() ? "depth" : "width",
                    s.size(), s.keptSize()));
        }
        SearchedStructure.of(supernet).write(settings.out.resolve("structure.json").toFile());
        ComputationGraph slim = SlimExporter.export(supernet);
        outcome.slimMaxAbsDiffVsHardMasked = SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, data.test(500));
        outcome.slimFlops = PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.FLOPS, input);
        outcome.slimParams = PlainNetworkCounter.count(slim.getConfiguration(), ResourceKind.PARAMS, input);
        log.accept(String.format(Locale.ROOT, "searched: %.0f FLOPs (%.1f%% of the supernet), slim network max |diff| vs"
                + " hard-masked supernet %.2e", outcome.slimFlops, 100 * outcome.slimFlops / outcome.supernetFlops,
                outcome.slimMaxAbsDiffVsHardMasked));

        long retrainStart = System.nanoTime();
        ComputationGraph retrained = retrain(slim, data, state.history);
        outcome.slimTestAccuracy = PhaseTrainer.accuracy(retrained, data);
        Path slimModel = settings.out.resolve("slim-model.zip");
        ModelSerializer.writeModel(retrained, slimModel.toFile(), true);
        if (data.normalizer() != null) {
            ModelSerializer.addNormalizerToModel(slimModel.toFile(), data.normalizer());
        }
        provenance.writeInto(slimModel);

        DefaultSupernet.Baseline baseline = DefaultSupernet.uniformBaseline(data, outcome.slimFlops, settings.widthMultiplier,
                settings.seed, input);
        outcome.baselineWidthMultiplier = baseline.widthMultiplier;
        outcome.baselineFlops = PlainNetworkCounter.count(baseline.network.getConfiguration(), ResourceKind.FLOPS, input);
        outcome.baselineParams = PlainNetworkCounter.count(baseline.network.getConfiguration(), ResourceKind.PARAMS, input);
        PhaseTrainer.train(baseline.network, data, settings.batchSize, settings.seed, "baseline", 1, settings.retrainEpochs, state.history,
                progress, null, epoch -> { });
        outcome.baselineTestAccuracy = PhaseTrainer.accuracy(baseline.network, data);
        outcome.retrainSeconds = (System.nanoTime() - retrainStart) / 1e9;

        DmsReport.write(outcome, settings.out);
        return outcome;
    }

    private int iterationsPerEpoch(SearchData data) {
        return (data.numTrain() + settings.batchSize - 1) / settings.batchSize;
    }

    /** Trains the supernet (no resource loss) before a pretrained or structure-only search. */
    private void pretrain(ComputationGraph supernet, SearchData data, SearchCheckpoint.State state,
                          SearchCheckpoint checkpoint) throws IOException {
        supernet.setListeners(new TaylorImportanceListener());
        PhaseTrainer.train(supernet, data, settings.batchSize, settings.seed, "pretrain", state.completedEpochs + 1, settings.pretrainEpochs,
                state.history, progress, null, epoch -> {
                    state.completedEpochs = epoch;
                    if (epoch == settings.pretrainEpochs) {
                        state.phase = "search";
                        state.completedEpochs = 0;
                    }
                    checkpoint.save(supernet, state);
                });
    }

    private ResourceLossListener resourceLoss(ResourceModel model, ResourceKind kind, long iterations, long offset) {
        return ResourceLossListener.builder(model).kind(kind).targetFraction(settings.targetFraction())
                .weight(settings.resourceWeight)
                .geometricSchedule(iterations, REACH_TARGET_AT)
                .firstIteration(offset)
                .freezeDepthFrom(offset + Math.round(iterations * REACH_TARGET_AT))
                .build();
    }

    /** The search of the scratch and pretrained pipelines: all weights and the structure train. */
    private void search(ComputationGraph supernet, ResourceModel model, ResourceKind kind, SearchData data,
                        SearchCheckpoint.State state, SearchCheckpoint checkpoint) throws IOException {
        long iterations = (long) settings.searchEpochs * iterationsPerEpoch(data);
        long offset = settings.pipeline == Pipeline.SCRATCH ? 0 : (long) settings.pretrainEpochs * iterationsPerEpoch(data);
        ResourceLossListener resource = resourceLoss(model, kind, iterations, offset);
        supernet.setListeners(new TaylorImportanceListener(), resource, new HistoryRecorder(state.history, resource));
        long start = System.nanoTime();
        double before = state.searchSeconds;
        PhaseTrainer.train(supernet, data, settings.batchSize, settings.seed, "search", state.completedEpochs + 1, settings.searchEpochs,
                state.history, progress, () -> status(resource), epoch -> {
                    state.completedEpochs = epoch;
                    state.searchSeconds = before + (System.nanoTime() - start) / 1e9;
                    if (epoch == settings.searchEpochs) {
                        state.phase = "done";
                    }
                    checkpoint.save(supernet, state);
                });
    }

    /** The structure-only pipeline: weights frozen, only the ratios train for a few hundred iterations. */
    private void searchStructureOnly(ComputationGraph supernet, ResourceModel model, ResourceKind kind,
                                     SearchData data, SearchCheckpoint.State state, SearchCheckpoint checkpoint)
            throws IOException {
        long offset = (long) settings.pretrainEpochs * iterationsPerEpoch(data);
        ResourceLossListener resource = resourceLoss(model, kind, settings.structureIterations, offset);
        supernet.getUpdater().getStateViewArray().assign(0);
        supernet.setListeners(new TaylorImportanceListener(), resource, new WeightFreezer(),
                new HistoryRecorder(state.history, resource));
        long start = System.nanoTime();
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
        state.searchSeconds += (System.nanoTime() - start) / 1e9;
        state.phase = "done";
        checkpoint.save(supernet, state);
    }

    /** Retrains the slim network as the pipeline says; returns the network to evaluate and save. */
    private ComputationGraph retrain(ComputationGraph slim, SearchData data, SearchHistory history) throws IOException {
        switch (settings.pipeline) {
            case STRUCTURE_ONLY:
                return slim;
            case PRETRAINED:
                PhaseTrainer.train(slim, data, settings.batchSize, settings.seed, "slim", 1, settings.retrainEpochs, history, progress, null,
                        epoch -> { });
                return slim;
            default:
                ComputationGraphConfiguration conf = slim.getConfiguration().clone();
                ComputationGraph fresh = new ComputationGraph(conf);
                fresh.init();
                PhaseTrainer.train(fresh, data, settings.batchSize, settings.seed, "slim", 1, settings.retrainEpochs, history, progress, null,
                        epoch -> { });
                return fresh;
        }
    }

    private static String status(ResourceLossListener resource) {
        return String.format(Locale.ROOT, "resource %.3f target %.3f", resource.currentFraction(), resource.currentTarget());
    }
}
