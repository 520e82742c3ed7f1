package io.dl4jdms.spnas;

/**
 * The search space of one depthwise superkernel: its {@link KernelShells}, the {@link ChannelGroups}
 * of its expansion ratios, and whether the skip op is a choice (stride 1 and a residual connection).
 *
 * <p>Two chains of {@link NestedIndicators}: the kernel chain has one indicator per switchable shell
 * (thresholds {@code t_k}); the expansion chain has one indicator per gated channel group (thresholds
 * {@code t_e}). Group 0 is always on unless the skip op is a choice, in which case its gate is the
 * first of the chain ({@code d_50} of the paper: off means skip). The per-group mask is
 * {@code M_g = prod_{gates up to g} d}: the paper's
 * {@code w = d_50 * (w_first_half + d_100 * w_second_half)}.
 */
public final class SuperkernelSpace {

    private final KernelShells shells;
    private final ChannelGroups groups;
    private final boolean skippable;

    public SuperkernelSpace(KernelShells shells, ChannelGroups groups, boolean skippable) {
        this.shells = shells;
        this.groups = groups;
        this.skippable = skippable;
    }

    public KernelShells shells() {
        return shells;
    }

    public ChannelGroups groups() {
        return groups;
    }

    /** Whether the skip op is one of the choices. */
    public boolean skippable() {
        return skippable;
    }

    /** The number of kernel thresholds: one per switchable shell. */
    public int kernelThresholdCount() {
        return shells.switchableShells();
    }

    /** The number of expansion thresholds: one per gated channel group. */
    public int expansionThresholdCount() {
        return groups.count() - firstGatedGroup();
    }

    /** The first group with a gate: 0 when the skip op is a choice, else 1. */
    public int firstGatedGroup() {
        return skippable ? 0 : 1;
    }

    /** The number of candidate choices (kernel sizes x ratios, plus the skip op). */
    public int candidateCount() {
        return shells.count() * groups.count() + (skippable ? 1 : 0);
    }

    /** The mask of every channel group, {@code M_g}, from the expansion chain's products. */
    public double[] groupMasks(NestedIndicators expansion) {
        requireSize(expansion, expansionThresholdCount(), "expansion");
        double[] products = expansion.products();
        double[] masks = new double[groups.count()];
        for (int g = 0; g < masks.length; g++) {
            masks[g] = g < firstGatedGroup() ? 1.0 : products[g - firstGatedGroup()];
        }
        return masks;
    }

    /** From {@code dL/dM_g} (one per group) to the gradient of the expansion chain's products. */
    public double[] expansionProductGradient(double[] groupMaskGradient) {
        if (groupMaskGradient.length != groups.count()) {
            throw new IllegalArgumentException("superkernel: " + groupMaskGradient.length + " group gradients for "
                    + groups.count() + " groups");
        }
        double[] out = new double[expansionThresholdCount()];
        System.arraycopy(groupMaskGradient, firstGatedGroup(), out, 0, out.length);
        return out;
    }

    /** The choice the two chains stand for under the hard step (whatever their mode). */
    public SuperkernelChoice choice(NestedIndicators kernel, NestedIndicators expansion) {
        requireSize(kernel, kernelThresholdCount(), "kernel");
        requireSize(expansion, expansionThresholdCount(), "expansion");
        return choice(kernel.hardCount(), expansion.hardCount());
    }

    /**
     * The choice from the number of leading indicators that are on in each chain.
     *
     * @param kernelShellsOn    switchable shells on (0..S)
     * @param expansionGatesOn  gates on (0..number of gates)
     */
    public SuperkernelChoice choice(int kernelShellsOn, int expansionGatesOn) {
        int kernelIndex = kernelShellsOn;
        int kernelSize = shells.size(kernelIndex);
        if (skippable && expansionGatesOn == 0) {
            return new SuperkernelChoice(kernelIndex, kernelSize, -1, 0.0, 0, true);
        }
        int ratioIndex = expansionGatesOn + firstGatedGroup() - 1;
        return new SuperkernelChoice(kernelIndex, kernelSize, ratioIndex, groups.ratio(ratioIndex),
                groups.end(ratioIndex), false);
    }

    /** The choice of candidate kernel {@code kernelIndex} and ratio {@code ratioIndex} (-1: skip). */
    public SuperkernelChoice candidate(int kernelIndex, int ratioIndex) {
        if (ratioIndex < 0) {
            if (!skippable) {
                throw new IllegalArgumentException("superkernel: the skip op is not a choice of this layer");
            }
            return choice(kernelIndex, 0);
        }
        return choice(kernelIndex, ratioIndex + 1 - firstGatedGroup());
    }

    private static void requireSize(NestedIndicators chain, int expected, String which) {
        if (chain.size() != expected) {
            throw new IllegalArgumentException("superkernel: the " + which + " chain has " + chain.size()
                    + " indicators, expected " + expected);
        }
    }
}
