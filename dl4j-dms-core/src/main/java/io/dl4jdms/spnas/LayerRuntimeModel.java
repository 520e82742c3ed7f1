package io.dl4jdms.spnas;

import java.util.Arrays;

/**
 * The differentiable runtime of one searchable layer, built on a table of measured latencies
 * {@code T[j][i]} (kernel size {@code k_j}, expansion ratio {@code e_i}) and the latency of the skip op.
 * Its inputs are the kernel chain's products {@code D_1..D_S} and the group masks {@code M_0..M_G} of a
 * {@link SuperkernelSpace} (0/1 under the hard step, in between when relaxed); the derivatives with
 * respect to them chain into the thresholds through {@link NestedIndicators}.
 *
 * <p>Two forms:
 * <ul>
 *   <li>{@link Form#TABLE} (default): the multilinear interpolation of the table,
 *       {@code R = sum_j sum_i P_j Q_i T[j][i] + (1 - M_0) R_skip}, with {@code P_j = D_j - D_{j+1}} the
 *       indicator of "kernel k_j" ({@code D_0 = 1}, {@code D_{S+1} = 0}) and {@code Q_i = M_i - M_{i+1}}
 *       that of "ratio e_i" ({@code M_{G+1} = 0}). At every hard choice it returns exactly the measured
 *       entry.</li>
 *   <li>{@link Form#PAPER}: the factorised model of the Single-Path NAS paper, generalised to nested
 *       shells and ratios: {@code R_ch = M_0 T[S][0] + sum_{i>=1} M_i (T[S][i] - T[S][i-1])},
 *       {@code f = rho_0 + sum_{j>=1} D_j (rho_j - rho_{j-1})} with {@code rho_j = T[j][G] / T[S][G]},
 *       {@code R = R_ch * f + (1 - M_0) R_skip}. With two sizes and two ratios this is
 *       {@code R_ch = d_50 (R_5x5_e3 + d_100 (R_5x5_e6 - R_5x5_e3))},
 *       {@code R_l = R_ch rho + R_ch (1 - rho) d_5}. It equals the table form whenever the table
 *       factorises ({@code T[j][i] = a_i b_j}); otherwise it is off at the hard choices that mix a small
 *       kernel with a small ratio.</li>
 * </ul>
 */
public final class LayerRuntimeModel {

    /** Which runtime model. */
    public enum Form {
        /** The multilinear interpolation of the measured table (exact at every hard choice). */
        TABLE,
        /** The paper's factorised model, {@code R_l = R_ch * (rho + (1 - rho) * d_5)}. */
        PAPER
    }

    /** The value of the model and its derivatives with respect to its inputs. */
    public record Evaluation(double value, double[] kernelProductGradient, double[] groupMaskGradient) {
    }

    private final double[][] table;
    private final double skipRuntime;

    /**
     * @param table       {@code T[j][i]}: the runtime of kernel size j with expansion ratio i (finite, >= 0;
     *                    one row per candidate size, one column per ratio)
     * @param skipRuntime the runtime of the skip op (0 if the layer cannot be skipped)
     */
    public LayerRuntimeModel(double[][] table, double skipRuntime) {
        if (table.length == 0 || table[0].length == 0) {
            throw new IllegalArgumentException("runtime table: at least one kernel size and one ratio are needed");
        }
        this.table = new double[table.length][];
        for (int j = 0; j < table.length; j++) {
            if (table[j].length != table[0].length) {
                throw new IllegalArgumentException("runtime table: row " + j + " has " + table[j].length
                        + " ratios, row 0 has " + table[0].length);
            }
            for (double t : table[j]) {
                if (!Double.isFinite(t) || t < 0) {
                    throw new IllegalArgumentException("runtime table: runtimes must be finite and >= 0, row " + j
                            + " is " + Arrays.toString(table[j]));
                }
            }
            this.table[j] = table[j].clone();
        }
        if (!Double.isFinite(skipRuntime) || skipRuntime < 0) {
            throw new IllegalArgumentException("runtime table: the skip runtime must be finite and >= 0, got "
                    + skipRuntime);
        }
        this.skipRuntime = skipRuntime;
    }

    public int kernelCount() {
        return table.length;
    }

    public int ratioCount() {
        return table[0].length;
    }

    /** The measured runtime of kernel size j with ratio i. */
    public double runtime(int kernelIndex, int ratioIndex) {
        return table[kernelIndex][ratioIndex];
    }

    public double skipRuntime() {
        return skipRuntime;
    }

    /**
     * Evaluates the model.
     *
     * @param kernelProducts {@code D_1..D_S} (length: kernel sizes - 1)
     * @param groupMasks     {@code M_0..M_G} (length: ratios); {@code M_0 = 1} when the layer cannot be skipped
     */
    public Evaluation evaluate(double[] kernelProducts, double[] groupMasks, Form form) {
        int s = kernelCount() - 1;
        int g = ratioCount() - 1;
        if (kernelProducts.length != s || groupMasks.length != g + 1) {
            throw new IllegalArgumentException("runtime model: " + kernelProducts.length + " kernel products and "
                    + groupMasks.length + " group masks for a table of " + kernelCount() + " sizes x " + ratioCount()
                    + " ratios");
        }
        double[] d = new double[s + 2];
        d[0] = 1.0;
        System.arraycopy(kernelProducts, 0, d, 1, s);
        double[] m = Arrays.copyOf(groupMasks, g + 2);
        double skipWeight = 1.0 - m[0];
        double[] dKernel = new double[s];
        double[] dGroup = new double[g + 1];
        double value;
        if (form == Form.TABLE) {
            // A_j: the runtime of kernel j averaged over the ratio indicators; B_i likewise over the kernels.
            double[] a = new double[s + 1];
            double[] b = new double[g + 1];
            value = skipWeight * skipRuntime;
            for (int j = 0; j <= s; j++) {
                for (int i = 0; i <= g; i++) {
                    double p = d[j] - d[j + 1];
                    double q = m[i] - m[i + 1];
                    value += p * q * table[j][i];
                    a[j] += q * table[j][i];
                    b[i] += p * table[j][i];
                }
            }
            for (int j = 1; j <= s; j++) {
                dKernel[j - 1] = a[j] - a[j - 1];
            }
            dGroup[0] = b[0] - skipRuntime;
            for (int i = 1; i <= g; i++) {
                dGroup[i] = b[i] - b[i - 1];
            }
        } else {
            double channelRuntime = m[0] * table[s][0];
            for (int i = 1; i <= g; i++) {
                channelRuntime += m[i] * (table[s][i] - table[s][i - 1]);
            }
            double[] rho = new double[s + 1];
            for (int j = 0; j <= s; j++) {
                rho[j] = table[s][g] == 0 ? 1.0 : table[j][g] / table[s][g];
            }
            double kernelFactor = rho[0];
            for (int j = 1; j <= s; j++) {
                kernelFactor += d[j] * (rho[j] - rho[j - 1]);
                dKernel[j - 1] = channelRuntime * (rho[j] - rho[j - 1]);
            }
            value = channelRuntime * kernelFactor + skipWeight * skipRuntime;
            dGroup[0] = table[s][0] * kernelFactor - skipRuntime;
            for (int i = 1; i <= g; i++) {
                dGroup[i] = (table[s][i] - table[s][i - 1]) * kernelFactor;
            }
        }
        return new Evaluation(value, dKernel, dGroup);
    }

    /** The model's runtime at a hard choice (for {@link Form#TABLE}: exactly the measured entry). */
    public double runtime(SuperkernelChoice choice, Form form) {
        double[] d = new double[kernelCount() - 1];
        for (int j = 0; j < d.length; j++) {
            d[j] = j < choice.kernelIndex() ? 1.0 : 0.0;
        }
        double[] m = new double[ratioCount()];
        for (int i = 0; i < m.length; i++) {
            m[i] = !choice.skip() && i <= choice.ratioIndex() ? 1.0 : 0.0;
        }
        return evaluate(d, m, form).value();
    }
}
