import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints one line per 'dms search' run (its summary.json) and the mean and sample standard deviation of the
 * slim network's and the uniform baseline's test accuracies. Run with the dms classpath:
 * {@code java -cp "$(cat dl4j-dms-cli/target/dms.classpath)" benchmarks/scripts/SummarizeRuns.java DIR...}
 */
public class SummarizeRuns {

    public static void main(String[] args) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        List<Double> slim = new ArrayList<>();
        List<Double> baseline = new ArrayList<>();
        System.out.println("| run | seed | target FLOPs | slim FLOPs (/ target) | baseline FLOPs | slim acc | baseline acc | "
                + "max abs diff | search s | retrain s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (String dir : args) {
            File file = new File(dir, "summary.json");
            if (!file.isFile()) {
                System.err.println("no summary.json in " + dir);
                continue;
            }
            JsonNode s = mapper.readTree(file);
            double target = s.path("target").path("flops").asDouble();
            double slimFlops = s.path("slim").path("flops").asDouble();
            slim.add(s.path("slim").path("testAccuracy").asDouble());
            baseline.add(s.path("baseline").path("testAccuracy").asDouble());
            System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f (%.3f) | %.0f | %.4f | %.4f | %.1e | %.0f | %.0f |%n",
                    new File(dir).getName(), s.path("seed").asLong(), target, slimFlops, slimFlops / target,
                    s.path("baseline").path("flops").asDouble(), slim.get(slim.size() - 1),
                    baseline.get(baseline.size() - 1), s.path("slim").path("maxAbsDiffVsHardMasked").asDouble(),
                    s.path("timing").path("searchSeconds").asDouble(), s.path("timing").path("retrainSeconds").asDouble());
        }
        System.out.printf(Locale.ROOT, "%nslim (DMS) test accuracy     %s%nuniform baseline accuracy    %s%n", stats(slim),
                stats(baseline));
        List<Double> gap = new ArrayList<>();
        for (int i = 0; i < slim.size(); i++) {
            gap.add(slim.get(i) - baseline.get(i));
        }
        System.out.printf(Locale.ROOT, "slim minus baseline          %s%n", stats(gap));
    }

    private static String stats(List<Double> values) {
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        double sd = values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : Double.NaN;
        return String.format(Locale.ROOT, "mean %.4f, sd %.4f over %d run(s)", mean, sd, values.size());
    }
}
