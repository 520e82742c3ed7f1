package io.dl4jdms.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarProgressTest {

    @Test
    void withoutATerminalAPhasePrintsALineEveryFewPercentAndNoRedraws() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBarProgress progress = new ProgressBarProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        progress.startPhase("search 1/2", 2000);
        for (int i = 0; i < 2000; i++) {
            progress.step("loss 0.5");
        }
        progress.endPhase();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(!text.contains("\r"), "no carriage returns: lines, not redraws");
        List<String> lines = Arrays.stream(text.split("\n")).filter(l -> !l.isBlank()).collect(Collectors.toList());
        int expected = 100 / ProgressBarProgress.LOG_PERCENT_STEP;
        assertTrue(lines.size() >= expected - 1 && lines.size() <= expected + 3,
                lines.size() + " lines for 2000 steps:\n" + text);
        assertTrue(lines.stream().allMatch(l -> l.startsWith("search 1/2")), text);
        assertTrue(lines.get(lines.size() - 1).contains("2000/2000"), "the last line shows the phase done: " + text);
        assertEquals(1, lines.stream().filter(l -> l.contains(" 50%")).count(), "one line at 50%:\n" + text);
    }
}
