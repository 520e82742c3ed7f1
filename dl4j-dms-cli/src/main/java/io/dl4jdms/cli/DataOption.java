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
     * The data directory, or null for the embedded subset.
     *
     * @throws IllegalArgumentException naming the option and the path when it is not a directory
     */
    Path checked() {
        if (directory != null && !Files.isDirectory(directory)) {
            throw new IllegalArgumentException("Invalid value for option '--data': " + directory
                    + " is not a readable directory");
        }
        return directory;
    }
}
