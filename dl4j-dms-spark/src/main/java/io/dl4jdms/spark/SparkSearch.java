package io.dl4jdms.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Starting a Spark search: the Spark context for a master URL, and the workers it offers.
 *
 * <pre>{@code
 * try (JavaSparkContext sc = SparkSearch.context("local[2]", "dms search")) {
 *     SearchOutcome outcome = new DmsSearch(settings, progress, log::info)
 *             .trainedBy(new SparkTraining(sc, SparkSearch.workers(sc), SparkSearch.DEFAULT_AVERAGING_FREQUENCY))
 *             .run();
 * }
 * }</pre>
 */
public final class SparkSearch {

    /**
     * Minibatches each worker trains between two averagings by default: 2. The ratios {@code a} and the target
     * schedule move every iteration, and the depth masks freeze at one; averaging often keeps the workers' structures
     * together (docs/DESIGN.md, "DMS on Spark"). A round then moves the parameters and updater state twice per
     * worker (BENCHMARKS.md), cheap next to two minibatches of the supernet in {@code local[n]}.
     */
    public static final int DEFAULT_AVERAGING_FREQUENCY = 2;

    private SparkSearch() {
    }

    /**
     * A Spark context for {@code master} ({@code local[2]}, {@code spark://host:7077}, or null to take the master
     * {@code spark-submit} set), without the web UI. Java serialisation throughout (dl4j-spark's default).
     */
    public static JavaSparkContext context(String master, String appName) {
        SparkConf conf = new SparkConf().setAppName(appName).setIfMissing("spark.ui.enabled", "false");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            throw new IllegalArgumentException("no Spark master: give one (e.g. local[2] or spark://host:7077) or"
                    + " start the search with spark-submit --master");
        }
        return new JavaSparkContext(conf);
    }

    /** The data-parallel workers a context offers: its default parallelism (cores of {@code local[n]}, executor cores). */
    public static int workers(JavaSparkContext sc) {
        return sc.defaultParallelism();
    }
}
