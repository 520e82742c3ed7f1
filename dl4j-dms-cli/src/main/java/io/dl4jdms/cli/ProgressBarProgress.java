package io.dl4jdms.cli;

import io.dl4jdms.pipeline.SearchProgress;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * Shows a search's progress as one progress bar per phase. On a terminal the bar redraws itself in
 * place; when standard output is not a terminal (a log file, a pipe, CI) it prints one line every
 * {@value #LOG_PERCENT_STEP}% of a phase instead of redrawing thousands of times into the log.
 */
final class ProgressBarProgress implements SearchProgress {

    /** In a log, one line per this many percent of a phase. */
    static final int LOG_PERCENT_STEP = 5;

    private final PrintStream out;
    private final boolean terminal;
    private ProgressBar bar;
    private long steps;
    private long done;
    private long lastLogged;

    /** Progress on standard output; a redrawn bar when it is a terminal, log lines otherwise. */
    ProgressBarProgress() {
        this(System.out, System.console() != null);
    }

    ProgressBarProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void startPhase(String phase, long steps) {
        endPhase();
        this.steps = steps;
        this.done = 0;
        this.lastLogged = 0;
        ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(phase).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII);
        if (terminal) {
            builder.setUpdateIntervalMillis(500).continuousUpdate();
        } else {
            // Lines go to the log only when step() refreshes the bar; the timer never fires within a phase.
            builder.setConsumer(new DelegatingProgressBarConsumer(out::println, 120))
                    .setUpdateIntervalMillis(Integer.MAX_VALUE);
        }
        bar = builder.build();
    }

    @Override
    public void step(String detail) {
        if (bar == null) {
            return;
        }
        bar.step();
        if (detail != null && !detail.isEmpty()) {
            bar.setExtraMessage(detail);
        }
        done++;
        if (!terminal && steps > 0 && done < steps
                && 100 * done / steps >= 100 * lastLogged / steps + LOG_PERCENT_STEP) {
            lastLogged = done;
            bar.refresh();
        }
    }

    @Override
    public void endPhase() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
