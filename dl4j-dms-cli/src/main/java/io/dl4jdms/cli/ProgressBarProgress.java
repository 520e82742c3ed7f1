package io.dl4jdms.cli;

import io.dl4jdms.pipeline.SearchProgress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Shows a search's progress as one terminal progress bar per phase. */
final class ProgressBarProgress implements SearchProgress {

    private ProgressBar bar;

    @Override
    public void startPhase(String phase, long steps) {
        endPhase();
        bar = new ProgressBarBuilder().setTaskName(phase).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build();
    }

    @Override
    public void step(String detail) {
        if (bar != null) {
            bar.step();
            if (detail != null && !detail.isEmpty()) {
                bar.setExtraMessage(detail);
            }
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
