package org.lrp4j.viz;

import org.lrp4j.image.DecodedImage;
import org.lrp4j.image.ImageBatch;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import javax.imageio.ImageIO;

import org.lrp4j.tensor.Tensor;

/**
 * Renders relevance as heatmap images (headless Java2D).
 * <ol>
 * <li>The relevance of one image, [C, H, W] (or [H, W]), is summed over channels.</li>
 * <li>It is normalised symmetrically: v = R / s with s = max |R| (percentile 100), or s = the given percentile
 * of |R| (linear interpolation between ranks, as numpy's default), values beyond s clipped to +-1. All-zero
 * relevance stays 0.</li>
 * <li>v is mapped through a {@link ColorMap} (red positive, blue negative in the signed maps).</li>
 * <li>With an overlay, each pixel blends the colour over the grayscale of the input image g (luminance of the
 * preprocessed image in [0, 1]): {@code out = (1 - a) * 255 g + a * colour} with opacity
 * {@code a = 0.85 |v|} (v after the map's clipping), so pixels without relevance show the image itself.</li>
 * <li>Small heatmaps are enlarged by an integer factor with nearest-neighbour sampling, the smallest factor
 * that makes both sides at least {@code minSize} pixels (28x28 becomes 112x112 at the default 112).</li>
 * <li>An optional colour bar (the map from +1 at the top to -1, or 0 for unsigned maps, at the bottom) is
 * drawn to the right.</li>
 * </ol>
 */
public final class Heatmap {
    private Heatmap() {
    }

    /** Opacity of the heatmap at |v| = 1 in an overlay. */
    public static final float OVERLAY_OPACITY = 0.85f;

    /** How a heatmap is drawn. {@code percentile} in (0, 100]; {@code minSize} 1 keeps the size. */
    public record Style(ColorMap colorMap, float percentile, boolean overlay, int minSize, boolean colorBar) {
        public Style {
            if (!(percentile > 0 && percentile <= 100)) {
                throw new IllegalArgumentException("percentile must be in (0, 100], not " + percentile);
            }
            if (minSize < 1) {
                throw new IllegalArgumentException("minimum size must be at least 1 pixel");
            }
        }

        /** The percentile of |R| that gets full colour by default, everywhere (the demo, the CLI, the API). */
        public static final float DEFAULT_PERCENTILE = 99f;

        /**
         * bwr, the 99th percentile of |R| -> 1 (larger values clipped: one hot pixel does not wash out the rest), no
         * overlay, at least 112 pixels, no colour bar.
         */
        public static Style defaults() {
            return new Style(ColorMap.BWR, DEFAULT_PERCENTILE, false, 112, false);
        }

        public Style withColorMap(ColorMap m) {
            return new Style(m, percentile, overlay, minSize, colorBar);
        }

        public Style withPercentile(float p) {
            return new Style(colorMap, p, overlay, minSize, colorBar);
        }

        public Style withOverlay(boolean o) {
            return new Style(colorMap, percentile, o, minSize, colorBar);
        }

        public Style withMinSize(int s) {
            return new Style(colorMap, percentile, overlay, s, colorBar);
        }

        public Style withColorBar(boolean b) {
            return new Style(colorMap, percentile, overlay, minSize, b);
        }
    }

    /** The relevance of one image summed over channels: [C, H, W], [1, C, H, W] or [H, W] to [H * W]. */
    public static float[] sumChannels(Tensor r) {
        int[] d = plane(r);
        int hw = d[1] * d[2];
        float[] out = new float[hw];
        float[] data = r.data();
        int off = r.offset();
        for (int c = 0; c < d[0]; c++) {
            for (int i = 0; i < hw; i++) {
                out[i] += data[off + c * hw + i];
            }
        }
        return out;
    }

    /** {channels, height, width} of a relevance or image tensor of one image. */
    static int[] plane(Tensor t) {
        int[] d = t.dims();
        return switch (d.length) {
            case 2 -> new int[] {1, d[0], d[1]};
            case 3 -> new int[] {d[0], d[1], d[2]};
            case 4 -> {
                if (d[0] != 1) {
                    throw new IllegalArgumentException("expected the relevance of one image, got shape "
                            + Arrays.toString(d));
                }
                yield new int[] {d[1], d[2], d[3]};
            }
            default -> throw new IllegalArgumentException("a heatmap needs [C, H, W] or [H, W], got shape "
                    + Arrays.toString(d));
        };
    }

    /** The normalising scale: the {@code percentile} of |r| (100: the maximum). */
    public static float scale(float[] r, float percentile) {
        float[] a = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            a[i] = Float.isFinite(r[i]) ? Math.abs(r[i]) : 0f;
        }
        if (a.length == 0) {
            return 0f;
        }
        if (percentile >= 100f) {
            float m = 0f;
            for (float x : a) {
                m = Math.max(m, x);
            }
            return m;
        }
        Arrays.sort(a);
        double rank = percentile / 100.0 * (a.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(a.length - 1, lo + 1);
        return (float) (a[lo] + (rank - lo) * (a[hi] - a[lo]));
    }

    /** r / scale(r, percentile), clipped to [-1, 1]; zeros when the scale is 0. */
    public static float[] normalise(float[] r, float percentile) {
        float s = scale(r, percentile);
        float[] v = new float[r.length];
        if (s > 0) {
            for (int i = 0; i < r.length; i++) {
                v[i] = Float.isFinite(r[i]) ? Math.max(-1f, Math.min(1f, r[i] / s)) : 0f;
            }
        }
        return v;
    }

    /**
     * The heatmap of one image's relevance [C, H, W]. {@code image} ([C', H, W] in [0, 1], e.g.
     * {@link ImageBatch#image}) is needed only for the overlay and may be null otherwise.
     */
    public static BufferedImage render(Tensor relevance, Tensor image, Style style) {
        int[] d = plane(relevance);
        int h = d[1];
        int w = d[2];
        float[] v = normalise(sumChannels(relevance), style.percentile());
        BufferedImage img;
        if (style.overlay()) {
            if (image == null) {
                throw new IllegalArgumentException("an overlay needs the input image");
            }
            img = overlay(v, h, w, style.colorMap(), gray(image, h, w));
        } else {
            img = colorize(v, h, w, style.colorMap());
        }
        img = upscale(img, factor(h, w, style.minSize()));
        return style.colorBar() ? withColorBar(img, style.colorMap()) : img;
    }

    /** Normalised relevance v [h * w] through the colour map, one pixel per value. */
    public static BufferedImage colorize(float[] v, int h, int w, ColorMap map) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, map.rgb(v[y * w + x]));
            }
        }
        return img;
    }

    /** The colour of v blended over gray values g in [0, 1], opacity 0.85 |v|. */
    public static BufferedImage overlay(float[] v, int h, int w, ColorMap map, float[] g) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                float a = OVERLAY_OPACITY * Math.abs(map.clip(v[i]));
                int c = map.rgb(v[i]);
                double base = 255.0 * Math.max(0f, Math.min(1f, g[i]));
                int r = blend(base, (c >> 16) & 0xff, a);
                int gg = blend(base, (c >> 8) & 0xff, a);
                int b = blend(base, c & 0xff, a);
                img.setRGB(x, y, (r << 16) | (gg << 8) | b);
            }
        }
        return img;
    }

    private static int blend(double base, int color, float a) {
        return (int) Math.floor((1 - a) * base + a * color + 0.5);
    }

    /** The grayscale [h * w] of an image [C, H, W] in [0, 1]: the plane itself, or the luminance of RGB. */
    public static float[] gray(Tensor image, int h, int w) {
        int[] d = plane(image);
        if (d[1] != h || d[2] != w) {
            throw new IllegalArgumentException("the image is " + d[2] + "x" + d[1] + " but the relevance " + w + "x"
                    + h);
        }
        float[] data = image.data();
        int off = image.offset();
        float[] g = new float[h * w];
        for (int i = 0; i < g.length; i++) {
            g[i] = d[0] >= 3 ? DecodedImage.LUMA_R * data[off + i] + DecodedImage.LUMA_G * data[off + h * w + i]
                    + DecodedImage.LUMA_B * data[off + 2 * h * w + i] : data[off + i];
        }
        return g;
    }

    /** An image [C, H, W] (C = 1 or 3) with values in [0, 1] as an 8-bit RGB picture, enlarged like heatmaps. */
    public static BufferedImage picture(Tensor image, int minSize) {
        int[] d = plane(image);
        int h = d[1];
        int w = d[2];
        float[] data = image.data();
        int off = image.offset();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < h * w; i++) {
            int r = to8(data[off + i]);
            int g = d[0] >= 3 ? to8(data[off + h * w + i]) : r;
            int b = d[0] >= 3 ? to8(data[off + 2 * h * w + i]) : r;
            img.setRGB(i % w, i / w, (r << 16) | (g << 8) | b);
        }
        return upscale(img, factor(h, w, minSize));
    }

    private static int to8(float v) {
        return (int) Math.floor(255.0 * Math.max(0f, Math.min(1f, v)) + 0.5);
    }

    /** The smallest integer factor that makes both sides at least {@code minSize} (1 if they already are). */
    public static int factor(int h, int w, int minSize) {
        int m = Math.max(1, Math.min(h, w));
        return Math.max(1, (minSize + m - 1) / m);
    }

    /** Enlarges by an integer factor, nearest neighbour (every pixel becomes a factor x factor block). */
    public static BufferedImage upscale(BufferedImage src, int factor) {
        if (factor == 1) {
            return src;
        }
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage out = new BufferedImage(w * factor, h * factor, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w * factor];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                Arrays.fill(row, x * factor, (x + 1) * factor, src.getRGB(x, y));
            }
            for (int k = 0; k < factor; k++) {
                out.setRGB(0, y * factor + k, w * factor, 1, row, 0, w * factor);
            }
        }
        return out;
    }

    /** Width of the colour bar strip and the gap before it. */
    static final int BAR_WIDTH = 12;
    static final int BAR_GAP = 6;

    /** A vertical strip of the colour map, {@code height} pixels: +1 at the top, -1 (0 if unsigned) at the bottom. */
    public static BufferedImage colorBar(ColorMap map, int height) {
        BufferedImage bar = new BufferedImage(BAR_WIDTH, height, BufferedImage.TYPE_INT_RGB);
        float low = map.signed() ? -1f : 0f;
        for (int y = 0; y < height; y++) {
            float v = height == 1 ? 1f : 1f - (1f - low) * y / (height - 1);
            int c = map.rgb(v);
            for (int x = 0; x < BAR_WIDTH; x++) {
                bar.setRGB(x, y, c);
            }
        }
        return bar;
    }

    /** {@code img} with a colour bar (and, where fonts work, the labels +1 / 0 / -1) to its right. */
    public static BufferedImage withColorBar(BufferedImage img, ColorMap map) {
        int h = img.getHeight();
        String[] labels = map.signed() ? new String[] {"+1", "0", "-1"} : new String[] {"1", "0"};
        int labelWidth = Text.available() ? 24 : 0;
        BufferedImage out = new BufferedImage(img.getWidth() + BAR_GAP + BAR_WIDTH + labelWidth, h,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), h);
            g.drawImage(img, 0, 0, null);
            g.drawImage(colorBar(map, h), img.getWidth() + BAR_GAP, 0, null);
            if (labelWidth > 0) {
                int x = img.getWidth() + BAR_GAP + BAR_WIDTH + 3;
                Text.draw(g, labels[0], x, 0, Text.SMALL, false);
                Text.drawBottom(g, labels[labels.length - 1], x, h, Text.SMALL);
                if (labels.length == 3) {
                    Text.draw(g, labels[1], x, h / 2 - Text.lineHeight(Text.SMALL) / 2, Text.SMALL, false);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Writes a PNG, creating the parent folders. */
    public static void writePng(BufferedImage img, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available for " + file);
        }
    }
}
