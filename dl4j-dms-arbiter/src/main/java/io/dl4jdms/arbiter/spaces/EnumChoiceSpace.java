package io.dl4jdms.arbiter.spaces;


import java.util.Arrays;

/**
 * A leaf space that picks one of several constants of an enum, each with equal probability. Arbiter's
 * {@code DiscreteParameterSpace} writes enum values to JSON without their type and reads them back as strings; this
 * space keeps the enum class, so its JSON round trip gives the constants again.
 *
 * @param <E> the enum
 */
public final class EnumChoiceSpace<E extends Enum<E>> extends ChoiceSpace<E> {

    private Class<E> enumClass;
    private String[] names;

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
    public int size() {
        return names.length;
    }

    @Override
    public E choice(int i) {
        return Enum.valueOf(enumClass, names[i]);
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
