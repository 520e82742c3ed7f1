package io.dl4jdms.arbiter.tasks;

import io.dl4jdms.arbiter.SearchDataSource;
import io.dl4jdms.search.DmsSearch;
import io.dl4jdms.search.SearchOutcome;
import io.dl4jdms.pipeline.SearchProgress;
import io.dl4jdms.search.SearchSettings;
import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * DMS as an Arbiter task: each candidate ({@link DmsCandidate}, e.g. from a {@code DmsSettingsSpace}) runs one
 * {@link DmsSearch} -- with its importance and resource-loss listeners, the candidate's target, {@code lambda_res},
 * epochs and multipliers, on the data the study's {@code SearchDataSource} names -- into its own directory
 * {@code <outputRoot>/candidate-<index>} (report, structure, checkpoint: a killed study resumes each search where
 * it stopped), exports and retrains the slim network as its pipeline says (structure-only: no retraining), and the
 * study's score function scores that slim network on the held-out data. The summary keeps the search's FLOPs,
 * parameters and accuracies.
 */
public class DmsTaskCreator extends BaseTaskCreator {

    private static final Logger LOG = LoggerFactory.getLogger(DmsTaskCreator.class);

    private final Path outputRoot;

    /** Searches write into {@code outputRoot/candidate-<index>}. */
    public DmsTaskCreator(Path outputRoot) {
        this.outputRoot = Objects.requireNonNull(outputRoot, "outputRoot");
    }

    /** The directory of candidate {@code index}'s search. */
    public Path candidateDirectory(int index) {
        return outputRoot.resolve("candidate-" + index);
    }

    @Override
    Evaluated evaluate(Candidate candidate, ScoreFunction scoreFunction, ScoreCall data) throws Exception {
        Object value = candidate.getValue();
        if (!(value instanceof DmsCandidate)) {
            throw new IllegalArgumentException("DmsTaskCreator: candidate " + candidate.getIndex() + " is a "
                    + (value == null ? "null" : value.getClass().getName()) + ", expected a DmsCandidate");
        }
        Path out = candidateDirectory(candidate.getIndex());
        SearchSettings settings = ((DmsCandidate) value).toSettings(SearchDataSource.directory(data.properties()), out);
        String prefix = "candidate " + candidate.getIndex() + ": ";
        SearchOutcome outcome = new DmsSearch(settings, SearchProgress.NONE, line -> LOG.info(prefix + line)).run();
        ComputationGraph slim = ModelSerializer.restoreComputationGraph(out.resolve("slim-model.zip").toFile(), true);
        double score = data.score(scoreFunction, slim);
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("directory", out.toString());
        extras.put("supernetFlops", outcome.supernetFlops);
        extras.put("slimFlops", outcome.slimFlops);
        extras.put("slimParams", outcome.slimParams);
        extras.put("slimFlopsFraction", outcome.slimFlops / outcome.supernetFlops);
        extras.put("slimTestAccuracy", outcome.slimTestAccuracy);
        extras.put("baselineTestAccuracy", outcome.baselineTestAccuracy);
        extras.put("searchSeconds", outcome.searchSeconds);
        extras.put("retrainSeconds", outcome.retrainSeconds);
        // Arbiter's result saver keeps the slim network with its configuration.
        return new Evaluated(slim, score, new LinkedHashMap<>(extras),
                new GraphConfiguration(slim.getConfiguration(), null, 0));
    }
}
