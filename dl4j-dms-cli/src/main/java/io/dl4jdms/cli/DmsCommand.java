package io.dl4jdms.cli;

import io.dl4jdms.pipeline.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dms} command: differentiable model scaling for Deeplearning4j. */
@Command(name = "dms", mixinStandardHelpOptions = true, versionProvider = DmsCommand.BuildVersion.class,
        description = "Searches the width and depth of a Deeplearning4j network for a budget (dms search), or its "
                + "kernel sizes and expansion ratios for a latency target (dms spnas); ranks architectures (dms rank) or scales "
                + "one up to a budget (dms scale) with training-free scores.",
        subcommands = {SearchCommand.class, SpnasCommand.class, RankCommand.class, ScaleCommand.class})
public final class DmsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code dms --version}: the version the build wrote ({@link Version}). */
    static final class BuildVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"dl4j-dms " + Version.current()};
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand, e.g. 'dms search'");
    }

    /** The command line, with failures reported as one line {@code dms: message} and exit code 1. */
    static CommandLine commandLine() {
        return new CommandLine(new DmsCommand())
                .setExecutionExceptionHandler((error, commandLine, parseResult) -> {
                    commandLine.getErr().println("dms: " + (error.getMessage() == null ? error : error.getMessage()));
                    return 1;
                });
    }

    /** Runs the command line and returns its exit code (0 success, 2 bad usage, 1 failure). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
