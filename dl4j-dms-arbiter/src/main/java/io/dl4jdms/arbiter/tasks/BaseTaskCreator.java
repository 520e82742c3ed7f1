package io.dl4jdms.arbiter.tasks;

import org.apache.commons.lang3.exception.ExceptionUtils;
import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultSaver;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * What this package's task creators share: each candidate's task reports Running and then Complete or Failed to the
 * status listeners, saves its result with the study's result saver, and turns an exception into a Failed candidate
 * with its stack trace (as Arbiter's own tasks do) -- without their clean-up pause ({@code System.gc()} and a 2 s
 * sleep per candidate).
 */
abstract class BaseTaskCreator implements TaskCreator {

    /**
     * A scored candidate: the model to save, its score, what else the summary shows, and the configuration Arbiter's
     * {@code FileModelSaver} saves with the model (it expects a {@code GraphConfiguration} candidate for a graph; null:
     * the candidate's own value).
     */
    record Evaluated(Object model, double score, Object extras, GraphConfiguration savedConfiguration) {
    }

    /** The score function's view of the data: a data source class with its properties, or a data provider. */
    interface ScoreCall {
        double score(ScoreFunction scoreFunction, Object model);

        /** The data source's properties (empty with a data provider). */
        Properties properties();
    }

    /** Builds, runs and scores one candidate. */
    abstract Evaluated evaluate(Candidate candidate, ScoreFunction scoreFunction, ScoreCall data) throws Exception;

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, DataProvider dataProvider,
                                               ScoreFunction scoreFunction, List<StatusListener> statusListeners,
                                               IOptimizationRunner runner) {
        ScoreCall call = new ScoreCall() {
            public double score(ScoreFunction f, Object model) {
                return f.score(model, dataProvider, candidate.getDataParameters());
            }

            public Properties properties() {
                return new Properties();
            }
        };
        return () -> run(candidate, scoreFunction, call, statusListeners, runner);
    }

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> dataSource,
                                               Properties dataSourceProperties, ScoreFunction scoreFunction,
                                               List<StatusListener> statusListeners, IOptimizationRunner runner) {
        ScoreCall call = new ScoreCall() {
            public double score(ScoreFunction f, Object model) {
                return f.score(model, dataSource, dataSourceProperties);
            }

            public Properties properties() {
                return dataSourceProperties == null ? new Properties() : dataSourceProperties;
            }
        };
        return () -> run(candidate, scoreFunction, call, statusListeners, runner);
    }

    private OptimizationResult run(Candidate candidate, ScoreFunction scoreFunction, ScoreCall call,
                                   List<StatusListener> listeners, IOptimizationRunner runner) {
        long start = System.currentTimeMillis();
        CandidateInfo running = new CandidateInfo(candidate.getIndex(), CandidateStatus.Running, null, start, start, null,
                candidate.getFlatParameters(), null);
        notify(listeners, running, runner, null);
        try {
            Evaluated e = evaluate(candidate, scoreFunction, call);
            long end = System.currentTimeMillis();
            CandidateInfo done = new CandidateInfo(candidate.getIndex(), CandidateStatus.Complete, e.score(), start, start,
                    end, candidate.getFlatParameters(), null);
            OptimizationResult result = new OptimizationResult(candidate, e.score(), candidate.getIndex(), e.extras(),
                    done, null);
            ResultSaver saver = runner == null ? null : runner.getConfiguration().getResultSaver();
            if (saver != null) {
                OptimizationResult toSave = result;
                if (e.savedConfiguration() != null) {
                    Candidate<GraphConfiguration> described = new Candidate<>(e.savedConfiguration(), candidate.getIndex(),
                            candidate.getFlatParameters(), candidate.getDataParameters(), null);
                    toSave = new OptimizationResult(described, e.score(), candidate.getIndex(), e.extras(), done, null);
                }
                ResultReference reference = saver.saveModel(toSave, e.model());
                result.setResultReference(reference);
            }
            notify(listeners, done, runner, result);
            return result;
        } catch (Exception | Error ex) {
            long end = System.currentTimeMillis();
            CandidateInfo failed = new CandidateInfo(candidate.getIndex(), CandidateStatus.Failed, null, start, start, end,
                    candidate.getFlatParameters(), ExceptionUtils.getStackTrace(ex));
            OptimizationResult result = new OptimizationResult(candidate, null, candidate.getIndex(), null, failed, null);
            notify(listeners, failed, runner, result);
            return result;
        }
    }

    private static void notify(List<StatusListener> listeners, CandidateInfo info, IOptimizationRunner runner,
                               OptimizationResult result) {
        if (listeners != null) {
            for (StatusListener l : listeners) {
                l.onCandidateStatusChange(info, runner, result);
            }
        }
    }
}
