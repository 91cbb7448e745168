package org.lrp4j.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.tensor.Tensor;

/** Image loading and preprocessing against tensors computed by hand. */
class ImagePreprocessingTest {

    @TempDir
    Path dir;

    /** A grayscale image, 8 bits, rows of values. */
    static BufferedImage gray(int[][] rows) {
        BufferedImage img = new BufferedImage(rows[0].length, rows.length, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[0].length; x++) {
                img.getRaster().setSample(x, y, 0, rows[y][x]);
            }
        }
        return img;
    }

    /** An RGB image from 0xRRGGBB rows. */
    static BufferedImage rgb(int[][] rows) {
        BufferedImage img = new BufferedImage(rows[0].length, rows.length, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[0].length; x++) {
                img.setRGB(x, y, rows[y][x]);
            }
        }
        return img;
    }

    /** A palette image (as GIF stores them) with exactly the colours of {@code rows}. */
    static BufferedImage indexed(int[][] rows) {
        int[] palette = java.util.Arrays.stream(rows).flatMapToInt(java.util.Arrays::stream).distinct().toArray();
        byte[] r = new byte[palette.length];
        byte[] g = new byte[palette.length];
        byte[] b = new byte[palette.length];
        for (int i = 0; i < palette.length; i++) {
            r[i] = (byte) (palette[i] >> 16);
            g[i] = (byte) (palette[i] >> 8);
            b[i] = (byte) palette[i];
        }
        BufferedImage img = new BufferedImage(rows[0].length, rows.length, BufferedImage.TYPE_BYTE_INDEXED,
                new java.awt.image.IndexColorModel(8, palette.length, r, g, b));
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[0].length; x++) {
                img.setRGB(x, y, rows[y][x]);
            }
        }
        return img;
    }

    Path write(BufferedImage img, String format, String name) throws Exception {
        Path p = dir.resolve(name);
        assertThat(ImageIO.write(img, format, p.toFile())).as(format).isTrue();
        return p;
    }

    static float[] values(Tensor t) {
        return t.toArray();
    }

    @Test
    void grayPngWithoutPreprocessingIsScaledToUnitRange() throws Exception {
        Path p = write(gray(new int[][] {{0, 51}, {255, 102}}), "png", "g.png");
        ImageBatch b = Preprocessing.none().load(List.of(p), 0);
        assertThat(b.input().dims()).containsExactly(1, 1, 2, 2);
        assertThat(values(b.input())).containsExactly(0f, 0.2f, 1f, 0.4f);
        assertThat(b.names()).containsExactly(p.toString());
    }

    @Test
    void everyFormatDecodesToTheSameTensor() throws Exception {
        // 8x8 in four 4x4 blocks (the JDK's GIF writer garbles images of 4x4 and smaller)
        int[] colours = {0x000000, 0x336699, 0xffffff, 0xff0000};
        int[][] px = new int[8][8];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                px[y][x] = colours[(y / 4) * 2 + x / 4];
            }
        }
        float[][] expected = {{0f, 0f, 0f}, {0.2f, 0.4f, 0.6f}, {1f, 1f, 1f}, {1f, 0f, 0f}};
        for (String fmt : new String[] {"png", "bmp", "gif"}) {
            Path p = write(fmt.equals("gif") ? indexed(px) : rgb(px), fmt, "c." + fmt);
            ImageBatch b = Preprocessing.none().load(List.of(p), 3);
            assertThat(b.input().dims()).as(fmt).containsExactly(1, 3, 8, 8);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    float[] e = expected[(y / 4) * 2 + x / 4];
                    for (int c = 0; c < 3; c++) {
                        assertThat(b.input().get(0, c, y, x)).as("%s (%d, %d) channel %d", fmt, x, y, c)
                                .isEqualTo(e[c]);
                    }
                }
            }
        }
        // JPEG is lossy: a flat 16x16 image decodes within a few levels
        int[][] flat = new int[16][16];
        for (int[] row : flat) {
            java.util.Arrays.fill(row, 0x808080);
        }
        Path j = write(rgb(flat), "jpg", "flat.jpg");
        ImageBatch b = Preprocessing.none().load(List.of(j), 0);
        assertThat(b.input().dims()).containsExactly(1, 1, 16, 16);
        for (float v : values(b.input())) {
            assertThat(v).isCloseTo(128f / 255f, within(3f / 255f));
        }
        // a colour JPEG keeps three channels
        int[][] colour = new int[16][16];
        for (int[] row : colour) {
            java.util.Arrays.fill(row, 0xc04020);
        }
        Path jc = write(rgb(colour), "jpg", "colour.jpg");
        ImageBatch c = Preprocessing.none().load(List.of(jc), 0);
        assertThat(c.input().dims()).containsExactly(1, 3, 16, 16);
        assertThat(c.input().get(0, 0, 8, 8)).isCloseTo(0xc0 / 255f, within(6f / 255f));
        assertThat(c.input().get(0, 2, 8, 8)).isCloseTo(0x20 / 255f, within(6f / 255f));
    }

    @Test
    void rgbForAGrayModelBecomesLuminanceAndGrayForAnRgbModelIsReplicated() throws Exception {
        Path colour = write(rgb(new int[][] {{0xff0000, 0x00ff00, 0x0000ff}}), "png", "rgb.png");
        ImageBatch toGray = Preprocessing.none().load(List.of(colour), 1);
        assertThat(values(toGray.input())).containsExactly(0.299f, 0.587f, 0.114f);
        ImageBatch explicitGray = Preprocessing.builder("none").color(Preprocessing.Color.GRAY).build()
                .load(List.of(colour), 3);
        assertThat(explicitGray.input().dims()).containsExactly(1, 1, 1, 3);

        Path g = write(gray(new int[][] {{51, 255}}), "png", "gray.png");
        ImageBatch toRgb = Preprocessing.none().load(List.of(g), 3);
        assertThat(toRgb.input().dims()).containsExactly(1, 3, 1, 2);
        assertThat(values(toRgb.input())).containsExactly(0.2f, 1f, 0.2f, 1f, 0.2f, 1f);
        // AUTO without a model: gray images stay gray, a colour image makes the batch RGB
        assertThat(Preprocessing.none().load(List.of(g), 0).input().dim(1)).isEqualTo(1);
        Path g3 = write(gray(new int[][] {{0, 0, 0}}), "png", "gray3.png");
        assertThat(Preprocessing.none().load(List.of(g3, colour), 0).input().dim(1)).isEqualTo(3);
    }

    @Test
    void sixteenBitGrayIsReadAsStored() throws Exception {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(0, 0, 0, 0);
        img.getRaster().setSample(1, 0, 0, 65535 / 5);
        Path p = write(img, "png", "g16.png");
        assertThat(values(Preprocessing.none().load(List.of(p), 0).input())).containsExactly(0f, 0.2f);
    }

    @Test
    void bilinearUpscalingOfTheShorterSide() throws Exception {
        // 2x2 [[0, 1], [1, 0]] to 4x4: each axis maps [a, b] to [a, .75a + .25b, .25a + .75b, b]
        Path p = write(gray(new int[][] {{0, 255}, {255, 0}}), "png", "x.png");
        ImageBatch b = Preprocessing.builder("none").resize(4).build().load(List.of(p), 1);
        assertThat(b.input().dims()).containsExactly(1, 1, 4, 4);
        float[] expected = {
            0f, .25f, .75f, 1f,
            .25f, .375f, .625f, .75f,
            .75f, .625f, .375f, .25f,
            1f, .75f, .25f, 0f};
        float[] got = values(b.input());
        for (int i = 0; i < 16; i++) {
            assertThat(got[i]).as("pixel %d", i).isCloseTo(expected[i], within(1e-6f));
        }
    }

    @Test
    void downscalingAveragesEverySourcePixel() throws Exception {
        // 4 columns [a b c d] to 2: the triangle filter widened to 2 pixels gives weights 3/7 3/7 1/7 and 1/7 3/7 3/7
        int[] cols = {0, 51, 102, 255};
        int[][] rows = new int[4][];
        for (int y = 0; y < 4; y++) {
            rows[y] = cols.clone();
        }
        Path p = write(gray(rows), "png", "d.png");
        ImageBatch b = Preprocessing.builder("none").resize(2).build().load(List.of(p), 1);
        assertThat(b.input().dims()).containsExactly(1, 1, 2, 2);
        float a = 0f;
        float bb = 0.2f;
        float c = 0.4f;
        float d = 1f;
        float left = 3f / 7 * a + 3f / 7 * bb + 1f / 7 * c;
        float right = 1f / 7 * bb + 3f / 7 * c + 3f / 7 * d;
        float[] got = values(b.input());
        assertThat(got[0]).isCloseTo(left, within(1e-6f));
        assertThat(got[1]).isCloseTo(right, within(1e-6f));
        assertThat(got[2]).isCloseTo(left, within(1e-6f));
        assertThat(got[3]).isCloseTo(right, within(1e-6f));
        // the longer side follows torchvision: floor(size * long / short)
        assertThat(Preprocessing.resizedSize(480, 640, 256)).containsExactly(256, 341);
        assertThat(Preprocessing.resizedSize(640, 480, 256)).containsExactly(341, 256);
    }

    @Test
    void centerCropRoundsHalfToEvenAndPadsWithZero() throws Exception {
        // 4 rows x 5 columns with value 10 * row + column; crop 2x2: top = round(1.0) = 1, left = round(1.5) = 2
        float[] src = new float[20];
        for (int i = 0; i < 20; i++) {
            src[i] = 10 * (i / 5) + i % 5;
        }
        assertThat(Preprocessing.centerCrop(src, 4, 5, 2, 2)).containsExactly(12f, 13f, 22f, 23f);
        // 2x2 in a 4x4 crop: one row/column of zeros on each side
        assertThat(Preprocessing.centerCrop(new float[] {1, 2, 3, 4}, 2, 2, 4, 4)).containsExactly(
                0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0);
        // through the pipeline: resize keeps a 4x4 image, crop 2 takes the centre
        int[][] rows = new int[4][4];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                rows[y][x] = 10 * (4 * y + x);
            }
        }
        Path p = write(gray(rows), "png", "c.png");
        ImageBatch b = Preprocessing.builder("none").crop(2).build().load(List.of(p), 1);
        assertThat(values(b.input())).containsExactly(50f / 255, 60f / 255, 90f / 255, 100f / 255);
    }

    @Test
    void fashionMnistPresetNormalisesWithTheDatasetMeanAndStd() throws Exception {
        int[][] rows = new int[28][28];
        rows[3][4] = 255;
        rows[10][20] = 51;
        Path p = write(gray(rows), "png", "f.png");
        ImageBatch b = Preprocessing.fashionMnist().load(List.of(p), 1);
        assertThat(b.input().dims()).containsExactly(1, 1, 28, 28);
        assertThat(b.input().get(0, 0, 0, 0)).isEqualTo((0f - 0.2860f) / 0.3530f);
        assertThat(b.input().get(0, 0, 3, 4)).isEqualTo((1f - 0.2860f) / 0.3530f);
        assertThat(b.input().get(0, 0, 10, 20)).isEqualTo((0.2f - 0.2860f) / 0.3530f);
        assertThat(b.display().get(0, 0, 10, 20)).isEqualTo(0.2f);
        // a colour photo of another size: luminance, resized and cropped to 28x28
        BufferedImage big = rgb(new int[40][60]);
        Path q = write(big, "png", "big.png");
        assertThat(Preprocessing.fashionMnist().load(List.of(q), 1).input().dims()).containsExactly(1, 1, 28, 28);
    }

    @Test
    void imagenetPresetIsTorchvisionsResize256Crop224() throws Exception {
        Preprocessing p = Preprocessing.imagenet();
        assertThat(p.resize()).isEqualTo(256);
        assertThat(p.cropHeight()).isEqualTo(224);
        int[][] px = new int[300][400];
        for (int[] row : px) {
            java.util.Arrays.fill(row, 0xffffff);
        }
        ImageBatch b = p.load(List.of(write(rgb(px), "png", "w.png")), 3);
        assertThat(b.input().dims()).containsExactly(1, 3, 224, 224);
        assertThat(b.input().get(0, 0, 100, 100)).isCloseTo((1f - 0.485f) / 0.229f, within(1e-5f));
        assertThat(b.input().get(0, 2, 100, 100)).isCloseTo((1f - 0.406f) / 0.225f, within(1e-5f));
    }

    @Test
    void zboxBoundsAreTheNormalisedAllZeroAndAllOneImages() {
        Preprocessing.Bounds f = Preprocessing.fashionMnist().bounds();
        assertThat(f.low().dims()).containsExactly(1, 1, 1);
        assertThat(f.low().getFlat(0)).isEqualTo((0f - 0.2860f) / 0.3530f);
        assertThat(f.high().getFlat(0)).isEqualTo((1f - 0.2860f) / 0.3530f);
        Preprocessing.Bounds i = Preprocessing.imagenet().bounds();
        assertThat(i.low().dims()).containsExactly(3, 1, 1);
        assertThat(values(i.low())).containsExactly((0f - 0.485f) / 0.229f, (0f - 0.456f) / 0.224f,
                (0f - 0.406f) / 0.225f);
        assertThat(values(i.high())).containsExactly((1f - 0.485f) / 0.229f, (1f - 0.456f) / 0.224f,
                (1f - 0.406f) / 0.225f);
        assertThat(values(Preprocessing.none().bounds(3).high())).containsExactly(1f, 1f, 1f);
    }

    @Test
    void explicitSettingsOverrideThePreset() {
        Preprocessing p = Preprocessing.builder("imagenet").resize(32).crop(28).mean(0.5f).std(0.25f).build();
        assertThat(p.resize()).isEqualTo(32);
        assertThat(p.cropWidth()).isEqualTo(28);
        assertThat(p.mean()).containsExactly(0.5f);
        assertThat(p.color()).isEqualTo(Preprocessing.Color.RGB);
        assertThat(p.name()).isEqualTo("imagenet+custom");
        assertThat(p.bounds().low().getFlat(2)).isEqualTo(-2f);
        assertThat(Preprocessing.builder("imagenet").color(Preprocessing.Color.GRAY).build().mean()).hasSize(1);
        assertThatThrownBy(() -> Preprocessing.preset("cifar")).hasMessageContaining("unknown preprocessing 'cifar'");
        assertThatThrownBy(() -> Preprocessing.builder("none").std(0f).build()).hasMessageContaining("std");
        assertThatThrownBy(() -> Preprocessing.builder("none").mean(1, 2).build()).hasMessageContaining("1 value");
        assertThatThrownBy(() -> Preprocessing.builder("fashion-mnist").mean(1, 2, 3).build())
                .hasMessageContaining("grayscale");
    }

    @Test
    void aFolderIsReadInNameOrderSkippingOtherFiles() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("imgs"));
        ImageIO.write(gray(new int[][] {{255}}), "png", folder.resolve("b.png").toFile());
        ImageIO.write(gray(new int[][] {{0}}), "png", folder.resolve("a.PNG").toFile());
        ImageIO.write(gray(new int[][] {{51}}), "bmp", folder.resolve("c.bmp").toFile());
        Files.writeString(folder.resolve("notes.txt"), "not an image");
        ImageBatch b = Preprocessing.none().load(List.of(folder), 1);
        assertThat(values(b.input())).containsExactly(0f, 1f, 0.2f);
        assertThat(b.names().get(0)).endsWith("a.PNG");
    }

    @Test
    void badInputsGiveOneLineErrors() throws Exception {
        Path text = dir.resolve("fake.png");
        Files.writeString(text, "this is not a PNG");
        assertThatThrownBy(() -> ImageFiles.read(text)).isInstanceOf(ImageFormatException.class)
                .hasMessage(text + " is not an image lrp4j can read (PNG, JPEG, BMP or GIF)");

        assertThatThrownBy(() -> ImageFiles.read(dir.resolve("missing.png"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Preprocessing.none().load(List.of(dir.resolve("nope")), 1))
                .isInstanceOf(NoSuchFileException.class);

        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("readme.txt"), "x");
        assertThatThrownBy(() -> Preprocessing.none().load(List.of(empty), 1)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("holds no images");

        Path truncated = dir.resolve("cut.png");
        byte[] full = Files.readAllBytes(write(gray(new int[32][32]), "png", "whole.png"));
        Files.write(truncated, java.util.Arrays.copyOf(full, full.length / 2));
        assertThatThrownBy(() -> ImageFiles.read(truncated)).isInstanceOf(ImageFormatException.class)
                .hasMessageStartingWith(truncated.toString()).hasMessageNotContaining("\n");

        Path a = write(gray(new int[2][2]), "png", "two.png");
        Path b = write(gray(new int[3][3]), "png", "three.png");
        assertThatThrownBy(() -> Preprocessing.none().load(List.of(a, b), 1))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("different sizes");
    }

    @Test
    void cmykJpegIsRejectedWithAHintToConvert() throws Exception {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        Path p = dir.resolve("cmyk.jpg");
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        File f = p.toFile();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(f)) {
            w.setOutput(out);
            w.write(null, new IIOImage(r, null, null), null);
        } finally {
            w.dispose();
        }
        assertThat(ImageFiles.jpegComponents(Files.readAllBytes(p))).isEqualTo(4);
        assertThatThrownBy(() -> ImageFiles.read(p)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("CMYK JPEG").hasMessageContaining("convert it to RGB");
        assertThat(ImageFiles.jpegComponents(Files.readAllBytes(write(rgb(new int[8][8]), "jpg", "rgb.jpg"))))
                .isEqualTo(3);
    }
}
