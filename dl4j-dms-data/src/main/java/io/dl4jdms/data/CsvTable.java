package io.dl4jdms.data;

import org.datavec.api.records.reader.impl.collection.CollectionRecordReader;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.Writable;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A table of numbers with one class column, read with DataVec's {@link CSVRecordReader} and
 * {@link RecordReaderDataSetIterator}: comma-separated, one example a line, an optional header line
 * (skipped when any field of the first line is not a number). Class labels are the integers
 * {@code 0 .. k-1}. A seeded fraction of the rows is the test split.
 *
 * <p>Features are the raw values: standardise them with {@code NormalizerStandardize} fitted on the
 * training split.
 */
public final class CsvTable {

    /** Features and one-hot labels of both splits. */
    public static final class Splits {
        public final DataSet train;
        public final DataSet test;
        public final int features;
        public final int classes;

        Splits(DataSet train, DataSet test, int features, int classes) {
            this.train = train;
            this.test = test;
            this.features = features;
            this.classes = classes;
        }
    }

    private CsvTable() {
    }

    /**
     * Reads the file; errors name the file, line and value at fault.
     *
     * @param labelColumn  the 0-based column of the class label
     * @param testFraction the part of the rows held out for testing, in (0, 1)
     */
    public static Splits read(Path file, int labelColumn, double testFraction, long seed) throws IOException {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("CSV file " + file + " does not exist or is not a file");
        }
        int skip = hasHeader(file) ? 1 : 0;
        CSVRecordReader reader = new CSVRecordReader(skip, ',');
        List<List<Writable>> rows = new ArrayList<>();
        int columns = -1;
        int maxLabel = -1;
        try {
            reader.initialize(new FileSplit(file.toFile()));
            while (reader.hasNext()) {
                List<Writable> row = reader.next();
                int line = skip + rows.size() + 1;
                if (columns < 0) {
                    columns = row.size();
                    if (labelColumn < 0 || labelColumn >= columns) {
                        throw new IOException(file + ": label column " + labelColumn + " is outside the "
                                + columns + " columns (0.." + (columns - 1) + ")");
                    }
                    if (columns < 2) {
                        throw new IOException(file + ": needs a label and at least one feature column, found "
                                + columns + " column");
                    }
                } else if (row.size() != columns) {
                    throw new IOException(file + " line " + line + ": " + row.size() + " columns, the first row has "
                            + columns);
                }
                for (int c = 0; c < columns; c++) {
                    String value = row.get(c).toString();
                    double number;
                    try {
                        number = Double.parseDouble(value.trim());
                    } catch (NumberFormatException e) {
                        throw new IOException(file + " line " + line + " column " + c + ": '" + value
                                + "' is not a number");
                    }
                    if (c == labelColumn && (number < 0 || number != Math.rint(number))) {
                        throw new IOException(file + " line " + line + ": label '" + value
                                + "' is not a class number 0, 1, 2, ...");
                    }
                    if (c == labelColumn) {
                        maxLabel = Math.max(maxLabel, (int) number);
                    }
                }
                rows.add(row);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading " + file, e);
        }
        if (rows.size() < 2) {
            throw new IOException(file + " holds " + rows.size() + " data row(s); at least 2 are needed");
        }
        int classes = maxLabel + 1;
        if (classes < 2) {
            throw new IOException(file + ": every label is 0; at least 2 classes are needed");
        }
        DataSet all = new RecordReaderDataSetIterator(new CollectionRecordReader(rows), rows.size(), labelColumn,
                classes).next();
        all = new DataSet(all.getFeatures().castTo(DataType.FLOAT), all.getLabels().castTo(DataType.FLOAT));
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        int testCount = Math.min(rows.size() - 1, Math.max(1, (int) Math.round(rows.size() * testFraction)));
        int[] test = order.subList(0, testCount).stream().sorted().mapToInt(Integer::intValue).toArray();
        int[] train = order.subList(testCount, order.size()).stream().sorted().mapToInt(Integer::intValue).toArray();
        return new Splits(all.get(train), all.get(test), columns - 1, classes);
    }

    private static boolean hasHeader(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file)) {
            String first = in.readLine();
            if (first == null) {
                throw new IOException("CSV file " + file + " is empty");
            }
            for (String field : first.split(",")) {
                try {
                    Double.parseDouble(field.trim());
                } catch (NumberFormatException e) {
                    return true;
                }
            }
            return false;
        }
    }
}
