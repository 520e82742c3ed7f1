package io.dl4jdms.arbiter.spaces;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A leaf space that picks one of several constants of an enum, each with equal probability. Arbiter's
 * {@code DiscreteParameterSpace} writes enum values to JSON without their type and reads them back as strings; this
 * space keeps the enum class, so its JSON round trip gives the constants again.
 *
 * @param <E> the enum
 */
public final class EnumChoiceSpace<E extends Enum<E>> implements ParameterSpace<E> {

    private Class<E> enumClass;
    private String[] names;
    private int index = -1;

    /** For JSON. */
    private EnumChoiceSpace() {
    }

    private EnumChoiceSpace(Class<E> enumClass, String[] names) {
        this.enumClass = enumClass;
        this.names = names;
    }

    /** A choice among the given constants; at least one. */
    @SafeVarargs
    public static <E extends Enum<E>> EnumChoiceSpace<E> of(E... choices) {
        if (choices == null || choices.length == 0) {
            throw new IllegalArgumentException("EnumChoiceSpace: give at least one constant to choose from");
        }
        return new EnumChoiceSpace<>(choices[0].getDeclaringClass(),
                Arrays.stream(choices).map(Enum::name).toArray(String[]::new));
    }

    @Override
    public E getValue(double[] parameterValues) {
        if (index < 0) {
            throw new IllegalStateException("EnumChoiceSpace " + this + ": its index is not set (the space was not "
                    + "given to a candidate generator)");
        }
        double u = parameterValues[index];
        if (!(u >= 0.0 && u <= 1.0)) {
            throw new IllegalArgumentException("EnumChoiceSpace " + this + ": value " + u + " at index " + index
                    + " is not in [0, 1]");
        }
        return Enum.valueOf(enumClass, names[Math.min(names.length - 1, (int) Math.floor(u * names.length))]);
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
            throw new IllegalArgumentException("EnumChoiceSpace: expected one index, got " + Arrays.toString(indices));
        }
        this.index = indices[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EnumChoiceSpace && enumClass == ((EnumChoiceSpace<?>) o).enumClass
                && Arrays.equals(names, ((EnumChoiceSpace<?>) o).names);
    }

    @Override
    public int hashCode() {
        return 31 * enumClass.hashCode() + Arrays.hashCode(names);
    }

    @Override
    public String toString() {
        return "EnumChoiceSpace(" + enumClass.getSimpleName() + " " + Arrays.toString(names) + ")";
    }
}
