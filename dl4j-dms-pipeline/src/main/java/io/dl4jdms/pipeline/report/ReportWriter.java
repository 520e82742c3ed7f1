package io.dl4jdms.pipeline.report;

import io.dl4jdms.pipeline.SearchHistory;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the reports of all pipelines share: the file names in the output directory ({@code summary.json},
 * {@code report.html}, {@code curves.png}) and the training-curves section.
 */
public final class ReportWriter {

    public static final String SUMMARY = "summary.json";
    public static final String REPORT = "report.html";
    /** The training curves' plot, which {@link #curves} shows. */
    public static final String CURVES = "curves.png";

    private ReportWriter() {
    }

    /**
     * The training curves of a report: {@code curves.png} (see {@link Plots#curves}) and a table of the training
     * loss and test accuracy of every epoch of every phase.
     */
    public static String curves(SearchHistory history) {
        StringBuilder b = new StringBuilder("<img src=\"" + CURVES + "\" alt=\"loss and accuracy per epoch\">\n<table>")
                .append(Html.headerRow("phase", "epoch", "training loss", "test accuracy"));
        for (SearchHistory.Epoch e : history.epochs) {
            b.append(Html.row(e.phase, String.valueOf(e.epoch), Html.number("%.4f", e.trainLoss),
                    Html.number("%.4f", e.testAccuracy)));
        }
        return b.append("</table>\n").toString();
    }
}
