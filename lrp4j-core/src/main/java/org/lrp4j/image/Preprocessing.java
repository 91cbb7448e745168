package org.lrp4j.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.lrp4j.tensor.Tensor;

/**
 * The preprocessing pipeline that turns image files into a model input [N, C, H, W]. In order:
 * <ol>
 * <li>decode ({@link ImageFiles}), values scaled to [0, 1] (8-bit: v / 255);</li>
 * <li>colour: {@link Color#GRAY} (RGB becomes luminance 0.299 R + 0.587 G + 0.114 B), {@link Color#RGB}
 * (a grayscale image is replicated to three channels), or {@link Color#AUTO} (the model's channel count, or
 * grayscale when every image is gray and RGB otherwise);</li>
 * <li>resize so that the shorter side is {@code resize} pixels, the longer one {@code floor(resize * long /
 * short)} (torchvision's {@code Resize(int)}), with a bilinear (triangle) filter that is widened when
 * shrinking so that it averages every source pixel (Pillow's antialiased bilinear); 0 keeps the size;</li>
 * <li>center crop to {@code cropHeight x cropWidth}, offsets {@code round((H - h) / 2)} rounding half to even
 * (torchvision's {@code CenterCrop}); a crop larger than the image pads it with 0 (black); 0 keeps the size;</li>
 * <li>normalise each channel c: {@code (v - mean[c]) / std[c]} (one value applies to every channel).</li>
 * </ol>
 * Presets: {@code imagenet} (torchvision's convention: shorter side 256, center crop 224, RGB, mean
 * 0.485/0.456/0.406, std 0.229/0.224/0.225), {@code fashion-mnist} (shorter side 28, crop 28x28, grayscale,
 * mean 0.2860, std 0.3530, as {@code lrp4j train} normalises), {@code none} (only the scaling to [0, 1]; size
 * kept; colour AUTO). {@link #builder(String)} starts from a preset and overrides single settings.
 *
 * <p>{@link #bounds(int)} gives the box of all possible inputs, the normalised images of all-0 and all-1 pixels,
 * which are the bounds the zbox rule needs for the first layer.
 */
public record Preprocessing(String name, int resize, int cropHeight, int cropWidth, Color color, float[] mean,
                            float[] std) {

    /** The colour handling of step 2. */
    public enum Color {
        GRAY, RGB, AUTO
    }

    public static final List<String> PRESETS = List.of("imagenet", "fashion-mnist", "none");

    public Preprocessing {
        if (resize < 0 || cropHeight < 0 || cropWidth < 0) {
            throw new IllegalArgumentException("resize and crop must be positive (or 0 to keep the size)");
        }
        if ((cropHeight == 0) != (cropWidth == 0)) {
            throw new IllegalArgumentException("give both crop height and width, or neither");
        }
        mean = mean.clone();
        std = std.clone();
        if (mean.length == 0 || std.length == 0 || mean.length > 3 || std.length > 3 || mean.length == 2
                || std.length == 2) {
            throw new IllegalArgumentException("mean and std take 1 value (every channel) or 3 (R, G, B)");
        }
        if (color == Color.GRAY && (mean.length == 3 || std.length == 3)) {
            throw new IllegalArgumentException("a grayscale pipeline takes one mean and one std, not three");
        }
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("std must be positive, not " + s);
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("mean must be finite, not " + m);
            }
        }
    }

    public static Preprocessing imagenet() {
        return new Preprocessing("imagenet", 256, 224, 224, Color.RGB, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f});
    }

    public static Preprocessing fashionMnist() {
        return new Preprocessing("fashion-mnist", 28, 28, 28, Color.GRAY, new float[] {0.2860f},
                new float[] {0.3530f});
    }

    public static Preprocessing none() {
        return new Preprocessing("none", 0, 0, 0, Color.AUTO, new float[] {0f}, new float[] {1f});
    }

    /** A preset by name: imagenet, fashion-mnist or none. */
    public static Preprocessing preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "imagenet" -> imagenet();
            case "fashion-mnist" -> fashionMnist();
            case "none" -> none();
            default -> throw new IllegalArgumentException("unknown preprocessing '" + name + "'; presets: " + PRESETS);
        };
    }

    /**
     * The pipeline a model's input calls for: fashion-mnist for 1 x 28 x 28, imagenet for 3 x 224 x 224, else
     * none, resized and cropped to the model's size when it is known ({@code chw} = {C, H, W} with -1 for unknown
     * entries, or null).
     */
    public static Builder autoBuilder(int[] chw) {
        if (chw != null && chw[0] == 1 && chw[1] == 28 && chw[2] == 28) {
            return builder("fashion-mnist");
        }
        if (chw != null && chw[0] == 3 && chw[1] == 224 && chw[2] == 224) {
            return builder("imagenet");
        }
        Builder b = builder("none");
        if (chw != null && chw[1] > 0 && chw[2] > 0) {
            b.resize(Math.min(chw[1], chw[2])).crop(chw[1], chw[2]);
        }
        return b;
    }

    /** A builder starting from a preset. */
    public static Builder builder(String preset) {
        return new Builder(preset(preset));
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    /** The channel count for a model taking {@code modelChannels} (0 if unknown) and the given images. */
    public int channels(int modelChannels, List<DecodedImage> images) {
        return switch (color) {
            case GRAY -> 1;
            case RGB -> 3;
            case AUTO -> modelChannels > 0 ? modelChannels
                    : images.stream().allMatch(DecodedImage::gray) ? 1 : 3;
        };
    }

    /** The channels of a pipeline with fixed colour (GRAY: 1, RGB: 3); AUTO needs {@link #channels(int, List)}. */
    public int channels() {
        if (color == Color.AUTO) {
            throw new IllegalStateException("pipeline '" + name + "' takes its channel count from the model or the"
                    + " images; use channels(modelChannels, images)");
        }
        return color == Color.GRAY ? 1 : 3;
    }

    /** The bounds of all inputs: normalised all-0 and all-1 images, each [C, 1, 1]. */
    public record Bounds(Tensor low, Tensor high) {
    }

    /** The zbox bounds for a pipeline with fixed colour. */
    public Bounds bounds() {
        return bounds(channels());
    }

    /** The zbox bounds for {@code c} channels: low = (0 - mean) / std, high = (1 - mean) / std per channel. */
    public Bounds bounds(int c) {
        float[] lo = new float[c];
        float[] hi = new float[c];
        for (int i = 0; i < c; i++) {
            lo[i] = (0f - meanOf(i, c)) / stdOf(i, c);
            hi[i] = (1f - meanOf(i, c)) / stdOf(i, c);
        }
        return new Bounds(Tensor.wrap(lo, c, 1, 1), Tensor.wrap(hi, c, 1, 1));
    }

    private float meanOf(int channel, int c) {
        return value(mean, channel, c, "mean");
    }

    private float stdOf(int channel, int c) {
        return value(std, channel, c, "std");
    }

    private static float value(float[] v, int channel, int c, String what) {
        if (v.length == 1) {
            return v[0];
        }
        if (v.length != c) {
            throw new IllegalArgumentException(what + " has " + v.length + " values but the images have " + c
                    + " channel(s)");
        }
        return v[channel];
    }

    /** Reads the files (see {@link ImageFiles#expand}) and applies the pipeline. */
    public ImageBatch load(List<Path> paths, int modelChannels) throws IOException {
        List<DecodedImage> images = new ArrayList<>();
        for (Path p : ImageFiles.expand(paths)) {
            images.add(ImageFiles.read(p));
        }
        return apply(images, modelChannels);
    }

    /**
     * Applies the pipeline to decoded images. {@code modelChannels} (0 if unknown) decides the colour in AUTO
     * mode. Every image must come out with the same size.
     */
    public ImageBatch apply(List<DecodedImage> images, int modelChannels) throws ImageFormatException {
        if (images.isEmpty()) {
            throw new ImageFormatException("no image given");
        }
        int c = channels(modelChannels, images);
        meanOf(0, c);
        stdOf(0, c);
        List<float[][]> planes = new ArrayList<>();
        int h = -1;
        int w = -1;
        String first = null;
        for (DecodedImage img : images) {
            DecodedImage im = img.withChannels(c);
            int ih = im.height();
            int iw = im.width();
            float[][] p = im.planes();
            if (resize > 0) {
                int[] size = resizedSize(ih, iw, resize);
                float[][] q = new float[c][];
                for (int k = 0; k < c; k++) {
                    q[k] = Resample.resize(p[k], ih, iw, size[0], size[1]);
                }
                p = q;
                ih = size[0];
                iw = size[1];
            }
            if (cropHeight > 0) {
                float[][] q = new float[c][];
                for (int k = 0; k < c; k++) {
                    q[k] = centerCrop(p[k], ih, iw, cropHeight, cropWidth);
                }
                p = q;
                ih = cropHeight;
                iw = cropWidth;
            }
            if (h < 0) {
                h = ih;
                w = iw;
                first = img.name();
            } else if (h != ih || w != iw) {
                throw new ImageFormatException("images of different sizes: " + first + " is " + w + "x" + h + " but "
                        + img.name() + " is " + iw + "x" + ih + " after preprocessing '" + name
                        + "'; give --resize and --crop (or a preset) to bring them to one size");
            }
            planes.add(p);
        }
        int n = images.size();
        int per = c * h * w;
        float[] display = new float[n * per];
        float[] input = new float[n * per];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                float m = meanOf(k, c);
                float s = stdOf(k, c);
                float[] src = planes.get(i)[k];
                int off = i * per + k * h * w;
                for (int j = 0; j < h * w; j++) {
                    display[off + j] = src[j];
                    input[off + j] = (src[j] - m) / s;
                }
            }
        }
        List<String> names = images.stream().map(DecodedImage::name).toList();
        return new ImageBatch(Tensor.wrap(input, n, c, h, w), Tensor.wrap(display, n, c, h, w), names, this,
                bounds(c));
    }

    /** torchvision's Resize(size): the shorter side becomes {@code size}, the longer one is scaled and floored. */
    static int[] resizedSize(int h, int w, int size) {
        if (h <= w) {
            return new int[] {size, (int) ((long) size * w / h)};
        }
        return new int[] {(int) ((long) size * h / w), size};
    }

    /** torchvision's CenterCrop: offset round((H - h) / 2) (half to even), padding with 0 when the crop is larger. */
    static float[] centerCrop(float[] src, int h, int w, int ch, int cw) {
        int top = ch <= h ? (int) Math.rint((h - ch) / 2.0) : -((ch - h) / 2);
        int left = cw <= w ? (int) Math.rint((w - cw) / 2.0) : -((cw - w) / 2);
        float[] out = new float[ch * cw];
        for (int y = 0; y < ch; y++) {
            int sy = y + top;
            if (sy < 0 || sy >= h) {
                continue;
            }
            for (int x = 0; x < cw; x++) {
                int sx = x + left;
                if (sx >= 0 && sx < w) {
                    out[y * cw + x] = src[sy * w + sx];
                }
            }
        }
        return out;
    }

    /** One line describing the pipeline, e.g. for {@code --help} and logs. */
    public String describe() {
        StringBuilder b = new StringBuilder(name).append(": ");
        b.append(resize > 0 ? "resize shorter side to " + resize : "keep size");
        b.append(cropHeight > 0 ? ", center crop " + cropWidth + "x" + cropHeight : "");
        b.append(", ").append(color.name().toLowerCase(Locale.ROOT));
        b.append(", scale to [0,1], mean ").append(Arrays.toString(mean)).append(" std ").append(Arrays.toString(std));
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && name.equals(p.name) && resize == p.resize && cropHeight == p.cropHeight
                && cropWidth == p.cropWidth && color == p.color && Arrays.equals(mean, p.mean)
                && Arrays.equals(std, p.std);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, resize, cropHeight, cropWidth, color, Arrays.hashCode(mean),
                Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Overrides single settings of a preset; {@link #build} validates. */
    public static final class Builder {
        private String name;
        private int resize;
        private int cropHeight;
        private int cropWidth;
        private Color color;
        private float[] mean;
        private float[] std;
        private boolean changed;

        private Builder(Preprocessing p) {
            name = p.name;
            resize = p.resize;
            cropHeight = p.cropHeight;
            cropWidth = p.cropWidth;
            color = p.color;
            mean = p.mean;
            std = p.std;
        }

        /** Shorter side in pixels; 0 keeps the size. */
        public Builder resize(int shorterSide) {
            resize = shorterSide;
            changed = true;
            return this;
        }

        /** Square center crop; 0 keeps the size. */
        public Builder crop(int size) {
            return crop(size, size);
        }

        public Builder crop(int height, int width) {
            cropHeight = height;
            cropWidth = width;
            changed = true;
            return this;
        }

        public Builder color(Color c) {
            color = c;
            changed = true;
            if (c == Color.GRAY && mean.length == 3 && std.length == 3) {
                // e.g. imagenet --gray: average the per-channel values instead of failing
                mean = new float[] {(mean[0] + mean[1] + mean[2]) / 3f};
                std = new float[] {(std[0] + std[1] + std[2]) / 3f};
            }
            return this;
        }

        public Builder mean(float... values) {
            mean = values.clone();
            changed = true;
            return this;
        }

        public Builder std(float... values) {
            std = values.clone();
            changed = true;
            return this;
        }

        public Preprocessing build() {
            return new Preprocessing(changed && !name.endsWith("+custom") ? name + "+custom" : name, resize, cropHeight,
                    cropWidth, color, mean, std);
        }
    }
}
