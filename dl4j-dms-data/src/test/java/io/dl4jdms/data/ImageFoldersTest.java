package io.dl4jdms.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFoldersTest {

    private static void image(Path file, int grey, int size) throws IOException {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                image.setRGB(x, y, (grey << 16) | (grey << 8) | grey);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    @Test
    void classFoldersWithoutSplitsAreSplitOneFifthForTest(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 10; i++) {
            image(dir.resolve("cat/" + i + ".png"), 255, 6);
            image(dir.resolve("dog/" + i + ".png"), 0, 6);
        }
        assertTrue(ImageFolders.looksLikeImageFolders(dir));
        ImageFolders.Splits splits = ImageFolders.read(dir, 1);
        assertEquals(java.util.Arrays.asList("cat", "dog"), splits.classes);
        assertEquals(16, splits.train.numExamples());
        assertEquals(4, splits.test.numExamples());
        assertArrayEquals(new long[] {16, 3, 6, 6}, splits.train.getFeatures().shape()); // RGB files: 3 channels
        // cats are white (label 0), dogs black (label 1); DataVec gives pixel values 0..255
        for (int i = 0; i < 16; i++) {
            double pixel = splits.train.getFeatures().getDouble(i, 0, 3, 3);
            int label = splits.train.getLabels().getRow(i).argMax().getInt(0);
            assertEquals(label == 0 ? 255.0 : 0.0, pixel, 1e-6);
        }
    }

    @Test
    void trainAndTestFoldersAreUsedAsGiven(@TempDir Path dir) throws IOException {
        image(dir.resolve("train/a/1.png"), 10, 4);
        image(dir.resolve("train/b/1.png"), 20, 4);
        image(dir.resolve("test/a/1.png"), 30, 4);
        image(dir.resolve("test/b/1.png"), 40, 4);
        ImageFolders.Splits splits = ImageFolders.read(dir, 1);
        assertEquals(2, splits.train.numExamples());
        assertEquals(2, splits.test.numExamples());
        assertEquals(30, splits.test.getFeatures().getDouble(0, 0, 0, 0), 1e-6);
    }

    @Test
    void colourImagesAreResizedAndKeepTheirChannels(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 3; i++) {
            BufferedImage image = new BufferedImage(12, 8, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 12; x++) {
                    image.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
                }
            }
            for (String c : new String[] {"red", "other"}) {
                Files.createDirectories(dir.resolve(c));
                ImageIO.write(image, "png", dir.resolve(c + "/" + i + ".png").toFile());
            }
        }
        ImageFolders.Splits own = ImageFolders.read(dir, 0, 0, 0, 0.34, 3);
        assertArrayEquals(new long[] {4, 3, 8, 12}, own.train.getFeatures().shape());
        assertEquals(2, own.test.numExamples());
        ImageFolders.Splits resized = ImageFolders.read(dir, 6, 5, 3, 0.34, 3);
        assertArrayEquals(new long[] {4, 3, 6, 5}, resized.train.getFeatures().shape());
        // DataVec (OpenCV) keeps BGR order: channel 0 blue, 2 red
        assertEquals(50, resized.train.getFeatures().getDouble(0, 0, 2, 2), 1.0);
        assertEquals(200, resized.train.getFeatures().getDouble(0, 2, 2, 2), 1.0);
        ImageFolders.Splits grey = ImageFolders.read(dir, 0, 0, 1, 0.34, 3);
        assertArrayEquals(new long[] {4, 1, 8, 12}, grey.train.getFeatures().shape());
    }

    @Test
    void badFoldersAreNamed(@TempDir Path dir) throws IOException {
        image(dir.resolve("a/1.png"), 1, 4);
        image(dir.resolve("b/1.png"), 1, 4);
        IOException tooFew = assertThrows(IOException.class, () -> ImageFolders.read(dir, 1));
        assertTrue(tooFew.getMessage().contains("at least 2"), tooFew.getMessage());
        image(dir.resolve("a/2.png"), 1, 4);
        image(dir.resolve("b/2.png"), 1, 4);
        image(dir.resolve("b/1.png"), 1, 5);
        IOException size = assertThrows(IOException.class, () -> ImageFolders.read(dir, 1));
        assertTrue(size.getMessage().contains("5x5") && size.getMessage().contains("4x4"), size.getMessage());
        Files.write(dir.resolve("b/1.png"), new byte[] {1, 2, 3});
        IOException notImage = assertThrows(IOException.class, () -> ImageFolders.read(dir, 1));
        assertTrue(notImage.getMessage().contains("1.png"), notImage.getMessage());
    }
}
