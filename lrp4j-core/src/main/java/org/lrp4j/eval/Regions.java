package org.lrp4j.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The non-overlapping {@code k x k} regions of an {@code h x w} image, row-major: ceil(h/k) x ceil(w/k) regions,
 * the last row and column of regions cut by the image border. Region {@code r} covers pixels (y, x) with
 * y / k = r / cols and x / k = r % cols, in every channel. {@code k = 1} is pixel flipping.
 */
public record Regions(int height, int width, int k) {

    public Regions {
        if (k < 1) {
            throw new IllegalArgumentException("region size must be at least 1 pixel, not " + k);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size " + height + "x" + width + " has no pixels");
        }
    }

    public int rows() {
        return (height + k - 1) / k;
    }

    public int cols() {
        return (width + k - 1) / k;
    }

    /** R, the number of regions. */
    public int count() {
        return rows() * cols();
    }

    /** The number of regions perturbed at step t of T over a fraction F of them: round(t * F * R / T). */
    public static int perturbedAt(int t, int steps, double fraction, int regions) {
        return (int) Math.round((double) t * fraction * regions / steps);
    }

    /**
     * Each region's relevance summed over channels and pixels, from an attribution laid out [channels, h, w] at
     * {@code offset} (any number of channels: 1 for sensitivity and Grad-CAM, C for LRP).
     */
    public double[] scores(float[] relevance, int offset, int channels) {
        double[] s = new double[count()];
        int cols = cols();
        for (int ch = 0; ch < channels; ch++) {
            int base = offset + ch * height * width;
            for (int y = 0; y < height; y++) {
                int row = (y / k) * cols;
                for (int x = 0; x < width; x++) {
                    s[row + x / k] += relevance[base + y * width + x];
                }
            }
        }
        return s;
    }

    /** The regions by decreasing score, ties by increasing index (a stable, deterministic order). */
    public static int[] morf(double[] scores) {
        Integer[] idx = new Integer[scores.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(scores[b], scores[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[idx.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    /** The MoRF order reversed. */
    public static int[] lerf(double[] scores) {
        int[] m = morf(scores);
        int[] out = new int[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[m.length - 1 - i];
        }
        return out;
    }

    /** A uniformly random permutation of {@code n} regions (Fisher-Yates) from {@code rng}. */
    public static int[] random(int n, SplittableRandom rng) {
        return org.lrp4j.train.Trainer.permutation(n, rng);
    }

    /**
     * Copies region {@code r} of {@code replacement} ([c, h, w] from 0) into {@code image} ([c, h, w] from
     * {@code offset}).
     */
    public void perturb(int r, float[] image, int offset, int channels, float[] replacement) {
        int y0 = (r / cols()) * k;
        int x0 = (r % cols()) * k;
        int y1 = Math.min(height, y0 + k);
        int x1 = Math.min(width, x0 + k);
        for (int ch = 0; ch < channels; ch++) {
            int plane = ch * height * width;
            for (int y = y0; y < y1; y++) {
                int at = plane + y * width;
                System.arraycopy(replacement, at + x0, image, offset + at + x0, x1 - x0);
            }
        }
    }
}
