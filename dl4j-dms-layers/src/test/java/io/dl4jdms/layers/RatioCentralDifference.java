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
            assertElementMatches(net, e.getKey(), 0, e.getValue(), score, batch, epsilon, maxRelativeError,
                    negligibleScale);
        }
    }

    /**
     * Checks every element of each parameter, each by its own central difference (for vector parameters such
     * as the superkernel thresholds, which DL4J's graph check may skip after an excluded parameter).
     *
     * @param rawGradients per key, a copy of the backprop gradient as DL4J reports it (summed over the batch)
     */
    public static void assertEachElementMatches(Model net, Map<String, INDArray> rawGradients, DoubleSupplier score,
                                                int batch, double epsilon, double maxRelativeError,
                                                double negligibleScale) {
        for (Map.Entry<String, INDArray> e : rawGradients.entrySet()) {
            for (int i = 0; i < e.getValue().length(); i++) {
                assertElementMatches(net, e.getKey(), i, e.getValue().getDouble(i), score, batch, epsilon,
                        maxRelativeError, negligibleScale);
            }
        }
    }

    private static void assertElementMatches(Model net, String key, int index, double rawGradient, DoubleSupplier score,
                                             int batch, double epsilon, double maxRelativeError,
                                             double negligibleScale) {
        INDArray a = net.paramTable().get(key);
        double value = a.getDouble(index);
        a.putScalar(index, value + epsilon);
        double plus = score.getAsDouble();
        a.putScalar(index, value - epsilon);
        double minus = score.getAsDouble();
        a.putScalar(index, value);
        double numerical = (plus - minus) / (2 * epsilon);
        // The score is the mean over the minibatch; the raw gradient is the sum (the updater divides it).
        double backprop = rawGradient / batch;
        double scale = Math.abs(backprop) + Math.abs(numerical);
        assertTrue((negligibleScale > 0 && scale < negligibleScale)
                        || Math.abs(backprop - numerical) / scale < maxRelativeError,
                key + "[" + index + "]: backprop " + backprop + ", numerical " + numerical);
    }
}
