package org.lrp4j.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads input images with the JDK's ImageIO (PNG, JPEG, BMP, GIF; headless). Files that are not images, CMYK
 * JPEGs (which ImageIO cannot decode) and empty folders give an {@link ImageFormatException} with a one-line
 * message. Of an animated GIF only the first frame is read; an alpha channel is ignored (the colours are taken
 * as they are, not blended over a background).
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /** File name extensions taken from a folder (case-insensitive). */
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif");

    /**
     * The image files named by {@code paths}: a file stands for itself (whatever its extension), a folder for the
     * files in it with an image extension, sorted by name (not recursive).
     */
    public static List<Path> expand(List<Path> paths) throws IOException {
        if (paths.isEmpty()) {
            throw new ImageFormatException("no image given");
        }
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                List<Path> inFolder;
                try (Stream<Path> s = Files.list(p)) {
                    inFolder = s.filter(f -> Files.isRegularFile(f) && isImageName(f))
                            .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                            .toList();
                }
                if (inFolder.isEmpty()) {
                    throw new ImageFormatException("folder " + p + " holds no images (." + String.join(", .",
                            EXTENSIONS) + ")");
                }
                files.addAll(inFolder);
            } else if (Files.exists(p)) {
                files.add(p);
            } else {
                throw new NoSuchFileException(p.toString());
            }
        }
        return files;
    }

    static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(n.substring(dot + 1));
    }

    /** Reads and decodes one image file. */
    public static DecodedImage read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        if (Files.isDirectory(file)) {
            throw new ImageFormatException(file + " is a folder, not an image");
        }
        return decode(Files.readAllBytes(file), file.toString());
    }

    /** Decodes the bytes of an image file; {@code name} appears in messages and in the result. */
    public static DecodedImage decode(byte[] bytes, String name) throws ImageFormatException {
        if (jpegComponents(bytes) == 4) {
            throw new ImageFormatException(name + " is a CMYK JPEG, which Java's ImageIO cannot decode; convert it to"
                    + " RGB first (e.g. 'convert in.jpg -colorspace sRGB out.jpg' with ImageMagick)");
        }
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new ImageFormatException(name + " is not an image lrp4j can read (PNG, JPEG, BMP or GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageFormatException(name + ": cannot decode the image (" + oneLine(e) + ")", e);
        }
        if (img == null) {
            throw new ImageFormatException(name + " is not an image lrp4j can read (PNG, JPEG, BMP or GIF)");
        }
        return fromBufferedImage(img, name);
    }

    /**
     * The pixels of {@code img} in [0, 1]. Grayscale images (a gray colour space, 8 or 16 bits) are read from the
     * raster as stored (no colour-space conversion); everything else through {@link BufferedImage#getRGB}, and
     * becomes a grayscale image when every pixel has R = G = B.
     */
    public static DecodedImage fromBufferedImage(BufferedImage img, String name) {
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster r = img.getRaster();
            float max = (float) ((1L << cm.getComponentSize(0)) - 1);
            float[] g = new float[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    g[y * w + x] = r.getSample(x, y, 0) / max;
                }
            }
            return new DecodedImage(name, w, h, new float[][] {g}, true);
        }
        float[] red = new float[w * h];
        float[] green = new float[w * h];
        float[] blue = new float[w * h];
        int[] row = new int[w];
        boolean gray = true;
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int rr = (p >> 16) & 0xff;
                int gg = (p >> 8) & 0xff;
                int bb = p & 0xff;
                gray &= rr == gg && gg == bb;
                red[y * w + x] = rr / 255f;
                green[y * w + x] = gg / 255f;
                blue[y * w + x] = bb / 255f;
            }
        }
        if (gray) {
            return new DecodedImage(name, w, h, new float[][] {red}, true);
        }
        return new DecodedImage(name, w, h, new float[][] {red, green, blue}, false);
    }

    /**
     * The number of colour components in the frame header of a JPEG (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK), or -1
     * when {@code b} is not a JPEG or has no frame header.
     */
    static int jpegComponents(byte[] b) {
        if (b.length < 4 || (b[0] & 0xff) != 0xFF || (b[1] & 0xff) != 0xD8) {
            return -1;
        }
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return -1;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                return -1;
            }
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                return i + 9 < b.length ? b[i + 9] & 0xff : -1;
            }
            i += 2 + len;
        }
        return -1;
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }
}
