package io.dl4jdms.search;

import io.dl4jdms.pipeline.PhaseTrainer;
import io.dl4jdms.pipeline.SearchCheckpoint;
import io.dl4jdms.pipeline.SearchProgress;
import io.dl4jdms.resource.ResourceModel;

import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * One phase of a DMS search's supernet training, as {@link DmsSearch} hands it to a {@link SupernetTraining}: its
 * name, epochs, minibatch size and seed, the listeners, the driver's resource model, the state it starts from and
 * records into, the checkpoint it writes and what to do at each epoch's end.
 */
public final class SearchPhase {

    /** {@code "pretrain"} or {@code "search"}: the phase's name in the history. */
    public final String name;
    /** The last epoch of the phase (1-based). */
    public final int lastEpoch;
    public final int batchSize;
    public final long seed;
    public final SearchListeners listeners;
    /** The resource model of the supernet being trained (on this machine). */
    public final ResourceModel model;
    /** Where the phase starts ({@link SearchCheckpoint.State#start()}) and what it records into. */
    public final SearchCheckpoint.State state;
    public final SearchCheckpoint checkpoint;
    /** Seconds of supernet training over all runs. */
    public final DoubleSupplier clock;
    public final SearchProgress progress;
    /** A checkpoint every this many iterations within an epoch, or 0 for epoch ends only. */
    public final int checkpointEvery;
    /** Called after each finished epoch; it records the epoch in the state and writes a checkpoint. */
    public final PhaseTrainer.EpochDone epochDone;

    SearchPhase(String name, int lastEpoch, int batchSize, long seed, SearchListeners listeners, ResourceModel model,
                SearchCheckpoint.State state, SearchCheckpoint checkpoint, DoubleSupplier clock, SearchProgress progress,
                int checkpointEvery, PhaseTrainer.EpochDone epochDone) {
        this.name = name;
        this.lastEpoch = lastEpoch;
        this.batchSize = batchSize;
        this.seed = seed;
        this.listeners = listeners;
        this.model = model;
        this.state = state;
        this.checkpoint = checkpoint;
        this.clock = clock;
        this.progress = progress;
        this.checkpointEvery = checkpointEvery;
        this.epochDone = epochDone;
    }

    /** The progress bar's and the divergence message's name of an epoch, e.g. {@code "search 2/3"}. */
    public String label(int epoch) {
        return String.format(Locale.ROOT, "%s %d/%d", name, epoch, lastEpoch);
    }
}
