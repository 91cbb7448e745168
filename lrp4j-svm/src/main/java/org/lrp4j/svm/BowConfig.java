package org.lrp4j.svm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Bag-of-Words feature pipeline of images [C, H, W]:
 * <ol>
 *   <li>local features: the raw pixels (C k k values, or a histogram of gradient orientations, see
 *       {@link Descriptor}) of k x k patches on a grid with stride s (the last row and
 *       column of patches flush with the border, so that every pixel is covered); patch l's support is its pixels;</li>
 *   <li>assignment to V visual words c_d (a k-means codebook): hard, m_d(l) = 1 for the nearest word and 0 for the
 *       others, or soft, m_d(l) = exp(-beta ||f_l - c_d||^2) / sum_e exp(-beta ||f_l - c_e||^2);</li>
 *   <li>p-means pooling over the M patches: x_d = ((1/M) sum_l m_d(l)^p)^(1/p), p &gt;= 1 (p = 1 is mean pooling,
 *       large p nears max pooling).</li>
 * </ol>
 * {@code mean} and {@code std} are the input normalisation (pixel = (value - mean) / std), kept to show images.
 */
public record BowConfig(int channels, int height, int width, int patch, int stride, Descriptor descriptor, int words,
                        Assignment assignment, double beta, double p, float mean, float std) {

    /**
     * What a local feature is: {@code RAW}, the patch's C k k pixel values; {@code HOG}, per channel a histogram of
     * gradient orientations over the patch ({@link #BINS} signed bins over [0, 2 pi), each pixel's gradient
     * magnitude split linearly between its two nearest bins; gradients by central differences inside the patch,
     * one-sided at its border, so that the feature depends on the patch's pixels only).
     */
    public enum Descriptor {
        RAW, HOG;

        public static Descriptor parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "raw" -> RAW;
                case "hog" -> HOG;
                default -> throw new IllegalArgumentException("--descriptor must be raw or hog, not '" + s + "'");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Orientation bins of the HOG descriptor. */
    public static final int BINS = 8;

    /** Hard or soft assignment of local features to words. */
    public enum Assignment {
        HARD, SOFT;

        public static Assignment parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "hard" -> HARD;
                case "soft" -> SOFT;
                default -> throw new IllegalArgumentException("--assign must be hard or soft, not '" + s + "'");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public BowConfig {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("images need a positive size, not " + channels + "x" + height + "x"
                    + width);
        }
        if (patch < 1 || patch > Math.min(height, width)) {
            throw new IllegalArgumentException("--patch must be in 1.." + Math.min(height, width) + ", not " + patch);
        }
        if (descriptor == null) {
            throw new IllegalArgumentException("a descriptor is needed: raw or hog");
        }
        if (descriptor == Descriptor.HOG && patch < 2) {
            throw new IllegalArgumentException("--descriptor hog needs --patch of at least 2, not " + patch);
        }
        if (stride < 1) {
            throw new IllegalArgumentException("--stride must be at least 1, not " + stride);
        }
        if (words < 2) {
            throw new IllegalArgumentException("--words must be at least 2, not " + words);
        }
        if (!(p >= 1) || Double.isInfinite(p)) {
            throw new IllegalArgumentException("--pooling p must be a number >= 1, not " + p);
        }
        if (assignment == Assignment.SOFT && !(beta > 0) && !Double.isNaN(beta)) {
            throw new IllegalArgumentException("--beta must be > 0, not " + beta);
        }
    }

    /** A copy with another beta. */
    public BowConfig withBeta(double b) {
        return new BowConfig(channels, height, width, patch, stride, descriptor, words, assignment, b, p, mean, std);
    }

    /** Patch starts along an axis of length n: 0, s, 2s, ... and n - k. */
    static int[] starts(int n, int k, int s) {
        List<Integer> out = new ArrayList<>();
        for (int a = 0; a + k <= n; a += s) {
            out.add(a);
        }
        if (out.get(out.size() - 1) != n - k) {
            out.add(n - k);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The top-left corners (y, x) of the M patches, row by row. */
    public int[][] patches() {
        int[] ys = starts(height, patch, stride);
        int[] xs = starts(width, patch, stride);
        int[][] out = new int[ys.length * xs.length][];
        int i = 0;
        for (int y : ys) {
            for (int x : xs) {
                out[i++] = new int[] {y, x};
            }
        }
        return out;
    }

    /** Length of a local feature: C k k (raw) or C {@link #BINS} (hog). */
    public int descriptorLength() {
        return descriptor == Descriptor.RAW ? channels * patch * patch : channels * BINS;
    }

    /** Pixels in a local feature's support: C k k. */
    public int supportSize() {
        return channels * patch * patch;
    }
}
