package io.dl4jdms.latency;

import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the tables of measured latencies have in common: how the times were measured (backend, data
 * type, batch size, warm-up and timed runs, the machine's environment), the named entries, and the JSON
 * form (DL4J's shaded Jackson, fields as properties: {@code backend}, {@code dataType},
 * {@code batchSize}, {@code warmup}, {@code repeats}, {@code environment}, {@code layers}). Subclasses
 * add their own fields and the static {@code fromJson}/{@code read} of their type (through
 * {@link #readJson(String, Class)} and {@link #readJson(File, Class)}).
 *
 * <p>Used by {@link ChannelLatencyTable} (per-layer times over channel counts, DMS) and by
 * {@link CandidateLatencyTable} (per-candidate times, Single-Path NAS). The environment records the backend
 * build ({@value #BACKEND_BUILD}); {@link #requireMeasuredHere()} refuses a table of another build.
 *
 * @param <E> the type of an entry
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class MeasuredTable<E extends MeasuredTable.Named> {

    /** An entry of a table, found by its name. */
    public interface Named {
        /** The name of the layer the entry is for. */
        String name();
    }

    /** The environment key of the backend build a table was measured on ({@link LatencyProfiler#backendBuild()}). */
    public static final String BACKEND_BUILD = "backendBuild";
    /** The backend of a table of times measured elsewhere ({@code of(...)}), which is never refused. */
    public static final String GIVEN = "given";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private String backend;
    private String dataType;
    private int batchSize;
    private int warmup;
    private int repeats;
    private Map<String, String> environment = new LinkedHashMap<>();
    private List<E> layers = new ArrayList<>();

    /** For the JSON reader, which sets the fields. */
    protected MeasuredTable() {
    }

    /** A table of the given entries (the map and the list are copied). */
    protected MeasuredTable(String backend, String dataType, int batchSize, int warmup, int repeats,
                            Map<String, String> environment, List<E> layers) {
        this.backend = backend;
        this.dataType = dataType;
        this.batchSize = batchSize;
        this.warmup = warmup;
        this.repeats = repeats;
        this.environment = new LinkedHashMap<>(environment);
        this.layers = new ArrayList<>(layers);
    }

    /** The backend the times were measured on (e.g. CPU, CUDA), or "given" for times measured elsewhere. */
    public String backend() {
        return backend;
    }

    public String dataType() {
        return dataType;
    }

    /** The minibatch size the times are for. */
    public int batchSize() {
        return batchSize;
    }

    public int warmup() {
        return warmup;
    }

    public int repeats() {
        return repeats;
    }

    /** What the profiler recorded about the machine and the backend. */
    public Map<String, String> environment() {
        return Collections.unmodifiableMap(environment);
    }

    /** The backend build the times were measured on, or null (a given table, or a table older than the record). */
    public String backendBuild() {
        return environment.get(BACKEND_BUILD);
    }

    /**
     * Checks that this table's times hold here: a table measured on another backend build (another backend, a
     * libnd4j with or without oneDNN, DL4J's helpers on or off) times other code and is refused. Tables of times
     * measured elsewhere ({@value #GIVEN}) and tables written before the build was recorded pass.
     *
     * @throws IllegalStateException naming both builds and what to do
     */
    public void requireMeasuredHere() {
        String measured = backendBuild();
        if (GIVEN.equals(backend) || measured == null) {
            return;
        }
        String here = LatencyProfiler.backendBuild();
        if (!measured.equals(here)) {
            throw new IllegalStateException("latency table: measured on '" + measured + "' but this JVM runs '" + here
                    + "'; its times do not hold here. Profile again on this build (LatencyProfiler), or run on the"
                    + " build the table was made on");
        }
    }

    public List<E> entries() {
        return Collections.unmodifiableList(layers);
    }

    /**
     * The entry of a layer.
     *
     * @throws IllegalArgumentException naming the layers the table holds, if it has none of that name
     */
    public E entry(String name) {
        for (E e : layers) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        layers.forEach(e -> names.add(e.name()));
        throw new IllegalArgumentException("latency table: no entry for layer '" + name + "'; it has " + names);
    }

    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void write(File file) throws IOException {
        MAPPER.writeValue(file, this);
    }

    /** Reads a table of the given type from JSON, unchecked. */
    protected static <T extends MeasuredTable<?>> T readJson(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException("latency table: cannot read the JSON", e);
        }
    }

    /** Reads a table of the given type from a JSON file, unchecked. */
    protected static <T extends MeasuredTable<?>> T readJson(File file, Class<T> type) throws IOException {
        return MAPPER.readValue(file, type);
    }

    /** Equal: the same class, measured alike, with equal entries (subclasses add their own fields). */
    @Override
    public boolean equals(Object o) {
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        MeasuredTable<?> t = (MeasuredTable<?>) o;
        return Objects.equals(backend, t.backend) && Objects.equals(dataType, t.dataType) && batchSize == t.batchSize
                && warmup == t.warmup && repeats == t.repeats && environment.equals(t.environment)
                && layers.equals(t.layers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(backend, dataType, batchSize, layers);
    }
}
