package io.dl4jdms.cli;

import io.dl4jdms.pipeline.SearchData;
import io.dl4jdms.trainingfree.LengthDistortion;
import io.dl4jdms.trainingfree.NtkCondition;
import io.dl4jdms.trainingfree.TrainingFreeScores;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Option;

/** The options of the commands that compute training-free scores (a picocli mixin). */
final class ScoreOptions {

    @Option(names = "--points", paramLabel = "N",
            description = "Points on the circle of the length distortion (default: ${DEFAULT-VALUE}).")
    int points = 10;

    @Option(names = "--initialisations", paramLabel = "N",
            description = "Random initialisations the length distortion averages (default: ${DEFAULT-VALUE}).")
    int initialisations = 5;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Training images in the NTK's minibatch, at least 2 (default: ${DEFAULT-VALUE}).")
    int batchSize = TrainingFreeScores.DEFAULT_BATCH_SIZE;

    @Option(names = "--logits", description = "NTK of the summed logits instead of the summed pooled features.")
    boolean logits;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    /** The scores' settings; throws naming the option for a bad value. */
    TrainingFreeScores scores() {
        require(points >= 2, "--points", points, "at least 2");
        require(initialisations >= 1, "--initialisations", initialisations, "at least 1");
        require(batchSize >= 2, "--batch-size", batchSize, "at least 2");
        NtkCondition.Builder ntk = NtkCondition.builder();
        if (logits) {
            ntk.logits();
        }
        return TrainingFreeScores.builder()
                .lengthDistortion(LengthDistortion.builder().points(points).initialisations(initialisations).seed(seed)
                        .build())
                .ntk(ntk.build()).build();
    }

    /** The NTK's minibatch: the first {@code --batch-size} training images in the seed's shuffled order. */
    INDArray images(SearchData data) {
        if (data.numTrain() < batchSize) {
            throw new IllegalArgumentException("Invalid value for option '--batch-size': " + batchSize + " (the data has "
                    + data.numTrain() + " training images)");
        }
        return data.train(batchSize, seed).next().getFeatures();
    }

    /** A bad value, said as picocli says it: {@code Invalid value for option '--points': 1 (expected at least 2)}. */
    static void require(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': " + value + " (expected "
                    + expected + ")");
        }
    }
}
