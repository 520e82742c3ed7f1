package io.dl4jdms.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code --data} option of the commands that train on images (a picocli mixin). */
final class DataOption {

    @Option(names = "--data", paramLabel = "DIR",
            description = "A directory of Fashion-MNIST/MNIST IDX files (e.g. /usr/share/datasets/fashion-mnist) "
                    + "or of class-named image folders. Default: the embedded Fashion-MNIST subset.")
    Path directory;

    /**
     * The data directory, or null for the embedded subset. A path that exists but is not a usable directory
     * (a file, an empty folder, bad IDX files) is found by the data readers, with exit code 1.
     *
     * @throws IllegalArgumentException naming the option and the path when nothing is there
     */
    Path checked() {
        if (directory != null && !Files.exists(directory)) {
            throw new IllegalArgumentException("Invalid value for option '--data': " + directory
                    + " does not exist");
        }
        return directory;
    }
}
