package io.dl4jdms.arbiter.spaces;

import org.deeplearning4j.arbiter.optimize.api.AbstractParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.List;

/**
 * A space made of options that are spaces themselves (found by Arbiter through its fields): not a leaf, its leaves
 * are its options' leaves, its parameter count theirs.
 *
 * @param <T> the value
 */
public abstract class CompositeSpace<T> extends AbstractParameterSpace<T> {

    @Override
    public int numParameters() {
        return Spaces.countParameters(this);
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        return Spaces.leaves(this);
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " is not a leaf: its indices are those of its options");
    }
}
