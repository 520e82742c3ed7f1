package io.dl4jdms.arbiter.spaces;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A leaf space that picks one of {@link #size()} choices with equal probability from its one value in [0, 1].
 *
 * @param <T> the value
 */
public abstract class ChoiceSpace<T> implements ParameterSpace<T> {

    private int index = -1;

    /** The number of choices. */
    public abstract int size();

    /** Choice {@code i}. */
    public abstract T choice(int i);

    @Override
    public T getValue(double[] parameterValues) {
        if (index < 0) {
            throw new IllegalStateException(this + ": its index is not set (the space was not given to a candidate "
                    + "generator)");
        }
        double u = parameterValues[index];
        if (!(u >= 0.0 && u <= 1.0)) {
            throw new IllegalArgumentException(this + ": value " + u + " at index " + index + " is not in [0, 1]");
        }
        return choice(Math.min(size() - 1, (int) Math.floor(u * size())));
    }

    @Override
    public int numParameters() {
        return 1;
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        return Collections.singletonList(this);
    }

    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        return Collections.emptyMap();
    }

    @Override
    public boolean isLeaf() {
        return true;
    }

    @Override
    public void setIndices(int... indices) {
        if (indices == null || indices.length != 1) {
            throw new IllegalArgumentException(this + ": expected one index, got " + Arrays.toString(indices));
        }
        this.index = indices[0];
    }
}
