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
import java.util.Optional;

/**
 * The search's checkpoint in {@code <out>/checkpoint/}: the supernet with its updater state
 * ({@code supernet.zip}, written by {@code ModelSerializer}: weights, ratios, importances and the
 * iteration count all live in it) and {@code state.json} (the settings it was made with, the finished
 * epochs and the history). Written after every search epoch, atomically, so an interrupted search
 * resumes from its last finished epoch.
 */
public final class SearchCheckpoint {

    /** What {@code state.json} holds. */
    public static final class State {
        public String settings;
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

    /**
     * The saved state, if there is a checkpoint made with these settings ({@code settings} as written into
     * {@link State#settings}).
     *
     * @throws IOException if a checkpoint exists but was made with other settings (naming both) or is unreadable
     */
    public Optional<State> load(String settings) throws IOException {
        Path json = directory.resolve("state.json");
        if (!Files.exists(json) || !Files.exists(directory.resolve("supernet.zip"))) {
            return Optional.empty();
        }
        State state = MAPPER.readValue(json.toFile(), State.class);
        if (!settings.equals(state.settings)) {
            throw new IOException("the checkpoint in " + directory + " was made with other settings:\n  checkpoint: "
                    + state.settings + "\n  now:        " + settings
                    + "\nuse another --out directory or delete the checkpoint to start over");
        }
        return Optional.of(state);
    }

    /** The saved supernet, with its updater state. */
    public ComputationGraph restoreSupernet() throws IOException {
        return ModelSerializer.restoreComputationGraph(directory.resolve("supernet.zip").toFile(), true);
    }
}
