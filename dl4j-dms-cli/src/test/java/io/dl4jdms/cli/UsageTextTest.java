package io.dl4jdms.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every usage and error text of dms prints without a picocli warning (e.g. of an unescaped % in a description). */
class UsageTextTest {

    /**
     * Runs the command line with picocli's own warnings captured: its tracer prints them to whatever
     * System.err is when it warns.
     */
    private static String[] run(CommandLine cli, String... args) {
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintStream original = System.err;
        int code;
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            code = cli.execute(args);
        } finally {
            System.setErr(original);
        }
        return new String[] {String.valueOf(code), out.toString(), err.toString(),
                warnings.toString(StandardCharsets.UTF_8)};
    }

    private static String[] run(String... args) {
        return run(DmsCommand.commandLine(), args);
    }

    /** A command whose description has an unescaped %, as dms search had. */
    @CommandLine.Command(name = "bad", mixinStandardHelpOptions = true, description = "Keeps 50% of the FLOPs.")
    static final class BadDescription implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void theCaptureSeesTheWarningOfAnUnescapedPercent() {
        String[] r = run(new CommandLine(new BadDescription()), "--help");
        assertTrue(r[3].contains("[picocli WARN]") && r[3].contains("Could not format"), "captured: " + r[3]);
    }

    private static List<String> commands() {
        List<String> names = new ArrayList<>();
        names.add("");
        names.addAll(DmsCommand.commandLine().getSubcommands().keySet());
        return names;
    }

    private static String[] args(String command, String option) {
        return command.isEmpty() ? new String[] {option} : new String[] {command, option};
    }

    @Test
    void helpOfEveryCommandPrintsNoWarning() {
        for (String command : commands()) {
            String[] r = run(args(command, "--help"));
            assertEquals("0", r[0], command);
            String all = r[1] + r[2] + r[3];
            assertFalse(all.contains("WARN") || all.contains("Could not format"), "dms " + command + " --help:\n" + all);
            assertTrue(r[1].startsWith("Usage: dms"), r[1]);
        }
        // picocli wraps the description at the terminal width: compare with the line breaks taken out
        assertTrue(run("search", "--help")[1].replaceAll("\\s+", " ").contains("50% of the supernet's FLOPs"),
                "the % itself is shown");
    }

    @Test
    void aBadOptionOfEveryCommandPrintsTheErrorAndUsageWithoutWarning() {
        for (String command : commands()) {
            String[] r = run(args(command, "--no-such-option"));
            assertEquals("2", r[0], command);
            String all = r[1] + r[2] + r[3];
            assertFalse(all.contains("WARN") || all.contains("Could not format"), "dms " + command + ":\n" + all);
            // dms rank reports its missing FILE first.
            assertTrue((r[2].startsWith("Unknown option: '--no-such-option'") || r[2].startsWith("Missing required"))
                    && r[2].contains("Usage: dms"), r[2]);
        }
    }
}
