package org.lrp4j.image;

/**
 * Separable bilinear resampling with a triangle filter, as Pillow's {@code Image.resize(..., BILINEAR)}: output
 * pixel i has its centre at source coordinate (i + 0.5) * in / out; when enlarging this is plain bilinear
 * interpolation between the two nearest pixel centres (edges clamped); when shrinking by a factor s the triangle
 * is widened to s source pixels on each side, so every source pixel contributes (antialiasing).
 */
final class Resample {
    private Resample() {
    }

    /** Resizes one plane [h, w] to [oh, ow]. */
    static float[] resize(float[] src, int h, int w, int oh, int ow) {
        if (h == oh && w == ow) {
            return src.clone();
        }
        float[] rows = horizontal(src, h, w, ow);
        return vertical(rows, h, ow, oh);
    }

    private static float[] horizontal(float[] src, int h, int w, int ow) {
        if (w == ow) {
            return src;
        }
        Weights k = weights(w, ow);
        float[] out = new float[h * ow];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < ow; x++) {
                double s = 0;
                for (int j = 0; j < k.count[x]; j++) {
                    s += k.weight[x][j] * src[y * w + k.first[x] + j];
                }
                out[y * ow + x] = (float) s;
            }
        }
        return out;
    }

    private static float[] vertical(float[] src, int h, int w, int oh) {
        if (h == oh) {
            return src;
        }
        Weights k = weights(h, oh);
        float[] out = new float[oh * w];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int j = 0; j < k.count[y]; j++) {
                    s += k.weight[y][j] * src[(k.first[y] + j) * w + x];
                }
                out[y * w + x] = (float) s;
            }
        }
        return out;
    }

    private record Weights(int[] first, int[] count, double[][] weight) {
    }

    /** Pillow's precompute_coeffs for the bilinear filter (support 1). */
    private static Weights weights(int in, int out) {
        double scale = (double) in / out;
        double filterScale = Math.max(1.0, scale);
        double support = filterScale;
        int[] first = new int[out];
        int[] count = new int[out];
        double[][] weight = new double[out][];
        for (int i = 0; i < out; i++) {
            double center = (i + 0.5) * scale;
            int xmin = Math.max(0, (int) Math.floor(center - support + 0.5));
            int xmax = Math.min(in, (int) Math.floor(center + support + 0.5));
            double[] ws = new double[Math.max(0, xmax - xmin)];
            double total = 0;
            for (int j = 0; j < ws.length; j++) {
                double t = Math.abs((j + xmin - center + 0.5) / filterScale);
                ws[j] = Math.max(0, 1 - t);
                total += ws[j];
            }
            for (int j = 0; j < ws.length; j++) {
                ws[j] = total > 0 ? ws[j] / total : 0;
            }
            first[i] = xmin;
            count[i] = ws.length;
            weight[i] = ws;
        }
        return new Weights(first, count, weight);
    }
}
