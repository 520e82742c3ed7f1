package io.dl4jdms.pipeline;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A search's checkpoint in {@code <out>/checkpoint/}: the supernet with its updater state
 * ({@code supernet.zip}, written by {@code ModelSerializer}: weights, ratios, importances, thresholds and the
 * iteration count all live in it) and {@code state.json} (the settings map it was made with, the finished
 * epochs, the history, and what else the pipeline keeps in its subclass of {@link State}). Written after every
 * epoch, atomically, so an interrupted search resumes from its last finished epoch. Both pipelines use it.
 */
public final class SearchCheckpoint {

    /** What {@code state.json} holds. */
    public static class State {
        /** The settings map ({@link PipelineSettings#toMap()}) the checkpoint was made with. */
        public Map<String, Object> settings = new LinkedHashMap<>();
        public String phase;
        public int completedEpochs;
        public double searchSeconds;
        public SearchHistory history = new SearchHistory();
    }

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path directory;

    public SearchCheckpoint(Path outputDirectory) {
        this.directory = outputDirectory.resolve("checkpoint");
    }

    public Path directory() {
        return directory;
    }

    /** Saves the supernet and the state, replacing the previous checkpoint only once both are written. */
    public void save(ComputationGraph supernet, State state) throws IOException {
        Files.createDirectories(directory);
        Path model = directory.resolve("supernet.zip.tmp");
        Path json = directory.resolve("state.json.tmp");
        ModelSerializer.writeModel(supernet, model.toFile(), true);
        MAPPER.writeValue(json.toFile(), state);
        Files.move(model, directory.resolve("supernet.zip"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(json, directory.resolve("state.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A new state for a run with these settings, in its first phase. */
    public static <T extends State> T start(PipelineSettings settings, T state, String phase) {
        state.settings = Provenance.normalized(settings.toMap());
        state.phase = phase;
        return state;
    }

    /** As {@link #load(PipelineSettings, Class)} with the plain {@link State}. */
    public Optional<State> load(PipelineSettings settings) throws IOException {
        return load(settings, State.class);
    }

    /**
     * The saved state, if there is a checkpoint made with these settings (an equal settings map).
     *
     * @param type the pipeline's state class
     * @throws IOException if a checkpoint exists but was made with other settings (naming both) or is unreadable
     */
    public <T extends State> Optional<T> load(PipelineSettings settings, Class<T> type) throws IOException {
        Path json = directory.resolve("state.json");
        if (!Files.exists(json) || !Files.exists(directory.resolve("supernet.zip"))) {
            return Optional.empty();
        }
        T state = MAPPER.readValue(json.toFile(), type);
        Map<String, Object> now = Provenance.normalized(settings.toMap());
        if (!now.equals(Provenance.normalized(state.settings))) {
            throw new IOException("the checkpoint in " + directory + " was made with other settings:\n  checkpoint: "
                    + PipelineSettings.describe(state.settings) + "\n  now:        " + PipelineSettings.describe(now)
                    + "\nuse another --out directory or delete the checkpoint to start over");
        }
        return Optional.of(state);
    }

    /** The saved supernet, with its updater state. */
    public ComputationGraph restoreSupernet() throws IOException {
        return ModelSerializer.restoreComputationGraph(directory.resolve("supernet.zip").toFile(), true);
    }
}
