package io.dl4jdms.latency;

import io.dl4jdms.resource.TimedLayer;

import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonPropertyOrder;

import java.io.File;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The per-channel latency table (DMS latency budgets): measured forward times of the layers of one
 * network at a few channel counts, with how they were
 * measured, and the interpolation the latency model uses between them. Times are medians in
 * milliseconds for one forward pass of a minibatch of {@link #batchSize()} examples. Saved as JSON
 * (DL4J's shaded Jackson):
 *
 * <pre>{@code
 * {"backend": "CPU", "dataType": "FLOAT", "batchSize": 32, "warmup": 5, "repeats": 15,
 *  "environment": {...},
 *  "layers": [{"name": "conv2", "type": "TopkConv", "inChannels": [1, 4, 8, 12, 16],
 *              "outChannels": [1, 8, 16, 24, 32], "ms": [[0.11, 0.19, ...], ...]},
 *             {"name": "pool", "type": "GlobalPoolingLayer", "inChannels": [1, 16, 32], "ms": [[0.02], [0.05], [0.08]]}]}
 * }</pre>
 * {@code ms[i][j]} is the time at {@code inChannels[i]} input and {@code outChannels[j]} output channels; a
 * per-channel layer (its output has its input's channels) has no {@code outChannels} and one column.
 *
 * <p>Interpolation: piecewise linear along each channel axis (bilinear on the grid), linear
 * extrapolation beyond the end nodes. The derivative along an axis is the slope of the cell; exactly on
 * an inner node it is the mean of the two neighbouring slopes (what a central difference gives), so the
 * latency gradient is defined at every count.
 */
@JsonPropertyOrder({"backend", "dataType", "batchSize", "warmup", "repeats", "environment", "layers"})
public final class ChannelLatencyTable extends MeasuredTable<ChannelLatencyTable.Entry> {

    private ChannelLatencyTable() {
    }

    ChannelLatencyTable(String backend, String dataType, int batchSize, int warmup, int repeats,
                 Map<String, String> environment, List<Entry> layers) {
        super(backend, dataType, requireBatchSize(batchSize), warmup, repeats, environment, layers);
    }

    private static int requireBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("latency table: batch size must be >= 1, got " + batchSize);
        }
        return batchSize;
    }

    /** A table of times measured elsewhere (e.g. on the target device), at the given batch size. */
    public static ChannelLatencyTable of(int batchSize, List<Entry> entries) {
        return new ChannelLatencyTable("given", "unknown", batchSize, 0, 0, Map.of(), entries);
    }

    /** The measured times of one layer. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Entry implements MeasuredTable.Named {
        private String name;
        private String type;
        private long[] inChannels;
        private long[] outChannels;
        private double[][] ms;

        private Entry() {
        }

        private Entry(String name, String type, long[] inChannels, long[] outChannels, double[][] ms) {
            this.name = name;
            this.type = type;
            this.inChannels = inChannels.clone();
            this.outChannels = outChannels == null ? null : outChannels.clone();
            this.ms = new double[ms.length][];
            for (int i = 0; i < ms.length; i++) {
                this.ms[i] = ms[i].clone();
            }
            validate();
        }

        /** Times {@code ms[i][j]} at {@code inChannels[i]} input and {@code outChannels[j]} output channels. */
        public static Entry grid(String name, String type, long[] inChannels, long[] outChannels, double[][] ms) {
            if (outChannels == null) {
                throw new IllegalArgumentException("latency table entry '" + name + "': output channels must not be null"
                        + " (use perChannel for a layer whose output has its input's channels)");
            }
            return new Entry(name, type, inChannels, outChannels, ms);
        }

        /** Times {@code ms[i]} of a per-channel layer at {@code channels[i]} channels. */
        public static Entry perChannel(String name, String type, long[] channels, double[] ms) {
            double[][] column = new double[ms.length][];
            for (int i = 0; i < ms.length; i++) {
                column[i] = new double[] {ms[i]};
            }
            return new Entry(name, type, channels, null, column);
        }

        private void validate() {
            String where = "latency table entry '" + name + "'";
            requireNodes(where + " input channels", inChannels);
            if (outChannels != null) {
                requireNodes(where + " output channels", outChannels);
            }
            int columns = outChannels == null ? 1 : outChannels.length;
            if (ms == null || ms.length != inChannels.length) {
                throw new IllegalArgumentException(where + ": needs one row of times per input channel count ("
                        + inChannels.length + "), got " + (ms == null ? "none" : ms.length));
            }
            for (double[] row : ms) {
                if (row == null || row.length != columns) {
                    throw new IllegalArgumentException(where + ": every row needs " + columns + " times, got "
                            + Arrays.toString(row));
                }
                for (double t : row) {
                    if (!Double.isFinite(t) || t < 0) {
                        throw new IllegalArgumentException(where + ": times must be finite and >= 0, got " + t);
                    }
                }
            }
        }

        private static void requireNodes(String what, long[] nodes) {
            if (nodes == null || nodes.length == 0) {
                throw new IllegalArgumentException(what + ": at least one channel count is needed");
            }
            for (int i = 0; i < nodes.length; i++) {
                if (nodes[i] < 1 || (i > 0 && nodes[i] <= nodes[i - 1])) {
                    throw new IllegalArgumentException(what + " must be >= 1 and strictly increasing, got "
                            + Arrays.toString(nodes));
                }
            }
        }

        @Override
        public String name() {
            return name;
        }

        /** The layer's configuration class, for readers of the table. */
        public String type() {
            return type;
        }

        public long[] inChannels() {
            return inChannels.clone();
        }

        /** Null for a per-channel layer. */
        public long[] outChannels() {
            return outChannels == null ? null : outChannels.clone();
        }

        public boolean perChannel() {
            return outChannels == null;
        }

        /** The measured time at node {@code (i, j)}, in ms ({@code j = 0} for a per-channel layer). */
        public double measured(int i, int j) {
            return ms[i][j];
        }

        /** The interpolated time at {@code in} input and {@code out} output channels ({@code out} ignored per channel). */
        public double ms(double in, double out) {
            if (perChannel()) {
                return Interpolation.value(inChannels, column(0), in);
            }
            int i = Interpolation.cell(inChannels, in);
            if (inChannels.length == 1) {
                return Interpolation.value(outChannels, ms[0], out);
            }
            double t = (in - inChannels[i]) / (double) (inChannels[i + 1] - inChannels[i]);
            return (1 - t) * Interpolation.value(outChannels, ms[i], out)
                    + t * Interpolation.value(outChannels, ms[i + 1], out);
        }

        /** {@code d ms / d in} at a point (see the class comment for inner nodes). */
        public double dIn(double in, double out) {
            if (perChannel()) {
                return Interpolation.slope(inChannels, column(0), in);
            }
            double[] atOut = new double[inChannels.length];
            for (int i = 0; i < atOut.length; i++) {
                atOut[i] = Interpolation.value(outChannels, ms[i], out);
            }
            return Interpolation.slope(inChannels, atOut, in);
        }

        /** {@code d ms / d out} at a point; 0 for a per-channel layer. */
        public double dOut(double in, double out) {
            if (perChannel()) {
                return 0;
            }
            double[] atIn = new double[outChannels.length];
            for (int j = 0; j < atIn.length; j++) {
                atIn[j] = Interpolation.value(inChannels, column(j), in);
            }
            return Interpolation.slope(outChannels, atIn, out);
        }

        private double[] column(int j) {
            double[] c = new double[ms.length];
            for (int i = 0; i < ms.length; i++) {
                c[i] = ms[i][j];
            }
            return c;
        }

        /** Checks that this entry was measured for the layer: same shape of table, its channel range covered. */
        public void requireCovers(TimedLayer layer) {
            String where = "latency table entry '" + name + "'";
            if (perChannel() != layer.perChannel()) {
                throw new IllegalArgumentException(where + " is " + (perChannel() ? "" : "not ")
                        + "per channel, the layer is " + (layer.perChannel() ? "" : "not ")
                        + "; was the table measured for another network?");
            }
            requireRange(where + " input channels", inChannels, layer.smallestIn(), layer.fullIn());
            if (!perChannel()) {
                requireRange(where + " output channels", outChannels, layer.smallestOut(), layer.fullOut());
            }
        }

        private static void requireRange(String what, long[] nodes, long smallest, long full) {
            if (nodes[0] > smallest || nodes[nodes.length - 1] < full) {
                throw new IllegalArgumentException(what + " cover " + nodes[0] + ".." + nodes[nodes.length - 1]
                        + " but the layer has " + smallest + ".." + full
                        + "; was the table measured for another network?");
            }
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Entry)) {
                return false;
            }
            Entry e = (Entry) o;
            return name.equals(e.name) && Objects.equals(type, e.type) && Arrays.equals(inChannels, e.inChannels)
                    && Arrays.equals(outChannels, e.outChannels) && Arrays.deepEquals(ms, e.ms);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(inChannels), Arrays.hashCode(outChannels), Arrays.deepHashCode(ms));
        }

        @Override
        public String toString() {
            return name + " (" + type + ") in " + Arrays.toString(inChannels)
                    + (perChannel() ? " per channel" : " out " + Arrays.toString(outChannels))
                    + " ms " + Arrays.deepToString(ms);
        }
    }

    /** Reads a table from JSON; every entry is checked. */
    public static ChannelLatencyTable fromJson(String json) {
        return checked(readJson(json, ChannelLatencyTable.class));
    }

    /** Reads a table from a JSON file; every entry is checked. */
    public static ChannelLatencyTable read(File file) throws IOException {
        return checked(readJson(file, ChannelLatencyTable.class));
    }

    private static ChannelLatencyTable checked(ChannelLatencyTable table) {
        requireBatchSize(table.batchSize());
        table.entries().forEach(Entry::validate);
        return table;
    }
}
