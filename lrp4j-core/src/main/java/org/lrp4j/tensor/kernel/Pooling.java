package org.lrp4j.tensor.kernel;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

/** 2-D max / average / global average pooling over NCHW tensors and their gradients; parallel over N*C planes. */
public final class Pooling {
    private Pooling() {
    }

    /** Minimum input floats per parallel chunk. */
    private static final int GRAIN = 1 << 14;

    /**
     * The output and, per output element, the flat index (into the input tensor, 0-based from its offset) of the
     * chosen maximum.
     */
    public record MaxPoolResult(Tensor output, int[] argmax) {
    }

    /** The common 2x2 stride-2 unpadded pooling whose windows all lie inside the input: the fast paths' case. */
    private static boolean twoByTwo(Pool2dSpec spec, int h, int w, int oh, int ow) {
        return spec.kernelH() == 2 && spec.kernelW() == 2 && spec.strideH() == 2 && spec.strideW() == 2
                && spec.padTop() == 0 && spec.padLeft() == 0 && 2 * oh <= h && 2 * ow <= w;
    }

    /**
     * The values of {@link #maxPool} without the argmax, for inference: cheaper, as no index is tracked.
     */
    public static Tensor maxPoolValues(Tensor x, Pool2dSpec spec) {
        Shape os = spec.outputShape("maxPool", x.shape());
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = os.dim(2);
        int ow = os.dim(3);
        int planes = os.dim(0) * os.dim(1);
        float[] xd = x.data();
        int xo = x.offset();
        float[] out = new float[os.size()];
        if (!twoByTwo(spec, h, w, oh, ow)) {
            Parallel.range(planes, grain(h * w), (t0, t1) -> {
                float[] rowMax = new float[h * ow];
                for (int t = t0; t < t1; t++) {
                    maxPoolPlaneValues(xd, xo + t * h * w, h, w, out, t * oh * ow, oh, ow, rowMax, spec);
                }
            });
            return Tensor.wrap(out, os);
        }
        Parallel.range(planes, grain(h * w), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int inBase = xo + t * h * w;
                int outBase = t * oh * ow;
                for (int i = 0; i < oh; i++) {
                    int r0 = inBase + 2 * i * w;
                    int ob = outBase + i * ow;
                    for (int j = 0; j < ow; j++) {
                        int p = r0 + 2 * j;
                        out[ob + j] = Math.max(Math.max(xd[p], xd[p + 1]), Math.max(xd[p + w], xd[p + w + 1]));
                    }
                }
            }
        });
        return Tensor.wrap(out, os);
    }

    /**
     * One plane of generic max pooling, values only, separably: the maximum over each row's horizontal taps for
     * every input row once (kept in {@code rowMax}, h x ow), then over the vertical taps of each output row, whose
     * inner loops are contiguous. Padding never wins; Math.max propagates NaN.
     */
    private static void maxPoolPlaneValues(float[] x, int in, int h, int w, float[] out, int ob, int oh, int ow,
                                           float[] rowMax, Pool2dSpec spec) {
        int kw = spec.kernelW();
        int sw = spec.strideW();
        int pl = spec.padLeft();
        java.util.Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < h; r++) {
            int row = in + r * w;
            int rm = r * ow;
            for (int c = 0; c < kw; c++) {
                int off = c - pl;
                // output columns whose tap c lies inside the row: 0 <= j * sw + off < w
                int jlo = Math.max(0, Math.floorDiv(-off + sw - 1, sw));
                int jhi = Math.min(ow, Math.floorDiv(w - 1 - off, sw) + 1);
                for (int j = jlo; j < jhi; j++) {
                    rowMax[rm + j] = Math.max(rowMax[rm + j], x[row + j * sw + off]);
                }
            }
        }
        for (int i = 0; i < oh; i++) {
            int top = i * spec.strideH() - spec.padTop();
            int hs = Math.max(top, 0);
            int he = Math.min(top + spec.kernelH(), h);
            int o = ob + i * ow;
            System.arraycopy(rowMax, hs * ow, out, o, ow);
            for (int r = hs + 1; r < he; r++) {
                int rm = r * ow;
                for (int j = 0; j < ow; j++) {
                    out[o + j] = Math.max(out[o + j], rowMax[rm + j]);
                }
            }
        }
    }

    /** Max pooling; padding never wins, ties pick the first maximum in row-major window order, NaN propagates. */
    public static MaxPoolResult maxPool(Tensor x, Pool2dSpec spec) {
        Shape os = spec.outputShape("maxPool", x.shape());
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = os.dim(2);
        int ow = os.dim(3);
        int planes = os.dim(0) * os.dim(1);
        float[] xd = x.data();
        int xo = x.offset();
        float[] out = new float[os.size()];
        int[] arg = new int[os.size()];
        int kh = spec.kernelH();
        int kw = spec.kernelW();
        int sh = spec.strideH();
        int sw = spec.strideW();
        int pt = spec.padTop();
        int pl = spec.padLeft();
        if (twoByTwo(spec, h, w, oh, ow)) {
            Parallel.range(planes, grain(h * w), (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    maxPool2x2(xd, xo, t * h * w, w, out, arg, t * oh * ow, oh, ow);
                }
            });
            return new MaxPoolResult(Tensor.wrap(out, os), arg);
        }
        Parallel.range(planes, grain(h * w), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int inBase = t * h * w;
                int outBase = t * oh * ow;
                for (int i = 0; i < oh; i++) {
                    maxPoolRow(xd, xo, inBase, h, w, out, arg, outBase + i * ow, ow, i * sh - pt, kh, kw, sw, pl);
                }
            }
        });
        return new MaxPoolResult(Tensor.wrap(out, os), arg);
    }

    /**
     * One output row of generic max pooling, tap by tap across the row: each tap's pass over the row has
     * independent, branch-free steps (a data-dependent branch per tap is a coin toss on real activations and made
     * 3x3 pooling ten times slower). Taps run in row-major window order, so the first maximum (or NaN) wins.
     */
    private static void maxPoolRow(float[] x, int xo, int inBase, int h, int w, float[] out, int[] arg, int ob,
                                   int ow, int top, int kh, int kw, int sw, int pl) {
        int hs = Math.max(top, 0);
        int he = Math.min(top + kh, h);
        for (int j = 0; j < ow; j++) {
            int first = inBase + hs * w + Math.max(j * sw - pl, 0);
            out[ob + j] = x[xo + first];
            arg[ob + j] = first;
        }
        for (int r = hs; r < he; r++) {
            int row = inBase + r * w;
            for (int c = 0; c < kw; c++) {
                int off = c - pl;
                // output columns whose tap c lies inside the row: 0 <= j * sw + off < w
                int jlo = Math.max(0, Math.floorDiv(-off + sw - 1, sw));
                int jhi = Math.min(ow, Math.floorDiv(w - 1 - off, sw) + 1);
                for (int j = jlo; j < jhi; j++) {
                    int idx = row + j * sw + off;
                    float v = x[xo + idx];
                    float m = out[ob + j];
                    boolean wins = v > m | (v != v & m == m);
                    arg[ob + j] = wins ? idx : arg[ob + j];
                    out[ob + j] = Math.max(m, v);
                }
            }
        }
    }

    /**
     * The common 2x2 stride-2 unpadded case over one plane whose windows all lie inside the input: selects
     * (branch-free, about twice as fast as the generic loop on random data) the first maximum, or the first NaN.
     */
    private static void maxPool2x2(float[] x, int xo, int inBase, int w, float[] out, int[] arg, int outBase,
                                   int oh, int ow) {
        for (int i = 0; i < oh; i++) {
            int r0 = inBase + 2 * i * w;
            int ob = outBase + i * ow;
            for (int j = 0; j < ow; j++) {
                int idx = r0 + 2 * j;
                int p = xo + idx;
                // the value without a float select (a branch on random data); Math.max also propagates NaN
                out[ob + j] = Math.max(Math.max(x[p], x[p + 1]), Math.max(x[p + w], x[p + w + 1]));
                arg[ob + j] = winner2x2(x, xo, idx, w);
            }
        }
    }

    /**
     * The same as {@code maxPoolBackward(r, maxPool(x, spec).argmax(), x.shape())}: each value of r goes to the
     * first maximum of its window (the first NaN if there is one), without the pooled values.
     */
    public static Tensor maxPoolRoute(Tensor x, Tensor r, Pool2dSpec spec) {
        Shape os = spec.outputShape("maxPool route", x.shape());
        if (!r.shape().equals(os)) {
            throw new TensorShapeException("maxPool route: relevance " + r.shape() + " must have the pooled shape "
                    + os + " of input " + x.shape());
        }
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = os.dim(2);
        int ow = os.dim(3);
        if (!twoByTwo(spec, h, w, oh, ow)) {
            return maxPoolBackward(r, maxPool(x, spec).argmax(), x.shape());
        }
        int planes = os.dim(0) * os.dim(1);
        float[] xd = x.data();
        int xo = x.offset();
        float[] rd = r.data();
        int ro = r.offset();
        // the windows do not overlap: each output's relevance is stored at its winner, every other input stays 0
        float[] gx = new float[x.size()];
        Parallel.range(planes, grain(h * w), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int inBase = t * h * w;
                int outBase = t * oh * ow;
                for (int i = 0; i < oh; i++) {
                    route2x2Row(xd, xo, inBase + 2 * i * w, w, rd, ro + outBase + i * ow, ow, gx);
                }
            }
        });
        return Tensor.wrap(gx, x.shape());
    }

    /**
     * One row of 2x2 windows: all four inputs of each window are written, the relevance to the first one equal to
     * the window's maximum and +0 to the others, by masking its bits. An index store per window (the winner's)
     * took 8 ns per window, these contiguous stores 3.5 ns (bound by memory bandwidth). A NaN maximum, which
     * equals nothing, takes the exact path of {@link #winner2x2}.
     */
    private static void route2x2Row(float[] x, int xo, int r0, int w, float[] r, int rb, int ow, float[] gx) {
        for (int j = 0; j < ow; j++) {
            int idx = r0 + 2 * j;
            int p = xo + idx;
            float a = x[p];
            float b = x[p + 1];
            float c = x[p + w];
            float d = x[p + w + 1];
            float m = Math.max(Math.max(a, b), Math.max(c, d));
            float rv = r[rb + j];
            if (m != m) {
                gx[winner2x2(x, xo, idx, w)] = rv;
                continue;
            }
            int bits = Float.floatToRawIntBits(rv);
            int firstA = a == m ? -1 : 0;
            int firstB = (b == m ? -1 : 0) & ~firstA;
            int firstC = (c == m ? -1 : 0) & ~(firstA | firstB);
            int firstD = ~(firstA | firstB | firstC);
            gx[idx] = Float.intBitsToFloat(bits & firstA);
            gx[idx + 1] = Float.intBitsToFloat(bits & firstB);
            gx[idx + w] = Float.intBitsToFloat(bits & firstC);
            gx[idx + w + 1] = Float.intBitsToFloat(bits & firstD);
        }
    }

    /**
     * The index (relative to {@code xo}) of the first maximum, or first NaN, of the 2x2 window at {@code idx}:
     * selects without data-dependent branches, which on real activations are a coin toss.
     */
    private static int winner2x2(float[] x, int xo, int idx, int w) {
        int p = xo + idx;
        float a = x[p];
        float b = x[p + 1];
        float c = x[p + w];
        float d = x[p + w + 1];
        float m1 = Math.max(a, b);
        float m2 = Math.max(c, d);
        int i1 = b > a ? idx + 1 : idx;
        int i2 = d > c ? idx + w + 1 : idx + w;
        if (m1 != m1 || m2 != m2) {
            // rare: a NaN wins, the first one
            i1 = a != a ? idx : (b != b ? idx + 1 : i1);
            i2 = c != c ? idx + w : (d != d ? idx + w + 1 : i2);
        }
        boolean second = m2 > m1 || (m2 != m2 && m1 == m1);
        return second ? i2 : i1;
    }

    /** Routes each output gradient to its argmax; {@code argmax} as returned by {@link #maxPool}. */
    public static Tensor maxPoolBackward(Tensor gy, int[] argmax, Shape inputShape) {
        String op = "maxPool backward";
        if (inputShape.rank() != 4) {
            throw new TensorShapeException(op + ": input shape must have rank 4 [N, C, H, W] but was " + inputShape);
        }
        if (gy.rank() != 4 || gy.dim(0) != inputShape.dim(0) || gy.dim(1) != inputShape.dim(1)) {
            throw new TensorShapeException(op + ": output gradient must have shape [" + inputShape.dim(0) + ", "
                    + inputShape.dim(1) + ", OH, OW] (input " + inputShape + ") but has shape " + gy.shape());
        }
        if (argmax.length != gy.size()) {
            throw new TensorShapeException(op + ": argmax must have " + gy.size() + " entries (output gradient "
                    + gy.shape() + ") but has " + argmax.length);
        }
        int plane = inputShape.dim(2) * inputShape.dim(3);
        int oplane = gy.dim(2) * gy.dim(3);
        int planes = inputShape.dim(0) * inputShape.dim(1);
        float[] gx = new float[inputShape.size()];
        float[] gd = gy.data();
        int go = gy.offset();
        Parallel.range(planes, grain(plane + oplane), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int lo = t * plane;
                int hi = lo + plane;
                int ob = t * oplane;
                for (int k = 0; k < oplane; k++) {
                    int a = argmax[ob + k];
                    if (a < lo || a >= hi) {
                        throw new IllegalArgumentException(op + ": argmax[" + (ob + k) + "] = " + a
                                + " is outside its input plane [" + lo + ", " + hi + ") of " + inputShape);
                    }
                    gx[a] += gd[go + ob + k];
                }
            }
        });
        return Tensor.wrap(gx, inputShape);
    }

    public static Tensor avgPool(Tensor x, Pool2dSpec spec) {
        Shape os = spec.outputShape("avgPool", x.shape());
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = os.dim(2);
        int ow = os.dim(3);
        int planes = os.dim(0) * os.dim(1);
        float[] xd = x.data();
        int xo = x.offset();
        float[] out = new float[os.size()];
        int kh = spec.kernelH();
        int kw = spec.kernelW();
        int sh = spec.strideH();
        int sw = spec.strideW();
        int pt = spec.padTop();
        int pl = spec.padLeft();
        int hPad = h + spec.padBottom();
        int wPad = w + spec.padRight();
        boolean include = spec.countIncludePad();
        Parallel.range(planes, grain(h * w), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int inBase = xo + t * h * w;
                int outBase = t * oh * ow;
                for (int i = 0; i < oh; i++) {
                    int hs = i * sh - pt;
                    int he = Math.min(hs + kh, hPad);
                    int ph = he - hs;
                    hs = Math.max(hs, 0);
                    he = Math.min(he, h);
                    for (int j = 0; j < ow; j++) {
                        int ws = j * sw - pl;
                        int we = Math.min(ws + kw, wPad);
                        int pw = we - ws;
                        ws = Math.max(ws, 0);
                        we = Math.min(we, w);
                        float s = 0f;
                        for (int r = hs; r < he; r++) {
                            int row = inBase + r * w;
                            for (int c = ws; c < we; c++) {
                                s += xd[row + c];
                            }
                        }
                        int div = include ? ph * pw : (he - hs) * (we - ws);
                        out[outBase + i * ow + j] = s / div;
                    }
                }
            }
        });
        return Tensor.wrap(out, os);
    }

    public static Tensor avgPoolBackward(Tensor gy, Shape inputShape, Pool2dSpec spec) {
        Shape os = spec.outputShape("avgPool backward", inputShape);
        if (!os.equals(gy.shape())) {
            throw new TensorShapeException("avgPool backward: output gradient must have shape " + os + " (input "
                    + inputShape + ") but has shape " + gy.shape());
        }
        int h = inputShape.dim(2);
        int w = inputShape.dim(3);
        int oh = os.dim(2);
        int ow = os.dim(3);
        int planes = os.dim(0) * os.dim(1);
        float[] gd = gy.data();
        int go = gy.offset();
        float[] gx = new float[inputShape.size()];
        int kh = spec.kernelH();
        int kw = spec.kernelW();
        int sh = spec.strideH();
        int sw = spec.strideW();
        int pt = spec.padTop();
        int pl = spec.padLeft();
        int hPad = h + spec.padBottom();
        int wPad = w + spec.padRight();
        boolean include = spec.countIncludePad();
        Parallel.range(planes, grain(h * w), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int inBase = t * h * w;
                int outBase = go + t * oh * ow;
                for (int i = 0; i < oh; i++) {
                    int hs = i * sh - pt;
                    int he = Math.min(hs + kh, hPad);
                    int ph = he - hs;
                    hs = Math.max(hs, 0);
                    he = Math.min(he, h);
                    for (int j = 0; j < ow; j++) {
                        int ws = j * sw - pl;
                        int we = Math.min(ws + kw, wPad);
                        int pw = we - ws;
                        ws = Math.max(ws, 0);
                        we = Math.min(we, w);
                        int div = include ? ph * pw : (he - hs) * (we - ws);
                        float v = gd[outBase + i * ow + j] / div;
                        for (int r = hs; r < he; r++) {
                            int row = inBase + r * w;
                            for (int c = ws; c < we; c++) {
                                gx[row + c] += v;
                            }
                        }
                    }
                }
            }
        });
        return Tensor.wrap(gx, inputShape);
    }

    /** Mean over H and W: [N, C, H, W] -> [N, C, 1, 1]. */
    public static Tensor globalAvgPool(Tensor x) {
        if (x.rank() != 4) {
            throw new TensorShapeException("globalAvgPool: input must have rank 4 [N, C, H, W] but has shape "
                    + x.shape());
        }
        int n = x.dim(0);
        int c = x.dim(1);
        int plane = x.dim(2) * x.dim(3);
        if (plane == 0) {
            throw new TensorShapeException("globalAvgPool: spatial size must be >= 1 but input has shape "
                    + x.shape());
        }
        float[] xd = x.data();
        int xo = x.offset();
        float[] out = new float[n * c];
        Parallel.range(n * c, grain(plane), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int base = xo + t * plane;
                double s = 0;
                for (int k = 0; k < plane; k++) {
                    s += xd[base + k];
                }
                out[t] = (float) (s / plane);
            }
        });
        return Tensor.wrap(out, n, c, 1, 1);
    }

    public static Tensor globalAvgPoolBackward(Tensor gy, Shape inputShape) {
        if (inputShape.rank() != 4) {
            throw new TensorShapeException("globalAvgPool backward: input shape must have rank 4 [N, C, H, W] but was "
                    + inputShape);
        }
        Shape expect = Shape.of(inputShape.dim(0), inputShape.dim(1), 1, 1);
        if (!expect.equals(gy.shape())) {
            throw new TensorShapeException("globalAvgPool backward: output gradient must have shape " + expect
                    + " (input " + inputShape + ") but has shape " + gy.shape());
        }
        int plane = inputShape.dim(2) * inputShape.dim(3);
        float[] gd = gy.data();
        int go = gy.offset();
        float[] gx = new float[inputShape.size()];
        int planes = inputShape.dim(0) * inputShape.dim(1);
        Parallel.range(planes, grain(plane), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                float v = gd[go + t] / plane;
                java.util.Arrays.fill(gx, t * plane, (t + 1) * plane, v);
            }
        });
        return Tensor.wrap(gx, inputShape);
    }

    private static int grain(int perPlane) {
        return Math.max(1, GRAIN / Math.max(1, perPlane));
    }
}
