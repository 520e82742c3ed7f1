package io.dl4jdms.search;

/** The three DMS pipelines (METHOD.md, "Pipelines"). */
public enum Pipeline {
    /** Randomly initialised, enlarged supernet; the search trains all weights; the slim net is retrained. Default. */
    SCRATCH,
    /** A trained supernet (trained here first, or given); the search trains all weights; the slim net is retrained. */
    PRETRAINED,
    /** A trained supernet; only the structure parameters train, for a few hundred iterations; no retraining. */
    STRUCTURE_ONLY;

    /** Parses {@code scratch}, {@code pretrained} or {@code structure-only}. */
    public static Pipeline parse(String name) {
        for (Pipeline p : values()) {
            if (p.cliName().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pipeline '" + name + "': use scratch, pretrained or structure-only");
    }

    /** The name on the command line. */
    public String cliName() {
        return name().toLowerCase().replace('_', '-');
    }
}
