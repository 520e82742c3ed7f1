package io.dl4jdms.trainingfree;

import java.util.Arrays;

/**
 * Eigenvalues of a small symmetric matrix by the cyclic Jacobi method, in double precision: rotations zero
 * the off-diagonal entries one pair at a time until they are negligible against the diagonal.
 */
final class SymmetricEigen {

    private static final int MAX_SWEEPS = 100;

    private SymmetricEigen() {
    }

    /**
     * The eigenvalues of {@code matrix}, ascending.
     *
     * @throws IllegalArgumentException if the matrix is not square, not symmetric or not finite
     */
    static double[] eigenvalues(double[][] matrix) {
        int n = matrix.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            if (matrix[i].length != n) {
                throw new IllegalArgumentException("matrix is not square: row " + i + " has " + matrix[i].length
                        + " entries, expected " + n);
            }
            a[i] = matrix[i].clone();
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(a[i][j])) {
                    throw new IllegalArgumentException("matrix entry (" + i + ", " + j + ") is " + a[i][j]);
                }
                if (Math.abs(a[i][j] - a[j][i]) > 1e-12 * (Math.abs(a[i][j]) + Math.abs(a[j][i]))) {
                    throw new IllegalArgumentException("matrix is not symmetric at (" + i + ", " + j + "): "
                            + a[i][j] + " vs " + a[j][i]);
                }
            }
        }
        for (int sweep = 0; sweep < MAX_SWEEPS && offDiagonal(a) > 0; sweep++) {
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    rotate(a, p, q);
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = a[i][i];
        }
        Arrays.sort(values);
        return values;
    }

    /** The largest off-diagonal entry that is not negligible, 0 if there is none. */
    private static double offDiagonal(double[][] a) {
        double largest = 0;
        for (int p = 0; p < a.length; p++) {
            for (int q = p + 1; q < a.length; q++) {
                if (!negligible(a, p, q)) {
                    largest = Math.max(largest, Math.abs(a[p][q]));
                }
            }
        }
        return largest;
    }

    /**
     * Whether {@code a[p][q]} is negligible against its diagonal entries ({@code 1e-15 sqrt|a_pp a_qq|}), the
     * criterion that keeps small eigenvalues of a positive definite matrix accurate to their own size.
     */
    private static boolean negligible(double[][] a, int p, int q) {
        return Math.abs(a[p][q]) <= 1e-15 * Math.sqrt(Math.abs(a[p][p] * a[q][q]));
    }

    /** One Jacobi rotation in the (p, q) plane that zeroes {@code a[p][q]}. */
    private static void rotate(double[][] a, int p, int q) {
        if (negligible(a, p, q)) {
            return;
        }
        double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (theta == 0) {
            t = 1;
        }
        double c = 1 / Math.sqrt(t * t + 1);
        double s = t * c;
        for (int k = 0; k < a.length; k++) {
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < a.length; k++) {
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
        }
    }
}
