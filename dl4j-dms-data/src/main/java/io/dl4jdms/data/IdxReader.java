package io.dl4jdms.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST (images: magic 2051, unsigned bytes; labels: magic
 * 2049), gzip-compressed or raw. Every error names the source and the bad value.
 */
public final class IdxReader {

    static final int IMAGES_MAGIC = 2051;
    static final int LABELS_MAGIC = 2049;

    private IdxReader() {
    }

    /** Images as {@code [count][rows * columns]} unsigned bytes, with their shape. */
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

    /** Reads an idx3 image file; {@code name} is used in error messages. */
    public static Images readImages(InputStream in, String name) throws IOException {
        try (DataInputStream data = open(in)) {
            int magic = readInt(data, name);
            if (magic != IMAGES_MAGIC) {
                throw new IOException(name + ": not an IDX image file (magic number " + magic + ", expected "
                        + IMAGES_MAGIC + ")");
            }
            int count = readInt(data, name);
            int rows = readInt(data, name);
            int columns = readInt(data, name);
            if (count < 0 || rows <= 0 || columns <= 0) {
                throw new IOException(name + ": bad image header (count " + count + ", rows " + rows + ", columns "
                        + columns + ")");
            }
            byte[][] pixels = new byte[count][rows * columns];
            for (int i = 0; i < count; i++) {
                readFully(data, pixels[i], name, "image " + i + " of " + count);
            }
            return new Images(pixels, rows, columns);
        }
    }

    /** Reads an idx1 label file; every label must lie in 0..9. */
    public static int[] readLabels(InputStream in, String name) throws IOException {
        try (DataInputStream data = open(in)) {
            int magic = readInt(data, name);
            if (magic != LABELS_MAGIC) {
                throw new IOException(name + ": not an IDX label file (magic number " + magic + ", expected "
                        + LABELS_MAGIC + ")");
            }
            int count = readInt(data, name);
            if (count < 0) {
                throw new IOException(name + ": bad label count " + count);
            }
            byte[] raw = new byte[count];
            readFully(data, raw, name, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
                if (labels[i] > 9) {
                    throw new IOException(name + ": label " + labels[i] + " at index " + i + " is outside 0..9");
                }
            }
            return labels;
        }
    }

    private static DataInputStream open(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        boolean gzip = b1 == 0x1f && b2 == 0x8b;
        return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(buffered), 1 << 16) : buffered);
    }

    private static int readInt(DataInputStream data, String name) throws IOException {
        try {
            return data.readInt();
        } catch (EOFException e) {
            throw new IOException(name + ": truncated IDX header", e);
        }
    }

    private static void readFully(DataInputStream data, byte[] target, String name, String what) throws IOException {
        try {
            data.readFully(target);
        } catch (EOFException e) {
            throw new IOException(name + ": truncated while reading " + what, e);
        }
    }
}
