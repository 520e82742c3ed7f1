package io.dl4jdms.spnas;

import java.util.Arrays;

/**
 * The nested shells of a square superkernel: for candidate sizes {@code k_0 < k_1 < ... < k_S} (odd),
 * shell 0 is the centred {@code k_0 x k_0} core and shell {@code j >= 1} holds the positions of the
 * centred {@code k_j x k_j} square outside {@code k_{j-1} x k_{j-1}}. The superkernel is
 * {@code k_S x k_S}; kernel size {@code k_j} is the core plus shells 1..j.
 */
public final class KernelShells {

    private final int[] sizes;
    private final int[][] shellIndex;

    /**
     * @param sizes the candidate kernel sizes: at least one, positive, odd, strictly increasing
     */
    public KernelShells(int... sizes) {
        String problem = problem(sizes);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        this.sizes = sizes.clone();
        int k = superkernelSize();
        shellIndex = new int[k][k];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                // Chebyshev distance from the centre: position in the k_j square iff distance <= (k_j - 1) / 2.
                int distance = Math.max(Math.abs(r - k / 2), Math.abs(c - k / 2));
                int shell = 0;
                while ((sizes[shell] - 1) / 2 < distance) {
                    shell++;
                }
                shellIndex[r][c] = shell;
            }
        }
    }

    /** What is wrong with a list of candidate sizes, or null if nothing is. */
    public static String problem(int[] sizes) {
        if (sizes == null || sizes.length == 0) {
            return "at least one candidate kernel size is needed";
        }
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] < 1 || sizes[i] % 2 == 0) {
                return "kernel sizes must be positive and odd (the candidates share one centre), got " + sizes[i]
                        + " in " + Arrays.toString(sizes);
            }
            if (i > 0 && sizes[i] <= sizes[i - 1]) {
                return "kernel sizes must be strictly increasing, got " + Arrays.toString(sizes);
            }
        }
        return null;
    }

    /** The number of candidate sizes, {@code S + 1}. */
    public int count() {
        return sizes.length;
    }

    /** The number of shells that can be switched, {@code S}: one threshold each. */
    public int switchableShells() {
        return sizes.length - 1;
    }

    /** Candidate size {@code j}. */
    public int size(int j) {
        return sizes[j];
    }

    public int[] sizes() {
        return sizes.clone();
    }

    /** The superkernel's size, the largest candidate. */
    public int superkernelSize() {
        return sizes[sizes.length - 1];
    }

    /** The shell of a position of the superkernel: 0 for the core, j for shell j. */
    public int shellOf(int row, int col) {
        return shellIndex[row][col];
    }

    /**
     * The coefficient of every superkernel position: 1 for the core, {@code D_j} for shell j.
     *
     * @param shellProducts {@code D_1..D_S}, the running products of the shell indicators
     * @return a {@code k_S x k_S} array, row-major
     */
    public double[][] coefficients(double[] shellProducts) {
        if (shellProducts.length != switchableShells()) {
            throw new IllegalArgumentException("kernel shells: " + shellProducts.length + " shell products for "
                    + switchableShells() + " switchable shells");
        }
        int k = superkernelSize();
        double[][] out = new double[k][k];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                int shell = shellIndex[r][c];
                out[r][c] = shell == 0 ? 1.0 : shellProducts[shell - 1];
            }
        }
        return out;
    }

    /**
     * Sums a per-position quantity over each switchable shell: from {@code dL/dP[r][c]} (the gradient
     * of the coefficients) to {@code dL/dD_j}.
     */
    public double[] sumPerShell(double[][] perPosition) {
        double[] out = new double[switchableShells()];
        int k = superkernelSize();
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                int shell = shellIndex[r][c];
                if (shell > 0) {
                    out[shell - 1] += perPosition[r][c];
                }
            }
        }
        return out;
    }

    /** The offset of the centred {@code k_j x k_j} kernel inside the superkernel: {@code (k_S - k_j) / 2}. */
    public int offset(int j) {
        return (superkernelSize() - sizes[j]) / 2;
    }
}
