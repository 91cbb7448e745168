package org.lrp4j.explain;

import org.lrp4j.tensor.Tensor;

/** Resizing of [N, C, H, W] maps, for upsampling class activation maps to the input size. */
public final class Resize {
    private Resize() {
    }

    /**
     * Bilinear interpolation to [N, C, outH, outW] with align_corners = False, as PyTorch's
     * {@code F.interpolate(x, size=(outH, outW), mode="bilinear", align_corners=False)}: output pixel centres map
     * to src = (dst + 0.5) * in / out - 0.5, clamped below at 0; the two neighbours are floor(src) and
     * min(floor(src) + 1, in - 1), weighted by the fractional part.
     */
    public static Tensor bilinear(Tensor x, int outH, int outW) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("bilinear resize: the input must be [N, C, H, W] but has shape "
                    + x.shape());
        }
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("bilinear resize: the output size must be positive but is " + outH
                    + "x" + outW);
        }
        int n = x.dim(0);
        int c = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int[] y0 = new int[outH];
        int[] y1 = new int[outH];
        float[] fy = new float[outH];
        axis(h, outH, y0, y1, fy);
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        float[] fx = new float[outW];
        axis(w, outW, x0, x1, fx);
        float[] src = x.data();
        int off = x.offset();
        float[] out = new float[n * c * outH * outW];
        for (int p = 0; p < n * c; p++) {
            int base = off + p * h * w;
            int ob = p * outH * outW;
            for (int i = 0; i < outH; i++) {
                int r0 = base + y0[i] * w;
                int r1 = base + y1[i] * w;
                float ly = fy[i];
                for (int j = 0; j < outW; j++) {
                    float lx = fx[j];
                    float top = (1 - lx) * src[r0 + x0[j]] + lx * src[r0 + x1[j]];
                    float bottom = (1 - lx) * src[r1 + x0[j]] + lx * src[r1 + x1[j]];
                    out[ob + i * outW + j] = (1 - ly) * top + ly * bottom;
                }
            }
        }
        return Tensor.wrap(out, n, c, outH, outW);
    }

    private static void axis(int in, int out, int[] lo, int[] hi, float[] frac) {
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            double s = Math.max(0.0, (d + 0.5) * scale - 0.5);
            int i0 = Math.min((int) Math.floor(s), in - 1);
            lo[d] = i0;
            hi[d] = Math.min(i0 + 1, in - 1);
            frac[d] = (float) (s - i0);
        }
    }
}
