package io.dl4jdms.arbiter.tasks;

import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The fast training-free runner's task: each candidate ({@link GraphConfiguration}, e.g. from a
 * {@code SupernetSpace}, or a bare {@link ComputationGraphConfiguration}) is built, initialised and scored at once by
 * the study's score function (a training-free one such as {@code LengthDistortionScore}); nothing is trained.
 * Arbiter's own task creators would do the same with {@code numEpochs(0)} but pause about 3 s per candidate to clean
 * up ({@code System.gc()} and a 2 s sleep); this one does not, so a screen of a space scores a default-sized
 * candidate in about a second.
 */
public class TrainingFreeTaskCreator extends BaseTaskCreator {

    @Override
    Evaluated evaluate(Candidate candidate, ScoreFunction scoreFunction, ScoreCall data) {
        Object value = candidate.getValue();
        ComputationGraphConfiguration conf;
        if (value instanceof GraphConfiguration) {
            conf = ((GraphConfiguration) value).getConfiguration();
        } else if (value instanceof ComputationGraphConfiguration) {
            conf = (ComputationGraphConfiguration) value;
        } else {
            throw new IllegalArgumentException("TrainingFreeTaskCreator: candidate " + candidate.getIndex()
                    + " is a " + (value == null ? "null" : value.getClass().getName())
                    + ", expected a GraphConfiguration or a ComputationGraphConfiguration");
        }
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        double score = data.score(scoreFunction, net);
        return new Evaluated(net, score, null, value instanceof GraphConfiguration ? null : new GraphConfiguration(conf, null, 0));
    }
}
