package io.dl4jdms.layers;

import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks each operator's ratio {@code a} against a central difference of the score, one ratio at a time.
 * Gradient checks need this next to DL4J's {@code GradientCheckUtil}: its graph check (M2.1) silently skips
 * the first value after every excluded parameter, and {@code a} comes right after the batch-norm variance.
 */
public final class RatioCentralDifference {

    private RatioCentralDifference() {
    }

    /**
     * @param rawGradients    per ratio key, the backprop gradient as DL4J reports it (summed over the batch)
     * @param score           the score of the current parameters (the minibatch mean, training mode)
     * @param negligibleScale below this {@code |backprop| + |numerical|} the two count as equal (0: never)
     */
    public static void assertMatches(Model net, Map<String, Double> rawGradients, DoubleSupplier score, int batch,
                                     double epsilon, double maxRelativeError, double negligibleScale) {
        for (Map.Entry<String, Double> e : rawGradients.entrySet()) {
            INDArray a = net.paramTable().get(e.getKey());
            double value = a.getDouble(0);
            a.putScalar(0, value + epsilon);
            double plus = score.getAsDouble();
            a.putScalar(0, value - epsilon);
            double minus = score.getAsDouble();
            a.putScalar(0, value);
            double numerical = (plus - minus) / (2 * epsilon);
            // The score is the mean over the minibatch; the raw gradient is the sum (the updater divides it).
            double backprop = e.getValue() / batch;
            double scale = Math.abs(backprop) + Math.abs(numerical);
            assertTrue((negligibleScale > 0 && scale < negligibleScale)
                            || Math.abs(backprop - numerical) / scale < maxRelativeError,
                    e.getKey() + ": backprop " + backprop + ", numerical " + numerical);
        }
    }
}
