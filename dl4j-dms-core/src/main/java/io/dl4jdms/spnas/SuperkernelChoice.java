package io.dl4jdms.spnas;

/**
 * What a superkernel stands for under the hard indicators: one kernel size and one expansion ratio,
 * or the skip op.
 *
 * @param kernelIndex the index of the chosen size among the candidates
 * @param kernelSize  the chosen kernel size (what the shells say, also when the layer is skipped)
 * @param ratioIndex  the index of the chosen expansion ratio, -1 when skipped
 * @param ratio       the chosen expansion ratio, 0 when skipped
 * @param channels    the channels kept (the first {@code channels} of the superkernel's), 0 when skipped
 * @param skip        true when the block is skipped: the layer outputs zeros
 */
public record SuperkernelChoice(int kernelIndex, int kernelSize, int ratioIndex, double ratio, int channels,
                                boolean skip) {

    @Override
    public String toString() {
        return skip ? "skip" : kernelSize + "x" + kernelSize + " e" + formatRatio(ratio) + " (" + channels + " channels)";
    }

    private static String formatRatio(double ratio) {
        return ratio == Math.rint(ratio) ? String.valueOf((long) ratio) : String.valueOf(ratio);
    }
}
