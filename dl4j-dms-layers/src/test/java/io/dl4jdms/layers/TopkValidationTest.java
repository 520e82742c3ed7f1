package io.dl4jdms.layers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The builders of {@link TopkConv} and {@link TopkDense} reject bad top-k settings with an
 * {@link IllegalArgumentException} that names the layer and the bad value.
 */
class TopkValidationTest {

    /** A bad setting: what it is called in the message, the bad value as printed, and how to apply it. */
    private static final class Bad {
        final String option;
        final String value;
        final Function<TopkConv.Builder, TopkConv.Builder> conv;
        final Function<TopkDense.Builder, TopkDense.Builder> dense;

        Bad(String option, String value, Function<TopkConv.Builder, TopkConv.Builder> conv,
            Function<TopkDense.Builder, TopkDense.Builder> dense) {
            this.option = option;
            this.value = value;
            this.conv = conv;
            this.dense = dense;
        }

        @Override
        public String toString() {
            return option + "=" + value;
        }
    }

    private static Bad ratio(double r) {
        return new Bad("initialRatio", String.valueOf(r), b -> b.initialRatio(r), b -> b.initialRatio(r));
    }

    private static Bad decay(double d) {
        return new Bad("batchNormDecay", String.valueOf(d), b -> b.batchNormDecay(d), b -> b.batchNormDecay(d));
    }

    private static Bad epsilon(double e) {
        return new Bad("batchNormEpsilon", String.valueOf(e), b -> b.batchNormEpsilon(e), b -> b.batchNormEpsilon(e));
    }

    private static Bad nOut(int n) {
        return new Bad("nOut", String.valueOf(n), b -> b.nOut(n), b -> b.nOut(n));
    }

    static Stream<Arguments> badSettings() {
        List<Bad> bad = new ArrayList<>();
        bad.add(nOut(0));
        bad.add(nOut(-3));
        for (double r : new double[] {-0.1, 1.0, 1.5, Double.NaN, 0.95}) {
            bad.add(ratio(r));
        }
        for (double d : new double[] {0.0, 1.0, -0.5, 1.5, Double.NaN}) {
            bad.add(decay(d));
        }
        for (double e : new double[] {0.0, -1e-5, Double.NaN, Double.POSITIVE_INFINITY}) {
            bad.add(epsilon(e));
        }
        bad.add(new Bad("ratioUpdater", "null", b -> b.ratioUpdater(null), b -> b.ratioUpdater(null)));
        List<Arguments> cases = new ArrayList<>();
        for (Bad b : bad) {
            cases.add(Arguments.of("conv", b));
            cases.add(Arguments.of("dense", b));
        }
        return cases.stream();
    }

    /** Everything valid except the one bad setting; nOut 2, so an initial ratio of 0.95 would prune every output. */
    private static void build(String type, Bad bad) {
        if (type.equals("conv")) {
            bad.conv.apply(new TopkConv.Builder(3, 3).name("conv1").nOut(2).nIn(3)).build();
        } else {
            bad.dense.apply(new TopkDense.Builder().name("conv1").nOut(2).nIn(3)).build();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badSettings")
    void rejectsNamingTheLayerAndTheValue(String type, Bad bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> build(type, bad));
        String message = e.getMessage();
        assertTrue(message.contains("'conv1'"), "layer name missing: " + message);
        assertTrue(message.contains(type.equals("conv") ? "TopkConv" : "TopkDense"), "layer type missing: " + message);
        assertTrue(message.contains(bad.option), "option missing: " + message);
        assertTrue(message.contains(bad.value), "value " + bad.value + " missing: " + message);
    }

    @Test
    void aRatioThatPrunesEverythingSaysSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TopkConv.Builder(3, 3).name("conv1").nOut(2).initialRatio(0.95).build());
        assertTrue(e.getMessage().contains("0.95") && e.getMessage().contains("2 outputs")
                && e.getMessage().contains("0.75"), e.getMessage());
    }

    @Test
    void anUnnamedLayerIsCalledSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TopkDense.Builder().nOut(4).initialRatio(-1).build());
        assertTrue(e.getMessage().contains("(unnamed)") && e.getMessage().contains("-1.0"), e.getMessage());
    }

    /** The bounds themselves: everything just inside them builds. */
    @ParameterizedTest
    @ValueSource(strings = {"conv", "dense"})
    void acceptsTheBoundaries(String type) {
        List<Bad> good = List.of(ratio(0.0), ratio(0.75), decay(1e-9), decay(0.999999), epsilon(Double.MIN_VALUE),
                new Bad("ratioUpdater", "NoOp", b -> b.ratioUpdater(new NoOp()), b -> b.ratioUpdater(new NoOp())));
        for (Bad g : good) {
            assertDoesNotThrow(() -> build(type, g), g.toString());
        }
        // The largest ratio for N = 2 is 1 - 1/(2N) = 0.75: it keeps one output.
        TopkConv conv = new TopkConv.Builder(3, 3).nOut(2).initialRatio(0.75).build();
        assertEquals(0.75, conv.getTopkOptions().getInitialRatio(), 0.0);
    }

    @Test
    void nOutUnsetIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TopkConv.Builder(3, 3).name("conv1").build());
        assertTrue(e.getMessage().contains("'conv1'") && e.getMessage().contains("nOut"), e.getMessage());
    }
}
