package io.dl4jdms.pipeline;

import io.dl4jdms.checkpoint.CheckpointException;
import io.dl4jdms.checkpoint.CheckpointFiles;
import io.dl4jdms.checkpoint.SettingsDiff;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * A search's checkpoints in {@code <out>/checkpoint/checkpoint-NNNNNN/} (the newest two are kept, see
 * {@link CheckpointFiles}): the supernet with its updater state ({@code supernet.zip}, written by
 * {@code ModelSerializer}: weights, ratios, importances, thresholds and the iteration count all live in it) and
 * {@code state.json} (the checkpoint format, the settings map it was made with, the phase, the finished epochs, the
 * minibatches done of the current epoch, the history, and what else the pipeline keeps in its subclass of
 * {@link State}). Written after every epoch and, on request, every N iterations; a search killed at any point
 * resumes from its newest checkpoint to the result of an uninterrupted run. Both pipelines use it.
 */
public final class SearchCheckpoint {

    /**
     * The layout of {@code state.json}; a checkpoint of another format is refused, not misread. Format 1 was one
     * unnumbered checkpoint, format 2 held the settings as one line of text, format 3 holds them as a map.
     */
    public static final int FORMAT = 3;

    /** The supernet's file in a checkpoint directory. */
    public static final String MODEL = "supernet.zip";
    /** The state's file in a checkpoint directory. */
    public static final String STATE = "state.json";

    /** What {@code state.json} holds; a pipeline that keeps more extends it. */
    public static class State {
        /** {@link #FORMAT} when written by this version; 0 when the file has none (an earlier version). */
        public int format;
        /** The settings map ({@link PipelineSettings#toMap()}) the checkpoint was made with. */
        public Map<String, Object> settings = new LinkedHashMap<>();
        public String phase;
        /** Finished epochs of the phase. */
        public int completedEpochs;
        /** Minibatches done of the epoch after {@link #completedEpochs} (0 at an epoch's end). */
        public int batchesDone;
        /** Sum and count of the training losses of those minibatches (the epoch's mean loss goes on from them). */
        public double epochLossSum;
        public int epochLossCount;
        /** Seconds spent on training the supernet up to this checkpoint, over all runs. */
        public double searchSeconds;
        public SearchHistory history = new SearchHistory();

        /** Where the checkpointed phase goes on: the epoch after the finished ones, from its minibatches done. */
        public PhaseTrainer.Start start() {
            return new PhaseTrainer.Start(completedEpochs + 1, batchesDone, epochLossSum, epochLossCount);
        }

        /** Records the end of {@code epoch} of the phase. */
        public void epochDone(int epoch, double searchSeconds) {
            completedEpochs = epoch;
            batchesDone = 0;
            epochLossSum = 0;
            epochLossCount = 0;
            this.searchSeconds = searchSeconds;
        }

        /**
         * Seconds of supernet training over all runs: this state's {@link #searchSeconds}, plus the time since this
         * call. Work lost to an interruption (since the last checkpoint) is not counted.
         */
        public DoubleSupplier clock() {
            double before = searchSeconds;
            long start = System.nanoTime();
            return () -> before + (System.nanoTime() - start) / 1e9;
        }
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

    /** "the last good checkpoint ... is kept" (or that there is none yet), for messages of a run that stops. */
    public String keptMessage() {
        try {
            return latest().map(p -> "the last good checkpoint " + p + " is kept")
                    .orElse("no checkpoint was written yet");
        } catch (IOException e) {
            return "the checkpoints in " + directory() + " are kept";
        }
    }

    /** Writes one of a run's results (a model, a report) into the output directory. */
    @FunctionalInterface
    public interface ResultWriter {
        void write() throws IOException;
    }

    /**
     * Writes part of a run's results after its search.
     *
     * @throws IOException naming the output directory, why it failed and the checkpoint that is kept, from which
     *                     the same command finishes the run
     */
    public void writeResult(ResultWriter writer) throws IOException {
        try {
            writer.write();
        } catch (IOException e) {
            throw new IOException("cannot write the results into " + directory().getParent() + " (" + e.getMessage()
                    + "); " + keptMessage() + ": make room and run the same command again to finish", e);
        }
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
    public Path save(ComputationGraph supernet, State state, boolean withinIteration) throws IOException {
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
     * Saves a checkpoint within an epoch (for {@link PhaseTrainer}'s {@code checkpointEvery}): the state records the
     * minibatches done of the epoch under way and their losses.
     */
    public PhaseTrainer.WithinEpoch withinEpoch(ComputationGraph supernet, State state, DoubleSupplier clock) {
        return (epoch, batchesDone, lossSum, lossCount) -> {
            state.completedEpochs = epoch - 1;
            state.batchesDone = batchesDone;
            state.epochLossSum = lossSum;
            state.epochLossCount = lossCount;
            state.searchSeconds = clock.getAsDouble();
            save(supernet, state, true);
        };
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
     * The state of the newest checkpoint, if there is one; checks that it can be resumed with these settings (an
     * equal settings map) and restores its supernet (then {@link #restoreSupernet()}).
     *
     * @param type the pipeline's state class
     * @throws CheckpointException naming the file and what is wrong: truncated or unreadable, written by another
     *                             version, or made with other settings (naming each setting that differs)
     */
    public <T extends State> Optional<T> load(PipelineSettings settings, Class<T> type) throws IOException {
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
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json.toFile());
        } catch (JsonProcessingException e) {
            throw new CheckpointException(json, "is damaged (truncated or not valid JSON: "
                    + e.getOriginalMessage() + ")", e);
        }
        if (tree == null || !tree.isObject()) {
            throw new CheckpointException(json, "is damaged (empty or not a JSON object)");
        }
        int format = tree.path("format").asInt(0);
        if (format != FORMAT) {
            throw new CheckpointException(json, "was written in checkpoint format " + format + " by another"
                    + " version of dl4j-dms; this version reads format " + FORMAT);
        }
        T state;
        try {
            state = MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(json, "is damaged (not a " + type.getSimpleName() + ": "
                    + e.getOriginalMessage() + ")", e);
        }
        List<String> differences = SettingsDiff.differences(Provenance.normalized(state.settings),
                Provenance.normalized(settings.toMap()));
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

    /**
     * Saves a network the run needs again after its search (e.g. the pretrained network its baseline starts from) as
     * {@code <checkpoint>/<name>}, written whole or not at all; it is deleted with the checkpoints.
     *
     * @throws IOException naming the file and the checkpoint that is kept
     */
    public void saveModel(String name, ComputationGraph net) throws IOException {
        Path file = directory().resolve(name);
        Path partial = directory().resolve(".partial-" + name);
        try {
            Files.createDirectories(directory());
            ModelSerializer.writeModel(net, partial.toFile(), true);
            try {
                Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            Files.deleteIfExists(partial);
            throw new IOException("cannot write " + file + " (" + e.getMessage() + "); " + keptMessage(), e);
        }
    }

    /**
     * The network {@link #saveModel} saved under {@code name}.
     *
     * @throws CheckpointException naming the file when it is missing or damaged
     */
    public ComputationGraph restoreModel(String name) throws IOException {
        Path file = directory().resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "is missing");
        }
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), true);
        } catch (Exception e) {
            throw new CheckpointException(file, "is damaged (truncated or not a DL4J model: " + e + ")", e);
        }
    }

    /** Deletes every checkpoint, to start over on purpose. */
    public void deleteAll() throws IOException {
        files.deleteAll();
    }
}
