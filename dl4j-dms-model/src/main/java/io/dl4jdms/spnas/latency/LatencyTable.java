package io.dl4jdms.spnas.latency;

import io.dl4jdms.resource.MeasuredTable;
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
 * Measured latencies of every candidate of every searchable layer, with how they were measured
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
@JsonPropertyOrder({"backend", "dataType", "batchSize", "warmup", "repeats", "fixedMs", "environment", "layers"})
public final class LatencyTable extends MeasuredTable<LatencyTable.Entry> {

    private double fixedMs;

    private LatencyTable() {
    }

    LatencyTable(String backend, String dataType, int batchSize, int warmup, int repeats, double fixedMs,
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

        Entry(SearchableBlock block, double[][] ms, double skipMs) {
            SuperkernelSpace space = block.space();
            this.name = block.name();
            this.height = block.height();
            this.width = block.width();
            this.inChannels = block.inChannels();
            this.outChannels = block.outChannels();
            this.stride = block.depthwise().getStride()[0];
            this.kernelSizes = space.shells().sizes();
            this.expansionRatios = space.groups().ratios();
            this.channels = new int[expansionRatios.length];
            for (int i = 0; i < channels.length; i++) {
                channels[i] = space.groups().end(i);
            }
            this.skippable = space.skippable();
            this.ms = ms;
            this.skipMs = skipMs;
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

    /** A copy with another fixed part. */
    public LatencyTable withFixedMs(double ms) {
        if (!Double.isFinite(ms) || ms < 0) {
            throw new IllegalArgumentException("latency table: the fixed part must be finite and >= 0, got " + ms);
        }
        return new LatencyTable(backend(), dataType(), batchSize(), warmup(), repeats(), ms, environment(), entries());
    }

    public static LatencyTable fromJson(String json) {
        return readJson(json, LatencyTable.class);
    }

    public static LatencyTable read(File file) throws IOException {
        return readJson(file, LatencyTable.class);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && Double.compare(fixedMs, ((LatencyTable) o).fixedMs) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(backend(), dataType(), batchSize(), fixedMs, entries());
    }
}
