package io.dl4jdms.layers.impl;

import io.dl4jdms.spnas.KernelShells;
import io.dl4jdms.spnas.NestedIndicators;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The indicators of a superkernel at given parameters and the arrays they define: the coefficient of
 * every kernel position ({@code P}: 1 in the core, {@code D_j} in shell j), the effective kernel
 * {@code W * P} and the mask of every channel group. Small arrays, made outside any workspace so that
 * they survive from the forward pass into backprop.
 */
final class SuperkernelState {

    final SuperkernelSpace space;
    /** The superkernel {@code W}, {@code [k, k, C, 1]} (with weight noise, if any, applied). */
    final INDArray superkernel;
    final NestedIndicators kernel;
    final NestedIndicators expansion;
    /** {@code P}, {@code [k, k]}. */
    final INDArray coefficients;
    /** {@code W * P}, what the convolution uses. */
    final INDArray effectiveKernel;
    /** The norm of every switchable shell of {@code W}. */
    private final double[] shellNorms;
    /** The norm of every gated channel group of {@code W * P}. */
    private final double[] groupNorms;
    /** The mask of every channel group, {@code M_g}. */
    final double[] groupMasks;

    private SuperkernelState(SuperkernelSpace space, INDArray superkernel, double[] shellNorms, NestedIndicators kernel,
                             INDArray coefficients, INDArray effectiveKernel, double[] groupNorms,
                             NestedIndicators expansion) {
        this.space = space;
        this.superkernel = superkernel;
        this.shellNorms = shellNorms;
        this.kernel = kernel;
        this.coefficients = coefficients;
        this.effectiveKernel = effectiveKernel;
        this.groupNorms = groupNorms;
        this.expansion = expansion;
        this.groupMasks = space.groupMasks(expansion);
    }

    static SuperkernelState of(SuperkernelSpace space, INDArray superkernel, double[] kernelThresholds,
                               double[] expansionThresholds, boolean relaxed) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            KernelShells shells = space.shells();
            INDArray w = superkernel.dup('c');
            double[] shellNorms = sqrt(shells.sumPerShell(w.mul(w).sum(2, 3).toDoubleMatrix()));
            NestedIndicators kernel = NestedIndicators.of(shellNorms, kernelThresholds, relaxed);
            INDArray coefficients = Nd4j.createFromArray(shells.coefficients(kernel.products())).castTo(w.dataType());
            INDArray effective = Broadcast.mul(w, coefficients, w.ulike(), 0, 1);

            double[] groupSquares = space.groups().sumPerGroup(effective.mul(effective).sum(0, 1, 3).toDoubleVector());
            double[] groupNorms = new double[space.expansionThresholdCount()];
            for (int i = 0; i < groupNorms.length; i++) {
                groupNorms[i] = Math.sqrt(groupSquares[space.firstGatedGroup() + i]);
            }
            NestedIndicators expansion = NestedIndicators.of(groupNorms, expansionThresholds, relaxed);
            return new SuperkernelState(space, w, shellNorms, kernel, coefficients, effective, groupNorms, expansion);
        }
    }

    /** The mask of every channel, as a vector of the given type. */
    INDArray channelMask(DataType type) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.createFromArray(space.groups().perChannel(groupMasks)).castTo(type);
        }
    }

    /**
     * From {@code dL/d(W P)} (the convolution's weight gradient) and {@code dL/dM_g} to {@code dL/dW} and the
     * thresholds' gradients. In relaxed mode the paths through the norms are included (the exact gradient
     * of the relaxed network); in hard mode only the thresholds get the straight-through gradient.
     *
     * @param weightGradient             {@code dL/d(W P)}; overwritten with {@code dL/dW}
     * @param groupMaskGradient          {@code dL/dM_g}
     * @param kernelThresholdGradient    receives {@code dL/dt_k}
     * @param expansionThresholdGradient receives {@code dL/dt_e}
     */
    void backprop(INDArray weightGradient, double[] groupMaskGradient, double[] kernelThresholdGradient,
                  double[] expansionThresholdGradient) {
        boolean relaxed = kernel.isRelaxed();
        // dL/dP[r][c] = sum over channels of dL/d(W P) * W; dL/dD_j sums it over shell j.
        double[] shellProductGradient = space.shells().sumPerShell(
                weightGradient.mul(superkernel).sum(2, 3).toDoubleMatrix());
        double[] groupNormGradient = thresholdGradients(shellProductGradient, groupMaskGradient,
                kernelThresholdGradient, expansionThresholdGradient);
        if (relaxed) {
            // d||V_g|| / dV_g = V_g / ||V_g||, V_g the group's channels of W P.
            for (int i = 0; i < groupNormGradient.length; i++) {
                if (groupNorms[i] > 0) {
                    int g = space.firstGatedGroup() + i;
                    INDArrayIndex channels = NDArrayIndex.interval(space.groups().start(g), space.groups().end(g));
                    INDArrayIndex all = NDArrayIndex.all();
                    weightGradient.get(all, all, channels, all)
                            .addi(effectiveKernel.get(all, all, channels, all).mul(groupNormGradient[i] / groupNorms[i]));
                }
            }
        }
        Broadcast.mul(weightGradient, coefficients, weightGradient, 0, 1);
        if (relaxed) {
            // d||W_shell_j|| / dW = W / ||W_shell_j|| on shell j.
            double[] normGradient = kernel.normGradient(kernelProductGradient(shellProductGradient, groupNormGradient));
            int k = space.shells().superkernelSize();
            double[][] scale = new double[k][k];
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    int shell = space.shells().shellOf(r, c);
                    scale[r][c] = shell == 0 || shellNorms[shell - 1] == 0 ? 0.0
                            : normGradient[shell - 1] / shellNorms[shell - 1];
                }
            }
            INDArray q = Nd4j.createFromArray(scale).castTo(superkernel.dataType());
            weightGradient.addi(Broadcast.mul(superkernel, q, superkernel.ulike(), 0, 1));
        }
    }

    /**
     * The thresholds' gradients of any quantity that depends on the superkernel through the kernel products
     * {@code D_j} and the group masks {@code M_g} (the loss, a runtime model), along every path: the group
     * norms are taken on {@code W P}, so a shell's indicator also moves the expansion indicators.
     *
     * @param kernelProductGradient      the direct {@code d/dD_j}
     * @param groupMaskGradient          {@code d/dM_g}
     * @param kernelThresholdGradient    receives {@code d/dt_k}
     * @param expansionThresholdGradient receives {@code d/dt_e}
     * @return {@code d/d||V_g||}, the gradient of the gated groups' norms
     */
    double[] thresholdGradients(double[] kernelProductGradient, double[] groupMaskGradient,
                                double[] kernelThresholdGradient, double[] expansionThresholdGradient) {
        double[] expansionProductGradient = space.expansionProductGradient(groupMaskGradient);
        copy(expansion.thresholdGradient(expansionProductGradient), expansionThresholdGradient);
        double[] groupNormGradient = expansion.normGradient(expansionProductGradient);
        copy(kernel.thresholdGradient(kernelProductGradient(kernelProductGradient, groupNormGradient)),
                kernelThresholdGradient);
        return groupNormGradient;
    }

    /**
     * {@code d/dD_j} in total: the direct part plus the path through the group norms,
     * {@code ||V_i||^2 = S_i[core] + sum_j D_j^2 S_i[shell j]}, so {@code d||V_i|| / dD_j = D_j S_i[shell j] / ||V_i||}.
     */
    private double[] kernelProductGradient(double[] direct, double[] groupNormGradient) {
        double[] out = direct.clone();
        if (out.length == 0 || groupNormGradient.length == 0) {
            return out;
        }
        double[] products = kernel.products();
        double[][] squares = groupShellSquares();
        for (int j = 0; j < out.length; j++) {
            for (int i = 0; i < groupNormGradient.length; i++) {
                if (groupNorms[i] > 0) {
                    out[j] += groupNormGradient[i] * products[j] * squares[i][j] / groupNorms[i];
                }
            }
        }
        return out;
    }

    /** {@code S_i[shell j]}: the squared norm of {@code W} over gated group i's channels and shell j's positions. */
    private double[][] groupShellSquares() {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            KernelShells shells = space.shells();
            int k = shells.superkernelSize();
            int channels = space.groups().channels();
            double[] squares = superkernel.mul(superkernel).reshape(k * k * channels).toDoubleVector();
            double[][] out = new double[space.expansionThresholdCount()][shells.switchableShells()];
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    int shell = shells.shellOf(r, c);
                    if (shell == 0) {
                        continue;
                    }
                    for (int i = 0; i < out.length; i++) {
                        int g = space.firstGatedGroup() + i;
                        for (int ch = space.groups().start(g); ch < space.groups().end(g); ch++) {
                            out[i][shell - 1] += squares[(r * k + c) * channels + ch];
                        }
                    }
                }
            }
            return out;
        }
    }

    private static void copy(double[] from, double[] to) {
        System.arraycopy(from, 0, to, 0, to.length);
    }

    private static double[] sqrt(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.sqrt(x[i]);
        }
        return out;
    }
}
