package io.dl4jdms.arbiter.scores;

import io.dl4jdms.trainingfree.NtkCondition;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The As-ViT NTK condition number {@code kappa} of a candidate at its initialisation ({@link NtkCondition}; lower
 * trains more easily, minimised), on the first {@code images} training images of the data source. Training-free:
 * use it with {@code numEpochs(0)} or {@code TrainingFreeTaskCreator}. A kernel that is singular or not finite
 * scores positive infinity (the worst), never NaN.
 */
public class NtkConditionScore extends NetworkScore {

    private int images = 16;

    /** 16 images, as the authors. */
    public NtkConditionScore() {
    }

    public NtkConditionScore(int images) {
        if (images < 2) {
            throw new IllegalArgumentException("NtkConditionScore: images must be at least 2, got " + images);
        }
        this.images = images;
    }

    @Override
    double score(Model model, Data data) {
        DataSetIterator train = data.train();
        DataSet first = train.next();
        if (first.numExamples() < images) {
            throw new IllegalArgumentException("NtkConditionScore: the first training batch has " + first.numExamples()
                    + " images, fewer than the " + images + " asked for; raise the batch size");
        }
        INDArray x = first.getFeatures().get(NDArrayIndex.interval(0, images));
        NtkCondition.Result r = NtkCondition.builder().build().score(model, x);
        return r.isFinite() ? r.kappa() : Double.POSITIVE_INFINITY;
    }

    @Override
    public boolean minimize() {
        return true;
    }

    @Override
    public String toString() {
        return "NtkConditionScore(" + images + " images)";
    }
}
