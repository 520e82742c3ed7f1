package io.dl4jdms.latency;

import io.dl4jdms.spnas.LayerRuntimeModel;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonPropertyOrder;

import java.io.File;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The per-candidate latency table (Single-Path NAS): measured latencies of every candidate of every searchable
 * layer, with how they were measured
 * (backend, data type, batch size, warm-up, repeats), and the fixed part of the network (everything
 * outside the searchable blocks). Saved as JSON:
 *
 * <pre>{@code
 * {"backend": "CPU", "dataType": "FLOAT", "batchSize": 1, "warmup": 10, "repeats": 30, "fixedMs": 1.9,
 *  "environment": {...},
 *  "layers": [{"name": "s2b0_dw", "height": 14, "width": 14, "inChannels": 16, "outChannels": 24,
 *              "stride": 2, "kernelSizes": [3, 5], "expansionRatios": [3.0, 6.0], "channels": [48, 96],
 *              "skippable": false, "ms": [[0.21, 0.35], [0.24, 0.41]], "skipMs": 0.0}]}
 * }</pre>
 * {@code ms[j][i]} is the median time of kernel size {@code kernelSizes[j]} with ratio
 * {@code expansionRatios[i]}.
 */
@JsonPropertyOrder({"backend", "dataType", "batchSize", "warmup", "repeats", "fixedMs", "scale", "environment", "layers"})
public final class CandidateLatencyTable extends MeasuredTable<CandidateLatencyTable.Entry> {

    private double fixedMs;
    /** Absent in the files of earlier versions, which read as 1. */
    private double scale = 1.0;

    private CandidateLatencyTable() {
    }

    public CandidateLatencyTable(String backend, String dataType, int batchSize, int warmup, int repeats, double fixedMs,
                 Map<String, String> environment, List<Entry> layers) {
        super(backend, dataType, batchSize, warmup, repeats, environment, layers);
        this.fixedMs = fixedMs;
    }

    /** The latencies of one searchable layer's candidates. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
    public static final class Entry implements MeasuredTable.Named {
        private String name;
        private int height;
        private int width;
        private int inChannels;
        private int outChannels;
        private int stride;
        private int[] kernelSizes;
        private double[] expansionRatios;
        private int[] channels;
        private boolean skippable;
        private double[][] ms;
        private double skipMs;

        private Entry() {
        }

        /**
         * The times of one block: {@code ms[j][i]} for kernel size {@code j} and ratio {@code i} of the space.
         *
         * @throws IllegalArgumentException naming the block, if the times do not fit the space or are not finite
         *                                  and {@code >= 0}
         */
        public Entry(String name, int height, int width, int inChannels, int outChannels, int stride,
                     SuperkernelSpace space, double[][] ms, double skipMs) {
            this.name = name;
            this.height = height;
            this.width = width;
            this.inChannels = inChannels;
            this.outChannels = outChannels;
            this.stride = stride;
            this.kernelSizes = space.shells().sizes();
            this.expansionRatios = space.groups().ratios();
            this.channels = new int[expansionRatios.length];
            for (int i = 0; i < channels.length; i++) {
                channels[i] = space.groups().end(i);
            }
            this.skippable = space.skippable();
            this.ms = new double[ms.length][];
            for (int j = 0; j < ms.length; j++) {
                this.ms[j] = ms[j].clone();
            }
            this.skipMs = skipMs;
            validate();
        }

        private void validate() {
            String where = "latency table entry '" + name + "'";
            if (ms == null || ms.length != kernelSizes.length) {
                throw new IllegalArgumentException(where + ": needs one row of times per kernel size "
                        + Arrays.toString(kernelSizes) + ", got " + (ms == null ? "none" : ms.length));
            }
            for (double[] row : ms) {
                if (row == null || row.length != expansionRatios.length) {
                    throw new IllegalArgumentException(where + ": every row needs one time per ratio "
                            + Arrays.toString(expansionRatios) + ", got " + Arrays.toString(row));
                }
                for (double t : row) {
                    if (!Double.isFinite(t) || t < 0) {
                        throw new IllegalArgumentException(where + ": times must be finite and >= 0, got " + t);
                    }
                }
            }
            if (!Double.isFinite(skipMs) || skipMs < 0) {
                throw new IllegalArgumentException(where + ": the skip time must be finite and >= 0, got " + skipMs);
            }
        }

        @Override
        public String name() {
            return name;
        }

        public int[] kernelSizes() {
            return kernelSizes.clone();
        }

        public double[] expansionRatios() {
            return expansionRatios.clone();
        }

        /** The channels each ratio keeps. */
        public int[] channels() {
            return channels.clone();
        }

        public boolean skippable() {
            return skippable;
        }

        /** The median time of kernel size {@code j} with ratio {@code i}, in ms. */
        public double ms(int kernelIndex, int ratioIndex) {
            return ms[kernelIndex][ratioIndex];
        }

        public double skipMs() {
            return skipMs;
        }

        /** The measured time of a choice. */
        public double ms(SuperkernelChoice choice) {
            return choice.skip() ? skipMs : ms[choice.kernelIndex()][choice.ratioIndex()];
        }

        /** The differentiable runtime model of this layer. */
        public LayerRuntimeModel runtimeModel() {
            return new LayerRuntimeModel(ms, skipMs);
        }

        /** Whether this entry was measured for the given search space. */
        public boolean matches(SuperkernelSpace space) {
            if (!Arrays.equals(kernelSizes, space.shells().sizes())
                    || !Arrays.equals(expansionRatios, space.groups().ratios()) || skippable != space.skippable()) {
                return false;
            }
            for (int i = 0; i < channels.length; i++) {
                if (channels[i] != space.groups().end(i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Entry)) {
                return false;
            }
            Entry e = (Entry) o;
            return name.equals(e.name) && height == e.height && width == e.width && inChannels == e.inChannels
                    && outChannels == e.outChannels && stride == e.stride && Arrays.equals(kernelSizes, e.kernelSizes)
                    && Arrays.equals(expansionRatios, e.expansionRatios) && Arrays.equals(channels, e.channels)
                    && skippable == e.skippable && Arrays.deepEquals(ms, e.ms)
                    && Double.compare(skipMs, e.skipMs) == 0;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, height, width, Arrays.deepHashCode(ms));
        }

        @Override
        public String toString() {
            return name + " " + height + "x" + width + " in " + inChannels + " out " + outChannels + " stride " + stride
                    + " kernels " + Arrays.toString(kernelSizes) + " ratios " + Arrays.toString(expansionRatios)
                    + " ms " + Arrays.deepToString(ms) + (skippable ? " skip " + skipMs : "");
        }
    }

    /** The time of everything outside the searchable blocks, in ms. */
    public double fixedMs() {
        return fixedMs;
    }

    /**
     * The factor on the sum of the blocks' entries: a block timed alone (its input and weights cold in the caches,
     * one call's bookkeeping) takes longer than the same block inside a whole network, and the factor, fitted on
     * whole networks ({@code io.dl4jdms.spnas.latency.LatencyCalibration}), says by how much. 1 when not fitted.
     */
    public double scale() {
        return scale;
    }

    /** The environment key of {@link #gaugeMs()}. */
    public static final String GAUGE_MS = "gaugeMs";

    /**
     * The time of the calibration's gauge network ({@code io.dl4jdms.spnas.latency.LatencyCalibration#gaugeChoices})
     * in the table's own measurement, in ms: the machine's speed when the table was made. A network measured later
     * interleaved with the same gauge is compared with the table's predictions at that speed. NaN for a table made
     * without one (earlier versions).
     */
    public double gaugeMs() {
        String ms = environment().get(GAUGE_MS);
        return ms == null ? Double.NaN : Double.parseDouble(ms);
    }

    /** The predicted time of a network: {@code fixedMs + scale * sum of the blocks' entries}. */
    public double predictMs(double sumOfEntriesMs) {
        return fixedMs + scale * sumOfEntriesMs;
    }

    /** A copy with another fixed part. */
    public CandidateLatencyTable withFixedMs(double ms) {
        return withCalibration(ms, scale, Map.of());
    }

    /**
     * A copy with another fixed part and scale, and the given facts about the fit added to the environment.
     *
     * @throws IllegalArgumentException if the fixed part is not finite and >= 0 or the scale not finite and > 0
     */
    public CandidateLatencyTable withCalibration(double fixedMs, double scale, Map<String, String> facts) {
        if (!Double.isFinite(fixedMs) || fixedMs < 0) {
            throw new IllegalArgumentException("latency table: the fixed part must be finite and >= 0, got " + fixedMs);
        }
        if (!Double.isFinite(scale) || scale <= 0) {
            throw new IllegalArgumentException("latency table: the scale must be finite and > 0, got " + scale);
        }
        Map<String, String> environment = new java.util.TreeMap<>(environment());
        environment.putAll(facts);
        CandidateLatencyTable copy = new CandidateLatencyTable(backend(), dataType(), batchSize(), warmup(), repeats(),
                fixedMs, environment, entries());
        copy.scale = scale;
        return copy;
    }

    /** Reads a table from JSON (also the files of earlier versions, which have no backend build); entries checked. */
    public static CandidateLatencyTable fromJson(String json) {
        return checked(readJson(json, CandidateLatencyTable.class));
    }

    /** Reads a table from a JSON file; every entry is checked. */
    public static CandidateLatencyTable read(File file) throws IOException {
        return checked(readJson(file, CandidateLatencyTable.class));
    }

    private static CandidateLatencyTable checked(CandidateLatencyTable table) {
        table.entries().forEach(Entry::validate);
        if (!Double.isFinite(table.fixedMs) || table.fixedMs < 0 || !Double.isFinite(table.scale) || table.scale <= 0) {
            throw new IllegalArgumentException("latency table: the fixed part must be finite and >= 0 and the scale"
                    + " finite and > 0, got " + table.fixedMs + " and " + table.scale);
        }
        return table;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && Double.compare(fixedMs, ((CandidateLatencyTable) o).fixedMs) == 0
                && Double.compare(scale, ((CandidateLatencyTable) o).scale) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(backend(), dataType(), batchSize(), fixedMs, entries());
    }
}
