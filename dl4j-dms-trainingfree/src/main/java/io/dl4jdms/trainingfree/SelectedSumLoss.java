package io.dl4jdms.trainingfree;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The "loss" {@code sum(labels * output)}: with labels one on one example's row and zero elsewhere, its
 * gradient is that row's summed output, so DL4J's ordinary training pass ({@code computeGradientAndScore})
 * yields the row of the NTK's Jacobian. Use it with an identity activation.
 */
public final class SelectedSumLoss implements ILossFunction {

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        double score = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? score / preOutput.size(0) : score;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray output = activationFn.getActivation(preOutput.dup(), true);
        return output.muli(labels.castTo(output.dataType())).sum(1);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return activationFn.backprop(preOutput.dup(), labels.castTo(preOutput.dataType()).dup()).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "SelectedSumLoss";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SelectedSumLoss;
    }

    @Override
    public int hashCode() {
        return SelectedSumLoss.class.hashCode();
    }

    @Override
    public String toString() {
        return name() + "()";
    }
}
