package io.dl4jdms.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IDX reading, directory loading and subset writing on tiny files written to a temporary directory. */
class IdxReaderTest {

    @TempDir
    Path dir;

    /** IDX bytes: big-endian header integers, then the payload. */
    private static byte[] idx(int[] header, byte[] payload) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * header.length + payload.length);
        for (int value : header) {
            buffer.putInt(value);
        }
        return buffer.put(payload).array();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** {@code perClass} 28x28 images of each class, every pixel of class c equal to 20 c. */
    private static byte[][] tinySplit(int perClass) {
        int n = 10 * perClass;
        byte[] pixels = new byte[n * 784];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 10);
            Arrays.fill(pixels, i * 784, (i + 1) * 784, (byte) (20 * (i % 10)));
        }
        return new byte[][] {idx(new int[] {2051, n, 28, 28}, pixels), idx(new int[] {2049, n}, labels)};
    }

    /** Writes the four files of a tiny data set: training files raw, test files gzip-compressed. */
    private void writeTinyDataSet(Path directory, int perClass) throws IOException {
        Files.createDirectories(directory);
        byte[][] split = tinySplit(perClass);
        Files.write(directory.resolve("train-images-idx3-ubyte"), split[0]);
        Files.write(directory.resolve("train-labels-idx1-ubyte"), split[1]);
        Files.write(directory.resolve("t10k-images-idx3-ubyte.gz"), gzip(split[0]));
        Files.write(directory.resolve("t10k-labels-idx1-ubyte.gz"), gzip(split[1]));
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    @Test
    void rawAndGzipFilesReadAlike() throws IOException {
        byte[] bytes = idx(new int[] {2051, 2, 2, 3}, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, (byte) 255});
        IdxReader.Images raw = IdxReader.readImages(write("images", bytes));
        IdxReader.Images gzipped = IdxReader.readImages(write("images.gz", gzip(bytes)));
        assertEquals(2, raw.rows);
        assertEquals(3, raw.columns);
        assertArrayEquals(new byte[] {6, 7, 8, 9, 10, (byte) 255}, raw.pixels[1]);
        assertTrue(Arrays.deepEquals(raw.pixels, gzipped.pixels));
        assertArrayEquals(new int[] {9, 0, 3}, IdxReader.readLabels(write("labels.gz", gzip(idx(new int[] {2049, 3},
                new byte[] {9, 0, 3})))));
    }

    @Test
    void wrongMagicNumberIsNamed() throws IOException {
        Path labelsAsImages = write("labels-as-images", idx(new int[] {2049, 1}, new byte[] {1}));
        IOException images = assertThrows(IOException.class, () -> IdxReader.readImages(labelsAsImages));
        assertMessage(images, labelsAsImages.toString(), "magic number 0x00000801", "expected 0x00000803");
        Path imagesAsLabels = write("images-as-labels.gz", gzip(idx(new int[] {2051, 1, 1, 1}, new byte[] {1})));
        IOException labels = assertThrows(IOException.class, () -> IdxReader.readLabels(imagesAsLabels));
        assertMessage(labels, imagesAsLabels.toString(), "magic number 0x00000803", "expected 0x00000801");
    }

    @Test
    void truncatedFilesAreNamed() throws IOException {
        byte[] threeImagesDeclaredTwoPresent = idx(new int[] {2051, 3, 2, 2}, new byte[8]);
        Path raw = write("short-images", threeImagesDeclaredTwoPresent);
        assertMessage(assertThrows(IOException.class, () -> IdxReader.readImages(raw)),
                raw.toString(), "truncated", "image 2 of 3");
        Path header = write("short-header", new byte[] {0, 0, 8, 3, 0, 0});
        assertMessage(assertThrows(IOException.class, () -> IdxReader.readImages(header)),
                header.toString(), "truncated within the IDX header");
        byte[] whole = gzip(idx(new int[] {2051, 50, 28, 28}, new byte[50 * 784]));
        Path cut = write("cut-images.gz", Arrays.copyOf(whole, whole.length - 30));
        assertMessage(assertThrows(IOException.class, () -> IdxReader.readImages(cut)), cut.toString(), "truncated");
        Path labels = write("short-labels", idx(new int[] {2049, 5}, new byte[] {1, 2}));
        assertMessage(assertThrows(IOException.class, () -> IdxReader.readLabels(labels)),
                labels.toString(), "truncated", "5 labels");
    }

    @Test
    void bytesBeyondTheHeaderCountAreAnError() throws IOException {
        Path file = write("long-labels", idx(new int[] {2049, 2}, new byte[] {1, 2, 3}));
        assertMessage(assertThrows(IOException.class, () -> IdxReader.readLabels(file)),
                file.toString(), "bytes after the 2 labels");
    }

    @Test
    void labelOutsideZeroToNineIsNamed() throws IOException {
        Path file = write("bad-labels.gz", gzip(idx(new int[] {2049, 3}, new byte[] {3, 12, 4})));
        assertMessage(assertThrows(IOException.class, () -> IdxReader.readLabels(file)),
                file.toString(), "label 12 at index 1", "outside 0..9");
    }

    @Test
    void imageAndLabelCountMismatchNamesBothFiles() throws IOException {
        writeTinyDataSet(dir, 1);
        write("train-labels-idx1-ubyte", idx(new int[] {2049, 9}, new byte[9]));
        assertMessage(assertThrows(IOException.class, () -> FashionMnist.fromDirectory(dir)),
                dir.resolve("train-images-idx3-ubyte").toString(), "10 images",
                dir.resolve("train-labels-idx1-ubyte").toString(), "9 labels");
    }

    @Test
    void directoryOfRawAndGzipFilesLoads() throws IOException {
        writeTinyDataSet(dir, 2);
        FashionMnist data = FashionMnist.fromDirectory(dir);
        assertEquals(20, data.numTrain());
        assertEquals(20, data.numTest());
        DataSet test = data.testSet();
        assertArrayEquals(new long[] {20, 1, 28, 28}, test.getFeatures().shape());
        assertEquals(7, test.getLabels().getRow(17).argMax().getInt(0));
        assertEquals(140 / 255.0, test.getFeatures().getDouble(17, 0, 27, 3), 1e-6);
    }

    @Test
    void missingFilesAndDirectoryAreNamed() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), new byte[0]);
        IOException missing = assertThrows(IOException.class, () -> FashionMnist.fromDirectory(dir));
        assertMessage(missing, dir.toString(), "train-labels-idx1-ubyte[.gz]", "t10k-images-idx3-ubyte[.gz]",
                "t10k-labels-idx1-ubyte[.gz]");
        assertTrue(!missing.getMessage().contains("train-images"), missing.getMessage());
        Path absent = dir.resolve("absent");
        assertMessage(assertThrows(IOException.class, () -> FashionMnist.fromDirectory(absent)), absent.toString());
    }

    @Test
    void subsetWriterWritesAStratifiedGzipDataSet() throws IOException {
        Path source = dir.resolve("source");
        Path target = dir.resolve("target");
        writeTinyDataSet(source, 3);
        SubsetWriter.main(new String[] {source.toString(), target.toString(), "2", "1", "5"});
        assertTrue(Files.isRegularFile(target.resolve("train-images-idx3-ubyte.gz")));
        FashionMnist subset = FashionMnist.fromDirectory(target);
        assertEquals(20, subset.numTrain());
        assertEquals(10, subset.numTest());
        DataSet expected = FashionMnist.fromDirectory(source).subset(2, 1, 5).trainSet();
        assertEquals(expected.getFeatures(), subset.trainSet().getFeatures());
        assertEquals(expected.getLabels(), subset.trainSet().getLabels());
        assertThrows(IllegalArgumentException.class, () -> SubsetWriter.main(new String[] {source.toString()}));
    }
}
