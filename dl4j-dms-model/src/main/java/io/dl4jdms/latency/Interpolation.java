package io.dl4jdms.latency;

/**
 * Piecewise-linear interpolation over increasing integer nodes, with linear extrapolation beyond the
 * ends; one node means a constant.
 */
final class Interpolation {

    private Interpolation() {
    }

    /** The cell {@code [x_i, x_{i+1}]} used for {@code x}: the first or last one outside the nodes. */
    static int cell(long[] nodes, double x) {
        int i = 0;
        while (i < nodes.length - 2 && x > nodes[i + 1]) {
            i++;
        }
        return i;
    }

    static double value(long[] nodes, double[] values, double x) {
        if (nodes.length == 1) {
            return values[0];
        }
        int i = cell(nodes, x);
        return values[i] + slopeOf(nodes, values, i) * (x - nodes[i]);
    }

    /** The slope at {@code x}; on an inner node, the mean of the slopes on both sides. */
    static double slope(long[] nodes, double[] values, double x) {
        if (nodes.length == 1) {
            return 0;
        }
        for (int i = 1; i < nodes.length - 1; i++) {
            if (x == nodes[i]) {
                return 0.5 * (slopeOf(nodes, values, i - 1) + slopeOf(nodes, values, i));
            }
        }
        return slopeOf(nodes, values, cell(nodes, x));
    }

    private static double slopeOf(long[] nodes, double[] values, int i) {
        return (values[i + 1] - values[i]) / (nodes[i + 1] - nodes[i]);
    }
}
