package io.dl4jdms.trainingfree;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Both As-ViT scores of a network at initialisation: the {@link LengthDistortion length distortion} (of fresh
 * initialisations of its configuration) and the {@link NtkCondition NTK condition number} (of its own weights on
 * one minibatch of real images).
 *
 * <pre>{@code
 * TrainingFreeScores scores = TrainingFreeScores.builder().build();            // the authors' defaults
 * TrainingFreeScores.Scores s = scores.score(net, InputType.convolutional(28, 28, 1), sixteenImages);
 * }</pre>
 */
public final class TrainingFreeScores {

    /** The minibatch size of the NTK in the authors' code. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    private final LengthDistortion lengthDistortion;
    private final NtkCondition ntk;

    private TrainingFreeScores(LengthDistortion lengthDistortion, NtkCondition ntk) {
        this.lengthDistortion = lengthDistortion;
        this.ntk = ntk;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The scores of one network.
     *
     * @param lengthDistortion {@code L^E}, the mean over the initialisations
     * @param ntk              the condition number and its status
     * @param seconds          the time both took
     */
    public record Scores(double lengthDistortion, NtkCondition.Result ntk, double seconds) {

        /** {@code kappa}; NaN or infinite when {@link NtkCondition.Result#isFinite()} is false. */
        public double kappa() {
            return ntk.kappa();
        }
    }

    /**
     * Scores {@code model}.
     *
     * @param input  the type of one input example, e.g. {@code InputType.convolutional(28, 28, 1)}
     * @param images the NTK's minibatch, at least 2 images
     */
    public Scores score(Model model, InputType input, INDArray images) {
        long start = System.nanoTime();
        double length = lengthDistortion.score(model, input);
        NtkCondition.Result kappa = ntk.score(model, images);
        return new Scores(length, kappa, (System.nanoTime() - start) / 1e9);
    }

    /** Settings: the two scores' own builders; both default to the authors' settings. */
    public static final class Builder {

        private LengthDistortion lengthDistortion = LengthDistortion.builder().build();
        private NtkCondition ntk = NtkCondition.builder().build();

        private Builder() {
        }

        public Builder lengthDistortion(LengthDistortion lengthDistortion) {
            if (lengthDistortion == null) {
                throw new IllegalArgumentException("lengthDistortion must not be null");
            }
            this.lengthDistortion = lengthDistortion;
            return this;
        }

        public Builder ntk(NtkCondition ntk) {
            if (ntk == null) {
                throw new IllegalArgumentException("ntk must not be null");
            }
            this.ntk = ntk;
            return this;
        }

        public TrainingFreeScores build() {
            return new TrainingFreeScores(lengthDistortion, ntk);
        }
    }
}
