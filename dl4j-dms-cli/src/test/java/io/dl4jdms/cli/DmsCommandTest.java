package io.dl4jdms.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DmsCommandTest {

    /** Runs the command line, capturing what it prints; returns the exit code, standard output and error. */
    static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = DmsCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void helpListsEveryOption() {
        String[] r = run("search", "--help");
        assertEquals("0", r[0]);
        for (String option : new String[] {"--out", "--target-flops", "--target-params", "--pipeline", "--data",
                "--epochs", "--seed", "--help"}) {
            assertTrue(r[1].contains(option), option + " missing from:\n" + r[1]);
        }
    }

    @Test
    void badOptionsExitWithUsageErrorAndAClearMessage(@TempDir Path dir) {
        String[] both = run("search", "--target-flops", "0.5", "--target-params", "0.5", "--out", dir.toString());
        assertEquals("2", both[0]);
        assertTrue(both[2].contains("not both"), both[2]);

        String[] range = run("search", "--target-flops", "1.7", "--out", dir.toString());
        assertEquals("2", range[0]);
        assertTrue(range[2].contains("1.7"), range[2]);

        String[] pipeline = run("search", "--pipeline", "quick", "--out", dir.toString());
        assertEquals("2", pipeline[0]);
        assertTrue(pipeline[2].contains("'quick'"), pipeline[2]);

        String[] data = run("search", "--data", dir.resolve("missing").toString(), "--out", dir.toString());
        assertEquals("2", data[0]);
        assertTrue(data[2].contains("missing") && data[2].contains("does not exist"), data[2]);

        String[] unknown = run("search", "--bogus");
        assertEquals("2", unknown[0]);
        assertTrue(unknown[2].contains("--bogus"), unknown[2]);
    }

    @Test
    void unreadableDataFailsWithExitOneAndTheFileName(@TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("data"));
        java.nio.file.Files.write(dir.resolve("data/train-images-idx3-ubyte"), new byte[] {1, 2});
        String[] r = run("search", "--data", dir.resolve("data").toString(), "--out", dir.resolve("out").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].startsWith("dms: ") && r[2].contains("lacks the IDX files"), r[2]);
    }

    @Test
    void versionIsTheBuildsVersion() {
        String[] r = run("--version");
        assertEquals("0", r[0]);
        assertEquals("dl4j-dms " + io.dl4jdms.pipeline.Version.current(), r[1].strip());
        assertTrue(r[1].contains("0.1.0"), r[1]);
    }

    @Test
    void noSubcommandIsAUsageError() {
        String[] r = run();
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("subcommand"), r[2]);
    }
}
