package io.dl4jdms.arbiter.spaces;


import java.util.Arrays;

/**
 * A leaf space that picks one of several {@code int[]} or {@code double[]} arrays (candidate kernel sizes, stage
 * widths, ...), each with equal probability. Arbiter's {@code DiscreteParameterSpace} holds its values as a
 * {@code List<Object>}, which JSON reads back as lists rather than arrays; this space keeps its arrays typed, so its
 * JSON round trip gives arrays again.
 *
 * @param <T> {@code int[]} or {@code double[]}
 */
public final class ArrayChoiceSpace<T> extends ChoiceSpace<T> {

    private int[][] intChoices;
    private double[][] doubleChoices;

    /** For JSON. */
    private ArrayChoiceSpace() {
    }

    private ArrayChoiceSpace(int[][] intChoices, double[][] doubleChoices) {
        this.intChoices = intChoices;
        this.doubleChoices = doubleChoices;
    }

    /** A choice among integer arrays; at least one. */
    public static ArrayChoiceSpace<int[]> ofInts(int[]... choices) {
        if (choices == null || choices.length == 0) {
            throw new IllegalArgumentException("ArrayChoiceSpace: give at least one array to choose from");
        }
        return new ArrayChoiceSpace<>(Arrays.stream(choices).map(int[]::clone).toArray(int[][]::new), null);
    }

    /** A choice among arrays of doubles; at least one. */
    public static ArrayChoiceSpace<double[]> ofDoubles(double[]... choices) {
        if (choices == null || choices.length == 0) {
            throw new IllegalArgumentException("ArrayChoiceSpace: give at least one array to choose from");
        }
        return new ArrayChoiceSpace<>(null, Arrays.stream(choices).map(double[]::clone).toArray(double[][]::new));
    }

    /** The number of arrays to choose from. */
    @Override
    public int size() {
        return intChoices != null ? intChoices.length : doubleChoices.length;
    }

    /** Choice {@code i} (a copy). */
    @Override
    @SuppressWarnings("unchecked")
    public T choice(int i) {
        return (T) (intChoices != null ? intChoices[i].clone() : doubleChoices[i].clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArrayChoiceSpace && Arrays.deepEquals(intChoices, ((ArrayChoiceSpace<?>) o).intChoices)
                && Arrays.deepEquals(doubleChoices, ((ArrayChoiceSpace<?>) o).doubleChoices);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(intChoices) + Arrays.deepHashCode(doubleChoices);
    }

    @Override
    public String toString() {
        return "ArrayChoiceSpace(" + (intChoices != null ? Arrays.deepToString(intChoices)
                : Arrays.deepToString(doubleChoices)) + ")";
    }
}
