package io.dl4jdms.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST: idx3 images of unsigned bytes (magic number
 * 0x00000803) and idx1 labels (magic number 0x00000801), gzip-compressed or raw (told apart by the gzip
 * signature, not by the file name). The header and the file length must agree and labels must lie in
 * 0..9; otherwise an {@link IOException} names the file and the bad value. Plain Java, no ND4J, so that
 * {@link SubsetWriter} runs on its own.
 */
public final class IdxReader {

    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    /** Images larger than this many pixels are taken for a corrupt header. */
    private static final int MAX_PIXELS = 1 << 24;

    private IdxReader() {
    }

    /** Images of one idx3 file: {@code pixels[image][row * columns + column]}, unsigned bytes. */
    public static final class Images {
        public final byte[][] pixels;
        public final int rows;
        public final int columns;

        Images(byte[][] pixels, int rows, int columns) {
            this.pixels = pixels;
            this.rows = rows;
            this.columns = columns;
        }
    }

    /** Reads an idx3 image file, raw or gzip-compressed. */
    public static Images readImages(Path file) throws IOException {
        return readImages(Files.newInputStream(file), file.toString());
    }

    /** Reads idx1 labels (each in 0..9) from a file, raw or gzip-compressed. */
    public static int[] readLabels(Path file) throws IOException {
        return readLabels(Files.newInputStream(file), file.toString());
    }

    /** Reads and closes an idx3 image stream; {@code name} identifies it in error messages. */
    public static Images readImages(InputStream in, String name) throws IOException {
        try (DataInputStream data = open(in)) {
            checkMagic(readInt(data, name), IMAGES_MAGIC, name, "idx3 image");
            int count = readInt(data, name);
            int rows = readInt(data, name);
            int columns = readInt(data, name);
            if (count < 0 || rows <= 0 || columns <= 0 || (long) rows * columns > MAX_PIXELS) {
                throw new IOException(name + ": bad image header (count " + count + ", rows " + rows
                        + ", columns " + columns + ")");
            }
            // Grows as images arrive, so a corrupt count gives a "truncated" error, not an OutOfMemoryError.
            List<byte[]> pixels = new ArrayList<>(Math.min(count, 1 << 16));
            for (int i = 0; i < count; i++) {
                pixels.add(readBytes(data, rows * columns, name, "image " + i + " of " + count));
            }
            checkEnd(data, name, count + " images");
            return new Images(pixels.toArray(new byte[0][]), rows, columns);
        } catch (ZipException e) {
            throw corrupt(name, e);
        }
    }

    /** Reads and closes an idx1 label stream; {@code name} identifies it in error messages. */
    public static int[] readLabels(InputStream in, String name) throws IOException {
        try (DataInputStream data = open(in)) {
            checkMagic(readInt(data, name), LABELS_MAGIC, name, "idx1 label");
            int count = readInt(data, name);
            if (count < 0) {
                throw new IOException(name + ": bad label count " + count);
            }
            byte[] raw = readBytes(data, count, name, count + " labels");
            checkEnd(data, name, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
                if (labels[i] > 9) {
                    throw new IOException(name + ": label " + labels[i] + " at index " + i + " is outside 0..9");
                }
            }
            return labels;
        } catch (ZipException e) {
            throw corrupt(name, e);
        }
    }

    private static DataInputStream open(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        buffered.mark(2);
        boolean gzip = buffered.read() == 0x1f && buffered.read() == 0x8b;
        buffered.reset();
        return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(buffered), 1 << 16) : buffered);
    }

    private static void checkMagic(int magic, int expected, String name, String kind) throws IOException {
        if (magic != expected) {
            throw new IOException(String.format("%s: not an %s file (magic number 0x%08X, expected 0x%08X)",
                    name, kind, magic, expected));
        }
    }

    private static int readInt(DataInputStream data, String name) throws IOException {
        try {
            return data.readInt();
        } catch (EOFException e) {
            throw new IOException(name + ": truncated within the IDX header", e);
        }
    }

    private static byte[] readBytes(DataInputStream data, int length, String name, String what) throws IOException {
        try {
            byte[] bytes = data.readNBytes(length);
            if (bytes.length < length) {
                throw new IOException(name + ": truncated while reading " + what);
            }
            return bytes;
        } catch (EOFException e) {
            throw new IOException(name + ": truncated while reading " + what + " (" + e.getMessage() + ")", e);
        }
    }

    private static void checkEnd(DataInputStream data, String name, String what) throws IOException {
        try {
            if (data.read() != -1) {
                throw new IOException(name + ": has bytes after the " + what + " its header declares");
            }
        } catch (EOFException e) {
            throw new IOException(name + ": truncated gzip data after the " + what, e);
        }
    }

    private static IOException corrupt(String name, ZipException e) {
        return new IOException(name + ": corrupt gzip data (" + e.getMessage() + ")", e);
    }
}
