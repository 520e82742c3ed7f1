package io.dl4jdms.search;

import io.dl4jdms.checkpoint.CheckpointException;
import io.dl4jdms.checkpoint.CheckpointFiles;
import io.dl4jdms.checkpoint.SettingsDiff;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The search's checkpoints in {@code <out>/checkpoint/checkpoint-NNNNNN/} (the newest two are kept, see
 * {@link CheckpointFiles}): the supernet with its updater state ({@code supernet.zip}, written by
 * {@code ModelSerializer}: weights, ratios, importances and the iteration count all live in it) and
 * {@code state.json} (the settings it was made with, the phase, the finished epochs, the minibatches done
 * of the current epoch and the history). Written after every epoch and, on request, every N iterations;
 * a search killed at any point resumes from its newest checkpoint to the result of an uninterrupted run.
 */
public final class SearchCheckpoint {

    /** The layout of {@code state.json}; a checkpoint of another format is refused, not misread. */
    public static final int FORMAT = 2;

    static final String MODEL = "supernet.zip";
    static final String STATE = "state.json";

    /** What {@code state.json} holds. */
    public static final class State {
        /** {@link #FORMAT} when written by this version; 0 when the file has none (an earlier version). */
        public int format;
        public String settings;
        public String phase;
        /** Finished epochs of the phase. */
        public int completedEpochs;
        /** Minibatches done of the epoch after {@link #completedEpochs} (0 at an epoch's end). */
        public int batchesDone;
        /** Sum and count of the training losses of those minibatches (the epoch's mean loss goes on from them). */
        public double epochLossSum;
        public int epochLossCount;
        /** Seconds spent on pretraining and search up to this checkpoint, over all runs. */
        public double searchSeconds;
        public SearchHistory history = new SearchHistory();
    }

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final CheckpointFiles files;
    private ComputationGraph restored;

    public SearchCheckpoint(Path outputDirectory) {
        this.files = new CheckpointFiles(outputDirectory.resolve("checkpoint"));
    }

    /** The directory of the numbered checkpoints. */
    public Path directory() {
        return files.root();
    }

    /** The newest complete checkpoint's directory, if any. */
    public Optional<Path> latest() throws IOException {
        return files.latest();
    }

    /** Saves the supernet and the state as a new checkpoint, between iterations. */
    public Path save(ComputationGraph supernet, State state) throws IOException {
        return save(supernet, state, false);
    }

    /**
     * Saves the supernet and the state as a new checkpoint.
     *
     * @param withinIteration true when called from a listener's {@code iterationDone}: DL4J counts the
     *                        iteration only after its listeners, so the saved count is advanced by one
     */
    Path save(ComputationGraph supernet, State state, boolean withinIteration) throws IOException {
        state.format = FORMAT;
        return files.write(dir -> {
            ComputationGraphConfiguration conf = supernet.getConfiguration();
            int count = conf.getIterationCount();
            conf.setIterationCount(withinIteration ? count + 1 : count);
            try {
                ModelSerializer.writeModel(supernet, dir.resolve(MODEL).toFile(), true);
            } finally {
                conf.setIterationCount(count);
            }
            MAPPER.writeValue(dir.resolve(STATE).toFile(), state);
        });
    }

    /**
     * The state of the newest checkpoint, if there is one; checks that it can be resumed with these
     * settings and restores its supernet (then {@link #restoreSupernet()}).
     *
     * @throws CheckpointException naming the file and what is wrong: truncated or unreadable, written by
     *                             another version, or made with other settings (naming each)
     */
    public Optional<State> load(SearchSettings settings) throws IOException {
        Path unnumbered = directory().resolve(STATE);
        if (Files.exists(unnumbered)) {
            throw new CheckpointException(unnumbered, "was written by an earlier version of dl4j-dms (checkpoint format"
                    + " 1, one unnumbered checkpoint); this version reads format " + FORMAT + " and cannot resume it");
        }
        Optional<Path> latest = files.latest();
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        Path json = latest.get().resolve(STATE);
        Path model = latest.get().resolve(MODEL);
        for (Path file : new Path[] {json, model}) {
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(file, "is missing");
            }
        }
        State state;
        try {
            state = MAPPER.readValue(json.toFile(), State.class);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(json, "is damaged (truncated or not valid JSON: "
                    + e.getOriginalMessage() + ")", e);
        }
        if (state.format != FORMAT) {
            throw new CheckpointException(json, "was written in checkpoint format " + state.format + " by another"
                    + " version of dl4j-dms; this version reads format " + FORMAT);
        }
        List<String> differences = SettingsDiff.differences(state.settings, settings.describe());
        if (!differences.isEmpty()) {
            throw new CheckpointException(json, "was made with other settings: " + String.join("; ", differences));
        }
        try {
            restored = ModelSerializer.restoreComputationGraph(model.toFile(), true);
        } catch (Exception e) {
            throw new CheckpointException(model, "is damaged (truncated or not a DL4J model: " + e + ")", e);
        }
        return Optional.of(state);
    }

    /** The supernet of the checkpoint {@link #load} accepted, with its updater state. */
    public ComputationGraph restoreSupernet() {
        if (restored == null) {
            throw new IllegalStateException("no checkpoint was loaded");
        }
        return restored;
    }

    /** Deletes every checkpoint, to start over on purpose. */
    public void deleteAll() throws IOException {
        files.deleteAll();
    }
}
