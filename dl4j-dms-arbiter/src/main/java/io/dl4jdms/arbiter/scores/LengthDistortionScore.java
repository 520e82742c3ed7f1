package io.dl4jdms.arbiter.scores;

import io.dl4jdms.trainingfree.LengthDistortion;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * The As-ViT length distortion {@code L^E} of a candidate ({@link LengthDistortion}; higher is more expressive,
 * maximised). Training-free: use it with {@code numEpochs(0)} in Arbiter's own task creators or with
 * {@code TrainingFreeTaskCreator}; the weights of the model passed in are not used (the score averages fresh
 * initialisations of its configuration), and no data is read.
 */
public class LengthDistortionScore extends NetworkScore {

    private int points = 10;
    private int initialisations = 5;
    private long seed = 0;
    private InputType inputType;

    /** For JSON. */
    protected LengthDistortionScore() {
    }

    /** The defaults of {@link LengthDistortion} (10 points, 5 initialisations, seed 0) for examples of this type. */
    public LengthDistortionScore(InputType inputType) {
        this.inputType = requireInput(inputType, "LengthDistortionScore");
    }

    /** With fewer initialisations (faster screening) or another seed. */
    public LengthDistortionScore(int points, int initialisations, long seed, InputType inputType) {
        LengthDistortion.builder().points(points).initialisations(initialisations);   // checks the values
        this.points = points;
        this.initialisations = initialisations;
        this.seed = seed;
        this.inputType = requireInput(inputType, "LengthDistortionScore");
    }

    @Override
    double score(Model model, Data data) {
        return LengthDistortion.builder().points(points).initialisations(initialisations).seed(seed).build()
                .score(model, inputType);
    }

    @Override
    public boolean minimize() {
        return false;
    }

    @Override
    public String toString() {
        return "LengthDistortionScore(points " + points + ", initialisations " + initialisations + ", seed " + seed + ")";
    }
}
