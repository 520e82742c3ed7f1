package io.dl4jdms.spnas;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Single-Path NAS maths against hand-computed values and finite differences. */
class SinglePathMathTest {

    private static final double SIGMOID_1 = 0.7310585786300049;
    private static final double SIGMOID_DERIVATIVE_1 = 0.19661193324148185;

    @Test
    void indicatorStepSigmoidAndDerivative() {
        assertEquals(1.0, Indicator.step(0.0));
        assertEquals(0.0, Indicator.step(-1e-12));
        assertEquals(0.5, Indicator.sigmoid(0.0));
        assertEquals(SIGMOID_1, Indicator.sigmoid(1.0), 1e-15);
        assertEquals(1 - SIGMOID_1, Indicator.sigmoid(-1.0), 1e-15);
        assertEquals(0.25, Indicator.derivative(0.0));
        assertEquals(SIGMOID_DERIVATIVE_1, Indicator.derivative(1.0), 1e-15);
        assertEquals(1.0, Indicator.sigmoid(800.0));
        assertEquals(0.0, Indicator.sigmoid(-800.0));
        assertEquals(1.0, Indicator.forward(0.3, false));
        assertEquals(Indicator.sigmoid(0.3), Indicator.forward(0.3, true));
    }

    @Test
    void hardChainIsStraightThrough() {
        // x = norm - t = [1, -1, 3]: d = [1, 0, 1], D = [1, 0, 0].
        NestedIndicators chain = NestedIndicators.of(new double[] {2, 1, 3}, new double[] {1, 2, 0}, false);
        assertArrayEquals(new double[] {1, 0, 1}, chain.indicators());
        assertArrayEquals(new double[] {1, 0, 0}, chain.products());
        assertEquals(1, chain.hardCount());
        // dL/dD = [1, 2, 3]: dL/dd_0 = 1 + 2 d_1 + 3 d_1 d_2 = 1; dL/dd_1 = 2 d_0 + 3 d_0 d_2 = 5; dL/dd_2 = 3 d_0 d_1 = 0.
        double[] productGradient = {1, 2, 3};
        assertArrayEquals(new double[] {1, 5, 0}, chain.indicatorGradient(productGradient), 1e-15);
        assertArrayEquals(new double[] {-SIGMOID_DERIVATIVE_1, -5 * SIGMOID_DERIVATIVE_1, 0},
                chain.thresholdGradient(productGradient), 1e-15);
        assertArrayEquals(new double[] {SIGMOID_DERIVATIVE_1, 5 * SIGMOID_DERIVATIVE_1, 0},
                chain.normGradient(productGradient), 1e-15);
    }

    @Test
    void relaxedChainMatchesFiniteDifferences() {
        double[] norms = {2.0, 1.2, 3.5};
        double[] thresholds = {1.5, 1.9, 2.0};
        double[] weights = {0.7, -1.3, 2.1};
        NestedIndicators chain = NestedIndicators.of(norms, thresholds, true);
        assertEquals(Indicator.sigmoid(0.5) * Indicator.sigmoid(-0.7), chain.products()[1], 1e-15);
        // The hard decision does not depend on the mode.
        assertEquals(1, chain.hardCount());
        double[] thresholdGradient = chain.thresholdGradient(weights);
        double[] normGradient = chain.normGradient(weights);
        for (int i = 0; i < 3; i++) {
            int index = i;
            assertEquals(numeric(h -> weighted(norms, shifted(thresholds, index, h), weights)), thresholdGradient[i],
                    1e-8, "threshold " + i);
            assertEquals(numeric(h -> weighted(shifted(norms, index, h), thresholds, weights)), normGradient[i], 1e-8,
                    "norm " + i);
        }
    }

    @Test
    void chainRejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> NestedIndicators.of(new double[] {1}, new double[0], false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NestedIndicators.of(new double[] {1, Double.NaN}, new double[] {0, 0}, false));
        assertTrue(e.getMessage().contains("norm[1] is NaN"), e.getMessage());
    }

    @Test
    void kernelShellsOfThreeFiveSeven() {
        KernelShells shells = new KernelShells(3, 5, 7);
        assertEquals(7, shells.superkernelSize());
        assertEquals(2, shells.switchableShells());
        assertEquals(0, shells.shellOf(3, 3));
        assertEquals(0, shells.shellOf(2, 4));
        assertEquals(1, shells.shellOf(1, 1));
        assertEquals(1, shells.shellOf(1, 5));
        assertEquals(1, shells.shellOf(3, 1));
        assertEquals(2, shells.shellOf(0, 3));
        assertEquals(2, shells.shellOf(6, 6));
        assertEquals(2, shells.offset(0));
        assertEquals(1, shells.offset(1));
        double[][] p = shells.coefficients(new double[] {0.5, 0.25});
        assertEquals(1.0, p[3][3]);
        assertEquals(0.5, p[1][2]);
        assertEquals(0.25, p[0][0]);
        double[][] ones = new double[7][7];
        for (double[] row : ones) {
            java.util.Arrays.fill(row, 1.0);
        }
        // 9 core positions, 25 - 9 = 16 in the 5x5 shell, 49 - 25 = 24 in the 7x7 shell.
        assertArrayEquals(new double[] {16, 24}, shells.sumPerShell(ones));
    }

    @Test
    void kernelShellsRejectEvenOrUnsortedSizes() {
        assertTrue(KernelShells.problem(new int[] {3, 4}).contains("odd (the candidates share one centre), got 4 in [3, 4]"));
        assertTrue(KernelShells.problem(new int[] {5, 3}).contains("strictly increasing, got [5, 3]"));
        assertTrue(KernelShells.problem(new int[0]).contains("at least one"));
        assertEquals(null, KernelShells.problem(new int[] {1, 3}));
        assertThrows(IllegalArgumentException.class, () -> new KernelShells(0, 3));
    }

    @Test
    void channelGroupsSplitByRatio() {
        ChannelGroups half = new ChannelGroups(96, 3, 6);
        assertEquals(48, half.end(0));
        assertEquals(96, half.end(1));
        assertEquals(0, half.groupOf(47));
        assertEquals(1, half.groupOf(48));
        ChannelGroups three = new ChannelGroups(10, 3, 4, 6);
        // round(10 * 3/6) = 5, round(10 * 4/6) = 7, 10.
        assertEquals(5, three.end(0));
        assertEquals(7, three.end(1));
        assertEquals(5, three.start(1));
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 2, 2, 3, 3, 3}, three.perChannel(new double[] {1, 2, 3}));
        assertArrayEquals(new double[] {5, 4, 9}, three.sumPerGroup(three.perChannel(new double[] {1, 2, 3})));
        String problem = ChannelGroups.problem(2, new double[] {5.9, 6});
        assertTrue(problem.contains("expansion ratio 6.0 gives 2 of the 2 channels, no more than ratio 5.9"), problem);
        assertTrue(ChannelGroups.problem(8, new double[] {6, 3}).contains("strictly increasing"));
        assertTrue(ChannelGroups.problem(8, new double[] {0, 3}).contains("positive"));
    }

    @Test
    void spaceChoicesWithAndWithoutSkip() {
        SuperkernelSpace skippable = new SuperkernelSpace(new KernelShells(3, 5, 7), new ChannelGroups(96, 3, 6), true);
        assertEquals(2, skippable.kernelThresholdCount());
        assertEquals(2, skippable.expansionThresholdCount());
        assertEquals(7, skippable.candidateCount());
        assertEquals(new SuperkernelChoice(2, 7, 1, 6.0, 96, false), skippable.choice(2, 2));
        assertEquals(new SuperkernelChoice(1, 5, 0, 3.0, 48, false), skippable.choice(1, 1));
        assertTrue(skippable.choice(0, 0).skip());
        assertEquals("5x5 e3 (48 channels)", skippable.choice(1, 1).toString());
        assertEquals("skip", skippable.choice(0, 0).toString());

        SuperkernelSpace plain = new SuperkernelSpace(new KernelShells(3, 5), new ChannelGroups(96, 3, 6), false);
        assertEquals(1, plain.expansionThresholdCount());
        assertEquals(new SuperkernelChoice(0, 3, 0, 3.0, 48, false), plain.choice(0, 0));
        assertEquals(new SuperkernelChoice(1, 5, 1, 6.0, 96, false), plain.candidate(1, 1));
        assertThrows(IllegalArgumentException.class, () -> plain.candidate(0, -1));
        // Group 0 has no gate without the skip op; the chain gates group 1 only.
        NestedIndicators expansion = NestedIndicators.of(new double[] {2.0}, new double[] {3.0}, false);
        assertArrayEquals(new double[] {1, 0}, plain.groupMasks(expansion));
        assertArrayEquals(new double[] {7}, plain.expansionProductGradient(new double[] {5, 7}));
        NestedIndicators kernel = NestedIndicators.of(new double[] {2.0}, new double[] {1.0}, false);
        assertEquals(new SuperkernelChoice(1, 5, 0, 3.0, 48, false), plain.choice(kernel, expansion));
    }

    /** T = [[1, 2], [3, 5]] (rows 3x3, 5x5; columns e3, e6), skip 0.5. */
    private static LayerRuntimeModel smallTable() {
        return new LayerRuntimeModel(new double[][] {{1, 2}, {3, 5}}, 0.5);
    }

    @Test
    void tableFormIsExactAtHardChoicesAndBilinearBetween() {
        LayerRuntimeModel model = smallTable();
        SuperkernelSpace space = new SuperkernelSpace(new KernelShells(3, 5), new ChannelGroups(8, 3, 6), true);
        assertEquals(1.0, model.runtime(space.candidate(0, 0), LayerRuntimeModel.Form.TABLE));
        assertEquals(2.0, model.runtime(space.candidate(0, 1), LayerRuntimeModel.Form.TABLE));
        assertEquals(3.0, model.runtime(space.candidate(1, 0), LayerRuntimeModel.Form.TABLE));
        assertEquals(5.0, model.runtime(space.candidate(1, 1), LayerRuntimeModel.Form.TABLE));
        assertEquals(0.5, model.runtime(space.candidate(1, -1), LayerRuntimeModel.Form.TABLE));
        // D_5 = 0.5, M = [1, 0.5]: P = Q = [0.5, 0.5], R = (1 + 2 + 3 + 5) / 4.
        LayerRuntimeModel.Evaluation e = model.evaluate(new double[] {0.5}, new double[] {1, 0.5},
                LayerRuntimeModel.Form.TABLE);
        assertEquals(2.75, e.value(), 1e-15);
        // dR/dD_5 = A_5 - A_3 = 4 - 1.5; dR/dM_0 = B_e3 - R_skip = 2 - 0.5; dR/dM_1 = B_e6 - B_e3 = 3.5 - 2.
        assertArrayEquals(new double[] {2.5}, e.kernelProductGradient(), 1e-15);
        assertArrayEquals(new double[] {1.5, 1.5}, e.groupMaskGradient(), 1e-15);
    }

    @Test
    void paperFormIsTheFormulaOfTheMethod() {
        LayerRuntimeModel model = smallTable();
        // R_ch = d_50 (R_5x5_e3 + d_100 (R_5x5_e6 - R_5x5_e3)) = 3 + 0.5 * 2 = 4; rho = R_3x3_e6 / R_5x5_e6 = 0.4;
        // R_l = R_ch rho + R_ch (1 - rho) d_5 = 1.6 + 1.2 = 2.8 (skip weight 1 - d_50 = 0).
        LayerRuntimeModel.Evaluation e = model.evaluate(new double[] {0.5}, new double[] {1, 0.5},
                LayerRuntimeModel.Form.PAPER);
        assertEquals(2.8, e.value(), 1e-15);
        // dR/dd_5 = R_ch (1 - rho) = 2.4; dR/dM_1 = (5 - 3) * f = 2 * 0.7; dR/dM_0 = 3 * 0.7 - 0.5.
        assertArrayEquals(new double[] {2.4}, e.kernelProductGradient(), 1e-15);
        assertArrayEquals(new double[] {1.6, 1.4}, e.groupMaskGradient(), 1e-15);
        // Off at the small-small corner: 3 * 0.4 = 1.2 where 1.0 was measured.
        SuperkernelSpace space = new SuperkernelSpace(new KernelShells(3, 5), new ChannelGroups(8, 3, 6), false);
        assertEquals(1.2, model.runtime(space.candidate(0, 0), LayerRuntimeModel.Form.PAPER), 1e-15);
        assertEquals(5.0, model.runtime(space.candidate(1, 1), LayerRuntimeModel.Form.PAPER), 1e-15);
    }

    @Test
    void bothFormsAgreeOnAFactorisingTableAndMatchFiniteDifferences() {
        // T[j][i] = a_i * b_j with a = [1, 2, 3.5], b = [1, 2.5, 4].
        double[] a = {1, 2, 3.5};
        double[] b = {1, 2.5, 4};
        double[][] t = new double[3][3];
        for (int j = 0; j < 3; j++) {
            for (int i = 0; i < 3; i++) {
                t[j][i] = a[i] * b[j];
            }
        }
        LayerRuntimeModel model = new LayerRuntimeModel(t, 0.3);
        Random r = new Random(3);
        for (int trial = 0; trial < 5; trial++) {
            double[] d = {r.nextDouble(), r.nextDouble()};
            double[] m = {r.nextDouble(), r.nextDouble(), r.nextDouble()};
            LayerRuntimeModel.Evaluation table = model.evaluate(d, m, LayerRuntimeModel.Form.TABLE);
            LayerRuntimeModel.Evaluation paper = model.evaluate(d, m, LayerRuntimeModel.Form.PAPER);
            assertEquals(table.value(), paper.value(), 1e-12);
            for (LayerRuntimeModel.Form form : LayerRuntimeModel.Form.values()) {
                LayerRuntimeModel.Evaluation e = model.evaluate(d, m, form);
                for (int j = 0; j < 2; j++) {
                    int index = j;
                    assertEquals(numeric(h -> model.evaluate(shifted(d, index, h), m, form).value()),
                            e.kernelProductGradient()[j], 1e-8, form + " D_" + j);
                }
                for (int i = 0; i < 3; i++) {
                    int index = i;
                    assertEquals(numeric(h -> model.evaluate(d, shifted(m, index, h), form).value()),
                            e.groupMaskGradient()[i], 1e-8, form + " M_" + i);
                }
            }
        }
    }

    @Test
    void runtimeThroughTheChainsMatchesFiniteDifferencesInTheThresholds() {
        LayerRuntimeModel model = new LayerRuntimeModel(new double[][] {{1, 2.2, 3}, {1.5, 3, 4.1}, {2.5, 4, 6}}, 0.2);
        SuperkernelSpace space = new SuperkernelSpace(new KernelShells(3, 5, 7), new ChannelGroups(12, 2, 4, 6), true);
        double[] kernelNorms = {1.1, 0.8};
        double[] kernelThresholds = {0.6, 1.2};
        double[] expansionNorms = {1.7, 0.9, 1.3};
        double[] expansionThresholds = {1.0, 0.4, 1.6};
        for (LayerRuntimeModel.Form form : LayerRuntimeModel.Form.values()) {
            NestedIndicators kernel = NestedIndicators.of(kernelNorms, kernelThresholds, true);
            NestedIndicators expansion = NestedIndicators.of(expansionNorms, expansionThresholds, true);
            LayerRuntimeModel.Evaluation e = model.evaluate(kernel.products(), space.groupMasks(expansion), form);
            double[] dKernel = kernel.thresholdGradient(e.kernelProductGradient());
            double[] dExpansion = expansion.thresholdGradient(space.expansionProductGradient(e.groupMaskGradient()));
            for (int j = 0; j < 2; j++) {
                int index = j;
                assertEquals(numeric(h -> model.evaluate(
                        NestedIndicators.of(kernelNorms, shifted(kernelThresholds, index, h), true).products(),
                        space.groupMasks(expansion), form).value()), dKernel[j], 1e-8, form + " t_k" + j);
            }
            for (int i = 0; i < 3; i++) {
                int index = i;
                assertEquals(numeric(h -> model.evaluate(kernel.products(), space.groupMasks(
                        NestedIndicators.of(expansionNorms, shifted(expansionThresholds, index, h), true)), form)
                        .value()), dExpansion[i], 1e-8, form + " t_e" + i);
            }
        }
    }

    @Test
    void runtimeTableRejectsBadEntries() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LayerRuntimeModel(new double[][] {{1, -2}}, 0));
        assertTrue(e.getMessage().contains("row 0 is [1.0, -2.0]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LayerRuntimeModel(new double[][] {{1, 2}, {1}}, 0));
        assertFalse(new LayerRuntimeModel(new double[][] {{1}}, 0).runtime(0, 0) != 1.0);
    }

    private static double weighted(double[] norms, double[] thresholds, double[] weights) {
        double[] d = NestedIndicators.of(norms, thresholds, true).products();
        double sum = 0;
        for (int i = 0; i < d.length; i++) {
            sum += weights[i] * d[i];
        }
        return sum;
    }

    private static double[] shifted(double[] x, int index, double h) {
        double[] y = x.clone();
        y[index] += h;
        return y;
    }

    private static double numeric(DoubleUnaryOperator f) {
        double h = 1e-6;
        return (f.applyAsDouble(h) - f.applyAsDouble(-h)) / (2 * h);
    }
}
