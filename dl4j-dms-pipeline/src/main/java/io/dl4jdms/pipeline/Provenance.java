package io.dl4jdms.pipeline;

import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Where a result came from: the pipeline, the dl4j-dms version, the data, the seed and every setting (the
 * pipeline's {@link PipelineSettings#toMap()}), and when it was made. Written into {@code summary.json} and, as the
 * zip entry {@value #ZIP_ENTRY}, into the model zip next to what {@code ModelSerializer} writes (DL4J ignores
 * entries it does not know, so the model still loads with plain DL4J); {@link #read(Path)} gives it back.
 */
public final class Provenance {

    /** The zip entry of a model file that holds the provenance, as JSON. */
    public static final String ZIP_ENTRY = "provenance.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public String pipeline;
    public String version;
    public String data;
    public long seed;
    /** When the result was made, ISO-8601 UTC. */
    public String created;
    public Map<String, Object> settings = new LinkedHashMap<>();

    /** For JSON. */
    public Provenance() {
    }

    /** The provenance of a run with these settings on data described as {@code data}, made now. */
    public static Provenance of(PipelineSettings settings, String data) {
        Provenance p = new Provenance();
        p.pipeline = settings.pipelineName();
        p.version = Version.current();
        p.data = data;
        p.seed = settings.randomSeed();
        p.created = Instant.now().toString();
        p.settings = normalized(settings.toMap());
        return p;
    }

    /** The provenance as an ordered map, for {@code summary.json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pipeline", pipeline);
        m.put("version", version);
        m.put("data", data);
        m.put("seed", seed);
        m.put("created", created);
        m.put("settings", settings);
        return m;
    }

    /** Adds (or replaces) the entry {@value #ZIP_ENTRY} of a model zip; the zip is replaced atomically. */
    public void writeInto(Path modelZip) throws IOException {
        Path tmp = modelZip.resolveSibling(modelZip.getFileName() + ".provenance.tmp");
        try (ZipFile in = new ZipFile(modelZip.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (entry.getName().equals(ZIP_ENTRY)) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream data = in.getInputStream(entry)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry(ZIP_ENTRY));
            out.write(MAPPER.writeValueAsBytes(this));
            out.closeEntry();
        }
        Files.move(tmp, modelZip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The provenance stored in a model zip, or empty if it has none.
     *
     * @throws IOException if the file is not a readable zip or its provenance is not valid JSON (naming the file)
     */
    public static Optional<Provenance> read(Path modelZip) throws IOException {
        try (ZipFile zip = new ZipFile(modelZip.toFile())) {
            ZipEntry entry = zip.getEntry(ZIP_ENTRY);
            if (entry == null) {
                return Optional.empty();
            }
            try (InputStream in = zip.getInputStream(entry)) {
                return Optional.of(MAPPER.readValue(in, Provenance.class));
            } catch (IOException e) {
                throw new IOException(modelZip + ": entry " + ZIP_ENTRY + " is not a valid provenance: " + e.getMessage(), e);
            }
        }
    }

    /** Writes the provenance as JSON. */
    public void write(OutputStream out) throws IOException {
        MAPPER.writeValue(out, this);
    }

    /**
     * A settings map as it reads back from JSON (numbers, strings, booleans, lists), so that a map made now and one
     * read from a file compare equal when the settings are.
     */
    static Map<String, Object> normalized(Map<String, ?> settings) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = MAPPER.readValue(MAPPER.writeValueAsBytes(settings), LinkedHashMap.class);
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException("settings cannot be written as JSON: " + settings, e);
        }
    }
}
