package io.dl4jdms.export;

import org.deeplearning4j.nn.conf.CNN2DFormat;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * A set of channel (or feature) indices of one activation, out of its {@code size} channels. "All" is
 * kept symbolic, so a set can be complete even where the size is not known (a network input).
 * Immutable.
 */
final class ChannelSet {

    /** The size of an activation whose channel count is not known. */
    static final long UNKNOWN = -1;

    private final long size;
    /** Sorted indices; null means all channels. */
    private final int[] indices;

    private ChannelSet(long size, int[] indices) {
        this.size = size;
        this.indices = indices;
    }

    static ChannelSet all(long size) {
        return new ChannelSet(size, null);
    }

    static ChannelSet none(long size) {
        return new ChannelSet(size, new int[0]);
    }

    /** The set of the given (distinct) indices; all channels if it holds every one of them. */
    static ChannelSet of(long size, int[] indices) {
        int[] sorted = indices.clone();
        Arrays.sort(sorted);
        if (size != UNKNOWN && sorted.length == size) {
            return all(size);
        }
        return new ChannelSet(size, sorted);
    }

    /** The channels a hard mask keeps. */
    static ChannelSet kept(boolean[] mask) {
        return of(mask.length, bits(mask).stream().toArray());
    }

    private static BitSet bits(boolean[] mask) {
        BitSet bits = new BitSet(mask.length);
        for (int i = 0; i < mask.length; i++) {
            bits.set(i, mask[i]);
        }
        return bits;
    }

    long size() {
        return size;
    }

    boolean isAll() {
        return indices == null;
    }

    /** The number of channels in the set. */
    long count() {
        return indices == null ? requireSize() : indices.length;
    }

    /** The indices in increasing order. */
    int[] indices() {
        if (indices != null) {
            return indices.clone();
        }
        int[] all = new int[(int) requireSize()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    ChannelSet withSize(long newSize) {
        if (size != UNKNOWN && newSize != UNKNOWN && size != newSize) {
            throw new IllegalStateException("channel count mismatch: " + size + " vs " + newSize);
        }
        return size == UNKNOWN ? (indices == null ? all(newSize) : of(newSize, indices)) : this;
    }

    ChannelSet intersect(ChannelSet other) {
        long n = commonSize(other);
        if (isAll()) {
            return other.withSize(n);
        }
        if (other.isAll()) {
            return withSize(n);
        }
        BitSet bits = toBits();
        bits.and(other.toBits());
        return of(n, bits.stream().toArray());
    }

    ChannelSet union(ChannelSet other) {
        long n = commonSize(other);
        if (isAll() || other.isAll()) {
            return all(n);
        }
        BitSet bits = toBits();
        bits.or(other.toBits());
        return of(n, bits.stream().toArray());
    }

    boolean containsAll(ChannelSet other) {
        if (isAll()) {
            return true;
        }
        if (other.isAll()) {
            return other.size != UNKNOWN && indices.length == other.size;
        }
        BitSet missing = other.toBits();
        missing.andNot(toBits());
        return missing.isEmpty();
    }

    /** The channels of this set that the other one lacks, for messages. */
    int[] minus(ChannelSet other) {
        if (other.isAll()) {
            return new int[0];
        }
        BitSet bits = isAll() ? allBits() : toBits();
        bits.andNot(other.toBits());
        return bits.stream().toArray();
    }

    /**
     * The features of this channel set after a {@code CnnToFeedForwardPreProcessor}: its c-order
     * reshape puts channel {@code c} at {@code c*H*W + h*W + w} (NCHW) or {@code h*W*C + w*C + c} (NHWC).
     */
    ChannelSet flatten(long height, long width, CNN2DFormat format) {
        long channels = requireSize();
        long features = channels * height * width;
        if (isAll()) {
            return all(features);
        }
        int[] out = new int[(int) (indices.length * height * width)];
        int j = 0;
        for (int c : indices) {
            for (long h = 0; h < height; h++) {
                for (long w = 0; w < width; w++) {
                    out[j++] = (int) (format == CNN2DFormat.NHWC ? (h * width + w) * channels + c
                            : (c * height + h) * width + w);
                }
            }
        }
        return of(features, out);
    }

    /** The channels of which at least one feature is in this set: the inverse of {@link #flatten}. */
    ChannelSet channelsOfFeatures(long height, long width, long channels, CNN2DFormat format) {
        if (isAll()) {
            return all(channels);
        }
        BitSet bits = new BitSet();
        for (int f : indices) {
            bits.set((int) (format == CNN2DFormat.NHWC ? f % channels : f / (height * width)));
        }
        return of(channels, bits.stream().toArray());
    }

    /** The sets of the inputs of a concatenation, one after the other. */
    static ChannelSet concat(List<ChannelSet> parts) {
        long total = 0;
        boolean all = true;
        for (ChannelSet part : parts) {
            total += part.requireSize();
            all &= part.isAll();
        }
        if (all) {
            return all(total);
        }
        int[] out = new int[0];
        long offset = 0;
        for (ChannelSet part : parts) {
            int[] shifted = part.indices();
            for (int i = 0; i < shifted.length; i++) {
                shifted[i] += (int) offset;
            }
            int[] joined = Arrays.copyOf(out, out.length + shifted.length);
            System.arraycopy(shifted, 0, joined, out.length, shifted.length);
            out = joined;
            offset += part.size;
        }
        return of(total, out);
    }

    /** The part of this set in {@code [offset, offset + length)}, shifted to start at 0. */
    ChannelSet segment(long offset, long length) {
        if (isAll()) {
            return all(length);
        }
        return of(length, Arrays.stream(indices).filter(i -> i >= offset && i < offset + length)
                .map(i -> (int) (i - offset)).toArray());
    }

    private long commonSize(ChannelSet other) {
        if (size != UNKNOWN && other.size != UNKNOWN && size != other.size) {
            throw new IllegalStateException("channel count mismatch: " + size + " vs " + other.size);
        }
        return size != UNKNOWN ? size : other.size;
    }

    private long requireSize() {
        if (size == UNKNOWN) {
            throw new IllegalStateException("the channel count is not known here");
        }
        return size;
    }

    private BitSet toBits() {
        BitSet bits = new BitSet();
        for (int i : indices) {
            bits.set(i);
        }
        return bits;
    }

    private BitSet allBits() {
        BitSet bits = new BitSet();
        bits.set(0, (int) requireSize());
        return bits;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ChannelSet)) {
            return false;
        }
        ChannelSet other = (ChannelSet) o;
        if (isAll() || other.isAll()) {
            return containsAll(other) && other.containsAll(this);
        }
        return Arrays.equals(indices, other.indices);
    }

    @Override
    public int hashCode() {
        return isAll() ? -1 : Arrays.hashCode(indices);
    }

    @Override
    public String toString() {
        if (isAll()) {
            return size == UNKNOWN ? "all" : "all " + size;
        }
        return indices.length + " of " + (size == UNKNOWN ? "?" : String.valueOf(size)) + " " + Arrays.toString(indices);
    }
}
