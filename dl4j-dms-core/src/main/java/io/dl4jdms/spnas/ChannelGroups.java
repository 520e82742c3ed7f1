package io.dl4jdms.spnas;

import java.util.Arrays;

/**
 * The channel groups of candidate expansion ratios {@code e_0 < e_1 < ... < e_G} on the
 * {@code C} channels a superkernel holds (the expanded channels of an inverted-residual block, built
 * for the largest ratio): group {@code i} is the channels
 * {@code [round(C e_{i-1} / e_G), round(C e_i / e_G))}, with {@code e_{-1} = 0}. Ratio {@code e_i}
 * keeps groups 0..i, that is the first {@code round(C e_i / e_G)} channels.
 */
public final class ChannelGroups {

    private final int channels;
    private final double[] ratios;
    private final int[] ends;

    /**
     * @param channels the channels at the largest ratio, positive
     * @param ratios   the candidate expansion ratios: positive, strictly increasing, each giving at least
     *                 one channel more than the one before
     */
    public ChannelGroups(int channels, double... ratios) {
        String problem = problem(channels, ratios);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        this.channels = channels;
        this.ratios = ratios.clone();
        this.ends = ends(channels, ratios);
    }

    /** What is wrong with these channels and ratios, or null if nothing is. */
    public static String problem(long channels, double[] ratios) {
        if (ratios == null || ratios.length == 0) {
            return "at least one candidate expansion ratio is needed";
        }
        for (int i = 0; i < ratios.length; i++) {
            if (!(ratios[i] > 0) || Double.isInfinite(ratios[i])) {
                return "expansion ratios must be positive and finite, got " + ratios[i] + " in "
                        + Arrays.toString(ratios);
            }
            if (i > 0 && ratios[i] <= ratios[i - 1]) {
                return "expansion ratios must be strictly increasing, got " + Arrays.toString(ratios);
            }
        }
        if (channels < 1 || channels > Integer.MAX_VALUE) {
            return "the number of channels must be positive, got " + channels;
        }
        int[] ends = ends((int) channels, ratios);
        for (int i = 0; i < ends.length; i++) {
            int start = i == 0 ? 0 : ends[i - 1];
            if (ends[i] <= start) {
                return "expansion ratio " + ratios[i] + " gives " + ends[i] + " of the " + channels
                        + " channels, no more than " + (i == 0 ? "zero" : "ratio " + ratios[i - 1])
                        + "; use fewer ratios or more channels (ratios " + Arrays.toString(ratios) + ")";
            }
        }
        return null;
    }

    private static int[] ends(int channels, double[] ratios) {
        int[] ends = new int[ratios.length];
        double largest = ratios[ratios.length - 1];
        for (int i = 0; i < ratios.length; i++) {
            ends[i] = (int) Math.round(channels * ratios[i] / largest);
        }
        return ends;
    }

    /** The number of groups, one per candidate ratio. */
    public int count() {
        return ratios.length;
    }

    public int channels() {
        return channels;
    }

    /** Candidate ratio {@code i}. */
    public double ratio(int i) {
        return ratios[i];
    }

    public double[] ratios() {
        return ratios.clone();
    }

    /** The first channel of group {@code i}. */
    public int start(int i) {
        return i == 0 ? 0 : ends[i - 1];
    }

    /** One past the last channel of group {@code i}: also the channels kept by ratio {@code i}. */
    public int end(int i) {
        return ends[i];
    }

    /** The group a channel belongs to. */
    public int groupOf(int channel) {
        if (channel < 0 || channel >= channels) {
            throw new IndexOutOfBoundsException("channel " + channel + " of " + channels);
        }
        int g = 0;
        while (channel >= ends[g]) {
            g++;
        }
        return g;
    }

    /** Expands one value per group to one value per channel. */
    public double[] perChannel(double[] perGroup) {
        if (perGroup.length != count()) {
            throw new IllegalArgumentException("channel groups: " + perGroup.length + " values for " + count()
                    + " groups");
        }
        double[] out = new double[channels];
        for (int i = 0; i < count(); i++) {
            Arrays.fill(out, start(i), end(i), perGroup[i]);
        }
        return out;
    }

    /** Sums one value per channel into one value per group. */
    public double[] sumPerGroup(double[] perChannel) {
        if (perChannel.length != channels) {
            throw new IllegalArgumentException("channel groups: " + perChannel.length + " values for " + channels
                    + " channels");
        }
        double[] out = new double[count()];
        for (int i = 0; i < count(); i++) {
            for (int c = start(i); c < end(i); c++) {
                out[i] += perChannel[c];
            }
        }
        return out;
    }
}
