package io.dl4jdms.arbiter.spaces;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;

/** Helpers shared by this package's composite spaces. */
public final class Spaces {

    private Spaces() {
    }

    /** The leaves under {@code root}, depth first in the order of its nested spaces (as Arbiter's layer spaces do). */
    public static List<ParameterSpace> leaves(ParameterSpace<?> root) {
        LinkedList<ParameterSpace> stack = new LinkedList<>();
        stack.add(root);
        List<ParameterSpace> out = new ArrayList<>();
        while (!stack.isEmpty()) {
            ParameterSpace<?> next = stack.removeLast();
            if (next.isLeaf()) {
                out.add(next);
            } else {
                ParameterSpace[] nested = next.getNestedSpaces().values().toArray(new ParameterSpace[0]);
                for (int i = nested.length - 1; i >= 0; i--) {
                    stack.add(nested[i]);
                }
            }
        }
        return out;
    }

    /** The number of distinct leaves (a leaf shared by two options counts once) that take a value. */
    public static int countParameters(ParameterSpace<?> root) {
        List<ParameterSpace> unique = new ArrayList<>();
        for (ParameterSpace leaf : leaves(root)) {
            if (unique.stream().noneMatch(u -> u == leaf)) {
                unique.add(leaf);
            }
        }
        return unique.stream().mapToInt(ParameterSpace::numParameters).sum();
    }

    /** The value of an optional space, or null when the option is not set. */
    public static <T> T valueOrNull(ParameterSpace<T> space, double[] values) {
        return space == null ? null : space.getValue(values);
    }

    /** A fixed value, or null for null. */
    public static <T> ParameterSpace<T> fixed(T value) {
        return value == null ? null : new FixedValue<>(value);
    }

    /**
     * The updater an option names, with its learning rate replaced when a learning rate is given (a copy: the
     * space's own updater is never changed).
     */
    public static IUpdater updater(ParameterSpace<IUpdater> updater, ParameterSpace<Double> learningRate,
                                   IUpdater defaultUpdater, double[] values) {
        if (updater == null && learningRate == null) {
            return null;
        }
        IUpdater chosen = (updater == null ? defaultUpdater : updater.getValue(values)).clone();
        if (learningRate != null) {
            chosen.setLrAndSchedule(learningRate.getValue(values), null);
        }
        return chosen;
    }
}
