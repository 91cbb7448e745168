package org.lrp4j.tensor.kernel;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

/**
 * 2-D convolution over NCHW tensors (cross-correlation, as in PyTorch and ONNX) and its gradients.
 *
 * <p>Strategy: im2col + {@link Sgemm}. The output positions of all images form N * OH * OW columns; they are
 * processed in blocks of a few hundred to a few thousand columns, sized by a column-buffer budget. Small feature
 * maps are batched (a block holds several whole images, so the GEMM is wide even for 7x7 maps); large ones are
 * tiled within one image so the column block stays in cache. Per block and group, the column matrix
 * {@code col[K, cols]} (K = C/groups * kH * kW) is built in parallel over its rows and the GEMM parallelises
 * itself: forward {@code Y = W x col}, backwardInput {@code col = W^T x gy} then col2im (a scatter-add, parallel
 * over input planes, so race-free), backwardWeight {@code gW += gy x col^T} over all blocks. When a block is one
 * image the GEMM reads and writes the tensors in place; a batched block goes through a small staging buffer.
 * 1x1 stride-1 unpadded convolutions skip im2col entirely (the input planes are the column matrix), depthwise
 * convolutions (one input channel per group) use direct loops, parallel over planes, and 3x3 stride-1 ones with
 * enough channels and output tiles, forward and transposed, use {@link Winograd} F(2x2, 3x3) (4/9 of the
 * multiply-adds); the choice is {@code Geom.winograd}.
 */
public final class Conv2d {
    private Conv2d() {
    }

    /**
     * Column-buffer budget (floats) of forward: 4 MB, so the column block and the GEMM's packed
     * copy of it stay in the last-level cache (measured faster than one big block despite more GEMM calls).
     */
    private static final long FORWARD_CAP = 1L << 20;
    /** Column-buffer budget of backwardWeight (2 MB); measured slightly faster than the forward budget. */
    private static final long WEIGHT_CAP = 1L << 19;
    /** Column-buffer budget of backwardInput (32 MB): there the GEMM repacks W per call, so fewer, wider calls win. */
    private static final long LARGE_CAP = 8L << 20;
    /** A block has at least this many columns (whatever the budget) so the GEMM's packing of W is amortised. */
    private static final int MIN_COLS = 512;
    /** Minimum floats per parallel chunk of the copy loops. */
    private static final int COPY_GRAIN = 1 << 14;

    // ------------------------------------------------------------------ public API

    public static Tensor forward(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec) {
        return forward(x, w, bias, spec, FORWARD_CAP, MIN_COLS);
    }

    /** Gradient w.r.t. the input = transposed convolution of gy with w. */
    public static Tensor backwardInput(Tensor gy, Tensor w, Shape inputShape, Conv2dSpec spec) {
        return backwardInput(gy, w, inputShape, spec, LARGE_CAP, MIN_COLS);
    }

    /** Gradient w.r.t. the weight. */
    public static Tensor backwardWeight(Tensor x, Tensor gy, Shape weightShape, Conv2dSpec spec) {
        return backwardWeight(x, gy, weightShape, spec, WEIGHT_CAP, MIN_COLS);
    }

    // The variants below take the block plan's budget (floats) and minimum block width; tests use tiny values to
    // force image tiling and multi-image batching on small inputs.

    static Tensor forward(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, long cap, int minCols) {
        Shape os = spec.outputShape(x.shape(), w.shape());
        Geom g = new Geom(x.shape(), w.shape(), os, spec, cap, minCols);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != g.cout)) {
            throw new TensorShapeException("conv2d: bias must have shape [" + g.cout + "] but has shape "
                    + bias.shape());
        }
        float[] out = new float[os.size()];
        float[] xd = x.data();
        int xo = x.offset();
        float[] wd = w.data();
        int wo = w.offset();
        if (g.depthwise()) {
            depthwiseForward(g, xd, xo, wd, wo, out);
        } else if (g.winograd(false)) {
            Winograd.convolve(Winograd.weights(wd, wo, g.cout, g.c, false), xd, xo, g.n, g.c, g.h, g.w, g.pt, g.pl,
                    out, g.cout, g.oh, g.ow);
        } else if (g.pointwiseDirect()) {
            for (int n = 0; n < g.n; n++) {
                for (int gi = 0; gi < g.groups; gi++) {
                    Sgemm.gemm(false, false, g.cog, g.p, g.kdim, 1f, wd, wo + gi * g.cog * g.kdim, g.kdim,
                            xd, xo + (n * g.c + gi * g.cg) * g.p, g.p,
                            0f, out, (n * g.cout + gi * g.cog) * g.p, g.p);
                }
            }
        } else {
            PreparedA[] pw = preparedWeights(g, false, wd, wo);
            forEachBlock(g, (gi, n0, n1, p0, p1, bc, col, tmp) -> {
                im2col(g, xd, xo, gi, n0, n1, p0, p1, col);
                if (n1 - n0 == 1) {
                    timesWeights(pw[gi], bc, col, 0, bc, out, (n0 * g.cout + gi * g.cog) * g.p + p0, g.p);
                } else {
                    timesWeights(pw[gi], bc, col, 0, bc, tmp, 0, bc);
                    unstage(g, tmp, out, 0, gi, n0, n1);
                }
            });
        }
        if (bias != null) {
            addBias(g, out, bias.data(), bias.offset());
        }
        return Tensor.wrap(out, os);
    }

    static Tensor backwardInput(Tensor gy, Tensor w, Shape inputShape, Conv2dSpec spec, long cap, int minCols) {
        Shape os = spec.outputShape(inputShape, w.shape());
        requireShape("conv2d backwardInput", "output gradient", os, gy.shape());
        Geom g = new Geom(inputShape, w.shape(), os, spec, cap, minCols);
        float[] gx = new float[inputShape.size()];
        float[] gd = gy.data();
        int go = gy.offset();
        float[] wd = w.data();
        int wo = w.offset();
        if (g.depthwise()) {
            depthwiseBackwardInput(g, gd, go, wd, wo, gx);
            return Tensor.wrap(gx, inputShape);
        }
        if (g.winograd(true)) {
            // the transposed 3x3 stride-1 convolution is one too: kernels rotated, channels swapped, padding 2 - p
            Winograd.convolve(Winograd.weights(wd, wo, g.cout, g.c, true), gd, go, g.n, g.cout, g.oh, g.ow,
                    2 - g.pt, 2 - g.pl, gx, g.c, g.h, g.w);
            return Tensor.wrap(gx, inputShape);
        }
        if (g.pointwiseDirect()) {
            for (int n = 0; n < g.n; n++) {
                for (int gi = 0; gi < g.groups; gi++) {
                    Sgemm.gemm(true, false, g.kdim, g.p, g.cog, 1f, wd, wo + gi * g.cog * g.kdim, g.kdim,
                            gd, go + (n * g.cout + gi * g.cog) * g.p, g.p,
                            0f, gx, (n * g.c + gi * g.cg) * g.p, g.p);
                }
            }
            return Tensor.wrap(gx, inputShape);
        }
        PreparedA[] pw = preparedWeights(g, true, wd, wo);
        forEachBlock(g, (gi, n0, n1, p0, p1, bc, col, tmp) -> {
            if (n1 - n0 == 1) {
                timesWeights(pw[gi], bc, gd, go + (n0 * g.cout + gi * g.cog) * g.p + p0, g.p, col, 0, bc);
            } else {
                stage(g, gd, go, tmp, gi, n0, n1);
                timesWeights(pw[gi], bc, tmp, 0, bc, col, 0, bc);
            }
            col2im(g, col, gx, gi, n0, n1, p0, p1);
        });
        return Tensor.wrap(gx, inputShape);
    }

    static Tensor backwardWeight(Tensor x, Tensor gy, Shape weightShape, Conv2dSpec spec, long cap, int minCols) {
        Shape os = spec.outputShape(x.shape(), weightShape);
        requireShape("conv2d backwardWeight", "output gradient", os, gy.shape());
        Geom g = new Geom(x.shape(), weightShape, os, spec, cap, minCols);
        float[] gw = new float[weightShape.size()];
        float[] xd = x.data();
        int xo = x.offset();
        float[] gd = gy.data();
        int go = gy.offset();
        if (g.depthwise()) {
            depthwiseBackwardWeight(g, xd, xo, gd, go, gw);
            return Tensor.wrap(gw, weightShape);
        }
        if (g.pointwiseDirect()) {
            for (int gi = 0; gi < g.groups; gi++) {
                for (int n = 0; n < g.n; n++) {
                    Sgemm.gemm(false, true, g.cog, g.kdim, g.p, 1f, gd, go + (n * g.cout + gi * g.cog) * g.p, g.p,
                            xd, xo + (n * g.c + gi * g.cg) * g.p, g.p,
                            n == 0 ? 0f : 1f, gw, gi * g.cog * g.kdim, g.kdim);
                }
            }
            return Tensor.wrap(gw, weightShape);
        }
        forEachBlock(g, (gi, n0, n1, p0, p1, bc, col, tmp) -> {
            im2col(g, xd, xo, gi, n0, n1, p0, p1, col);
            // the first block of each group overwrites its weight gradient, the others add to it
            float beta = n0 == 0 && p0 == 0 ? 0f : 1f;
            if (n1 - n0 == 1) {
                Sgemm.gemm(false, true, g.cog, g.kdim, bc, 1f,
                        gd, go + (n0 * g.cout + gi * g.cog) * g.p + p0, g.p,
                        col, 0, bc, beta, gw, gi * g.cog * g.kdim, g.kdim);
            } else {
                stage(g, gd, go, tmp, gi, n0, n1);
                Sgemm.gemm(false, true, g.cog, g.kdim, bc, 1f, tmp, 0, bc,
                        col, 0, bc, beta, gw, gi * g.cog * g.kdim, g.kdim);
            }
        });
        return Tensor.wrap(gw, weightShape);
    }

    /** Gradient w.r.t. the bias: sum of gy over N, H, W -> [Cout]. */
    public static Tensor backwardBias(Tensor gy) {
        if (gy.rank() != 4) {
            throw new TensorShapeException("conv2d backwardBias: output gradient must have rank 4 [N, Cout, OH, OW]"
                    + " but has shape " + gy.shape());
        }
        int n = gy.dim(0);
        int cout = gy.dim(1);
        int plane = gy.dim(2) * gy.dim(3);
        float[] d = gy.data();
        int off = gy.offset();
        float[] out = new float[cout];
        Parallel.range(cout, Math.max(1, COPY_GRAIN / Math.max(1, n * plane)), (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    int base = off + (i * cout + c) * plane;
                    float part = 0f;
                    for (int k = 0; k < plane; k++) {
                        part += d[base + k];
                    }
                    s += part;
                }
                out[c] = (float) s;
            }
        });
        return Tensor.wrap(out, cout);
    }

    /**
     * Weights up to this many floats per group (1 MB, a core's L2) are packed once per call; larger ones are
     * packed block by block inside the GEMM, where each packed block is used while it is in cache (packing 9 MB of
     * VGG16's 512-channel weights up front made the forward pass slower, measured).
     */
    private static final long PREPARE_MAX = 1L << 18;

    /**
     * Each group's weights as the left GEMM operand: W [cog, kdim] for the forward pass, W^T [kdim, cog] for the
     * transposed one. Prepared (packed) once when the plan multiplies them by two or more column blocks and they
     * fit {@link #PREPARE_MAX}, so the GEMM does not pack them again for every block; the products are the same
     * to the bit.
     */
    private static PreparedA[] preparedWeights(Geom g, boolean transposed, float[] wd, int wo) {
        boolean several = g.blocksPerGroup() >= 2 && (long) g.cog * g.kdim <= PREPARE_MAX;
        PreparedA[] p = new PreparedA[g.groups];
        for (int gi = 0; gi < g.groups; gi++) {
            int off = wo + gi * g.cog * g.kdim;
            p[gi] = transposed
                    ? several ? Sgemm.prepare(true, g.kdim, g.cog, wd, off, g.kdim)
                            : new PreparedA(true, g.kdim, g.cog, wd, off, g.kdim, null)
                    : several ? Sgemm.prepare(false, g.cog, g.kdim, wd, off, g.kdim)
                            : new PreparedA(false, g.cog, g.kdim, wd, off, g.kdim, null);
        }
        return p;
    }

    /** C[.., cols] = op(W) B for one column block, with the group's prepared weights. */
    private static void timesWeights(PreparedA w, int cols, float[] b, int bOff, int ldb, float[] c, int cOff,
                                     int ldc) {
        Sgemm.gemm(w, false, cols, 1f, b, bOff, ldb, 0f, c, cOff, ldc);
    }

    // ------------------------------------------------------------------ geometry

    /** Sizes of one convolution and its block plan. */
    private static final class Geom {
        final int n;
        final int c;
        final int h;
        final int w;
        final int cout;
        final int kh;
        final int kw;
        final int oh;
        final int ow;
        final int groups;
        final int cg;
        final int cog;
        /** Rows of the column matrix: C/groups * kH * kW. */
        final int kdim;
        /** Output positions per image: OH * OW. */
        final int p;
        final int sh;
        final int sw;
        final int pt;
        final int pl;
        final int pbot;
        final int pr;
        final int dh;
        final int dw;
        /** Images per block (> 1 only when a block holds whole images). */
        final int nb;
        /** Output positions per block and image (P unless an image is tiled). */
        final int pb;
        final int minCols;

        Geom(Shape in, Shape wt, Shape out, Conv2dSpec s, long cap, int minCols) {
            n = in.dim(0);
            c = in.dim(1);
            h = in.dim(2);
            w = in.dim(3);
            cout = wt.dim(0);
            kh = wt.dim(2);
            kw = wt.dim(3);
            oh = out.dim(2);
            ow = out.dim(3);
            groups = s.groups();
            cg = c / groups;
            cog = cout / groups;
            kdim = cg * kh * kw;
            p = oh * ow;
            sh = s.strideH();
            sw = s.strideW();
            pt = s.padTop();
            pl = s.padLeft();
            pbot = s.padBottom();
            pr = s.padRight();
            dh = s.dilationH();
            dw = s.dilationW();
            this.minCols = Math.max(1, minCols);
            long target = Math.max(this.minCols, cap / Math.max(1, kdim));
            if (p >= target) {
                // tile each image into balanced blocks of about `target` positions
                nb = 1;
                long tiles = (p + target - 1) / target;
                pb = (int) ((p + tiles - 1) / tiles);
            } else {
                // batch whole images so the GEMM is wide even for small feature maps
                nb = (int) Math.max(1, Math.min(n, target / Math.max(1, p)));
                pb = p;
            }
            if ((long) kdim * nb * pb > Integer.MAX_VALUE - 8 || (long) cog * nb * pb > Integer.MAX_VALUE - 8) {
                throw new TensorShapeException("conv2d: column matrix too large for input " + in + " and weight "
                        + wt);
            }
        }

        /**
         * Whether positions [p0, p1) of a plane can be handled as shifted copies of the input plane: stride 1,
         * as many output as input columns, and whole output rows.
         */
        boolean shiftedPlanes(int p0, int p1) {
            return sh == 1 && sw == 1 && ow == w && p0 % ow == 0 && p1 % ow == 0;
        }

        int blockCols() {
            return nb * pb;
        }

        /** Column blocks per group: image blocks times position blocks. */
        long blocksPerGroup() {
            return (long) ceilDiv(n, nb) * ceilDiv(p, pb);
        }

        /** 1x1 kernel, stride 1, no padding: the input planes are the column matrix. */
        boolean pointwise() {
            return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && pbot == 0 && pr == 0;
        }

        /** Pointwise and each image's GEMM is wide enough on its own: run one GEMM per image on the tensors. */
        boolean pointwiseDirect() {
            return pointwise() && (nb == 1 || p >= minCols);
        }

        /**
         * A 3x3 stride-1 undilated ungrouped convolution (padding at most 2 on each side, so its transpose is one
         * too) with enough channels and tiles for {@link Winograd} to pay off: for the forward pass, or for the
         * transposed one (the input gradient), where the channel roles and the map sizes swap.
         */
        boolean winograd(boolean transposed) {
            boolean shape = kh == 3 && kw == 3 && sh == 1 && sw == 1 && dh == 1 && dw == 1 && groups == 1
                    && pt >= 0 && pt <= 2 && pl >= 0 && pl <= 2 && pbot >= 0 && pbot <= 2 && pr >= 0 && pr <= 2;
            return shape && (transposed ? Winograd.applies(cout, c, Winograd.tiles(n, h, w))
                    : Winograd.applies(c, cout, Winograd.tiles(n, oh, ow)));
        }

        /** Depthwise (one input channel per group, any channel multiplier): direct loops beat tiny GEMMs. */
        boolean depthwise() {
            return groups > 1 && cg == 1;
        }
    }

    private static void requireShape(String op, String what, Shape expected, Shape actual) {
        if (!expected.equals(actual)) {
            throw new TensorShapeException(op + ": " + what + " must have shape " + expected + " but has shape "
                    + actual);
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    // ------------------------------------------------------------------ column blocks, im2col / col2im

    /** One column block: group gi, images [n0, n1), positions [p0, p1) of each, bc columns in all. */
    @FunctionalInterface
    private interface BlockBody {
        void run(int gi, int n0, int n1, int p0, int p1, int bc, float[] col, float[] tmp);
    }

    /**
     * Runs {@code body} over the column blocks of the plan in {@code g}, in order (group, image block, position
     * block), with the column and staging arrays leased once for all blocks.
     */
    private static void forEachBlock(Geom g, BlockBody body) {
        int cols = g.blockCols();
        try (Scratch.Lease colLease = Scratch.lease(Scratch.Slot.COLUMNS, g.kdim * cols);
             Scratch.Lease tmpLease = Scratch.lease(Scratch.Slot.STAGING, g.nb > 1 ? g.cog * cols : 0)) {
            for (int gi = 0; gi < g.groups; gi++) {
                for (int n0 = 0; n0 < g.n; n0 += g.nb) {
                    int n1 = Math.min(g.n, n0 + g.nb);
                    for (int p0 = 0; p0 < g.p; p0 += g.pb) {
                        int p1 = Math.min(g.p, p0 + g.pb);
                        body.run(gi, n0, n1, p0, p1, (n1 - n0) * (p1 - p0), colLease.array(), tmpLease.array());
                    }
                }
            }
        }
    }

    /**
     * Fills {@code col[K, bc]} for group {@code gi}, images [n0, n1) and positions [p0, p1) of each: row
     * r = (c, ki, kj), column (n - n0) * (p1 - p0) + (pos - p0).
     */
    private static void im2col(Geom g, float[] x, int xo, int gi, int n0, int n1, int p0, int p1, float[] col) {
        int span = p1 - p0;
        int bc = (n1 - n0) * span;
        int kk = g.kh * g.kw;
        Parallel.range(g.kdim, Math.max(1, COPY_GRAIN / Math.max(1, bc)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int ci = r / kk;
                int rem = r - ci * kk;
                int ki = rem / g.kw;
                int kj = rem - ki * g.kw;
                int chan = gi * g.cg + ci;
                for (int n = n0; n < n1; n++) {
                    int plane = xo + (n * g.c + chan) * g.h * g.w;
                    int dst = r * bc + (n - n0) * span;
                    im2colRow(g, x, plane, col, dst, p0, p1, ki, kj);
                }
            }
        });
    }

    /** One row segment of the column matrix: tap (ki, kj) of one input plane over positions [p0, p1). */
    private static void im2colRow(Geom g, float[] x, int plane, float[] col, int dst, int p0, int p1,
                                  int ki, int kj) {
        if (g.shiftedPlanes(p0, p1)) {
            im2colShifted(g, x, plane, col, dst, p0, p1, ki, kj);
            return;
        }
        int ow = g.ow;
        int sw = g.sw;
        int offW = kj * g.dw - g.pl;
        // ow with 0 <= ow * sw + offW < W
        int lo0 = Math.max(0, ceilDiv(-offW, sw));
        int hi0 = Math.min(ow, Math.floorDiv(g.w - 1 - offW, sw) + 1);
        int ohFirst = p0 / ow;
        int ohLast = (p1 - 1) / ow;
        for (int oh = ohFirst; oh <= ohLast; oh++) {
            int a = oh == ohFirst ? p0 - oh * ow : 0;
            int b = oh == ohLast ? p1 - oh * ow : ow;
            int d = dst + oh * ow - p0;
            int ih = oh * g.sh - g.pt + ki * g.dh;
            if (ih < 0 || ih >= g.h) {
                zero(col, d + a, d + b);
                continue;
            }
            int lo = Math.max(a, lo0);
            int hi = Math.min(b, hi0);
            if (hi < lo) {
                hi = lo = Math.min(b, Math.max(a, lo));
            }
            if (lo > a) {
                zero(col, d + a, d + lo);
            }
            // (when hi == lo there is no input column here, and src + lo may lie outside the array)
            int src = plane + ih * g.w + offW;
            if (sw == 1) {
                if (hi > lo) {
                    System.arraycopy(x, src + lo, col, d + lo, hi - lo);
                }
            } else {
                for (int o = lo; o < hi; o++) {
                    col[d + o] = x[src + o * sw];
                }
            }
            if (b > hi) {
                zero(col, d + hi, d + b);
            }
        }
    }

    /** Zeros [from, to): a plain loop, because most of these ranges are the one or two padding columns of a
     * row, where Arrays.fill's call and checks cost more than the stores (8% of small-image LRP time). */
    private static void zero(float[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = 0f;
        }
    }

    /** Adds the column matrix back into the input-gradient planes of group {@code gi}; parallel over planes. */
    private static void col2im(Geom g, float[] col, float[] gx, int gi, int n0, int n1, int p0, int p1) {
        int span = p1 - p0;
        int bc = (n1 - n0) * span;
        int kk = g.kh * g.kw;
        int planes = (n1 - n0) * g.cg;
        Parallel.range(planes, Math.max(1, COPY_GRAIN / Math.max(1, span * kk)), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int nn = t / g.cg;
                int ci = t - nn * g.cg;
                int plane = ((n0 + nn) * g.c + gi * g.cg + ci) * g.h * g.w;
                for (int rem = 0; rem < kk; rem++) {
                    int ki = rem / g.kw;
                    int kj = rem - ki * g.kw;
                    int src = (ci * kk + rem) * bc + nn * span;
                    col2imRow(g, col, src, gx, plane, p0, p1, ki, kj);
                }
            }
        });
    }

    private static void col2imRow(Geom g, float[] col, int src, float[] gx, int plane, int p0, int p1,
                                  int ki, int kj) {
        if (g.shiftedPlanes(p0, p1)) {
            col2imShifted(g, col, src, gx, plane, p0, p1, ki, kj);
            return;
        }
        int ow = g.ow;
        int sw = g.sw;
        int offW = kj * g.dw - g.pl;
        int lo0 = Math.max(0, ceilDiv(-offW, sw));
        int hi0 = Math.min(ow, Math.floorDiv(g.w - 1 - offW, sw) + 1);
        int ohFirst = p0 / ow;
        int ohLast = (p1 - 1) / ow;
        for (int oh = ohFirst; oh <= ohLast; oh++) {
            int ih = oh * g.sh - g.pt + ki * g.dh;
            if (ih < 0 || ih >= g.h) {
                continue;
            }
            int a = oh == ohFirst ? p0 - oh * ow : 0;
            int b = oh == ohLast ? p1 - oh * ow : ow;
            int lo = Math.max(a, lo0);
            int hi = Math.min(b, hi0);
            int s = src + oh * ow - p0;
            int dst = plane + ih * g.w + offW;
            if (sw == 1) {
                if (hi > lo) {
                    AddKernel.BEST.add(gx, dst + lo, col, s + lo, hi - lo);
                }
            } else {
                for (int o = lo; o < hi; o++) {
                    gx[dst + o * sw] += col[s + o];
                }
            }
        }
    }

    // With stride 1 and as many output as input columns (a "same" convolution), output position q = oh * ow + o
    // of tap (ki, kj) reads input element q + shift of the plane, shift = (ki * dh - pt) * w + (kj * dw - pl): a
    // tap's column row is the input plane shifted, except for the positions whose input column lies in the
    // padding (they would wrap to the neighbouring row). So a tap is one contiguous copy or add over whole rows,
    // plus a fix-up of the few wrapped columns, instead of one short copy per row.

    /**
     * The run of tap (ki, kj) over positions [p0, p1): input element q + shift for position q; [qa, qb) the
     * positions whose input row exists (whole rows), [ca, cb) the part of it whose shifted index stays inside
     * the plane; offW the tap's column offset.
     */
    private record ShiftedRun(int shift, int offW, int qa, int qb, int ca, int cb) {
        static ShiftedRun of(Geom g, int p0, int p1, int ki, int kj) {
            int offW = kj * g.dw - g.pl;
            int shift = (ki * g.dh - g.pt) * g.w + offW;
            int qa = Math.max(p0, Math.max(0, g.pt - ki * g.dh) * g.ow);
            int qb = Math.max(qa, Math.min(p1, Math.max(0, Math.min(g.oh, g.h + g.pt - ki * g.dh)) * g.ow));
            int ca = Math.min(qb, Math.max(qa, -shift));
            int cb = Math.max(ca, Math.min(qb, g.h * g.w - shift));
            return new ShiftedRun(shift, offW, qa, qb, ca, cb);
        }
    }

    /** im2colRow for {@link Geom#shiftedPlanes}: rows [p0, p1) of one tap as one shifted copy. */
    private static void im2colShifted(Geom g, float[] x, int plane, float[] col, int dst, int p0, int p1, int ki,
                                      int kj) {
        ShiftedRun r = ShiftedRun.of(g, p0, p1, ki, kj);
        // the copy stays inside the plane; what it leaves out lies in the padding and is zeroed
        zero(col, dst, dst + r.ca - p0);
        if (r.cb > r.ca) {
            System.arraycopy(x, plane + r.ca + r.shift, col, dst + r.ca - p0, r.cb - r.ca);
        }
        zero(col, dst + r.cb - p0, dst + p1 - p0);
        zeroWrapped(g, col, dst - p0, r.qa, r.qb, r.offW);
    }

    /** col2imRow for {@link Geom#shiftedPlanes}: rows [p0, p1) of one tap added as one shifted run. */
    private static void col2imShifted(Geom g, float[] col, int src, float[] gx, int plane, int p0, int p1, int ki,
                                      int kj) {
        ShiftedRun r = ShiftedRun.of(g, p0, p1, ki, kj);
        // the column block is scratch: zeroing the wrapped entries makes the run add nothing there
        zeroWrapped(g, col, src - p0, r.qa, r.qb, r.offW);
        if (r.cb > r.ca) {
            AddKernel.BEST.add(gx, plane + r.shift + r.ca, col, src - p0 + r.ca, r.cb - r.ca);
        }
    }

    /** Zeros a[base + q] for the positions q in [qa, qb) (whole rows) whose input column offW + o is padding. */
    private static void zeroWrapped(Geom g, float[] a, int base, int qa, int qb, int offW) {
        int ow = g.ow;
        int left = Math.min(ow, Math.max(0, -offW));
        int right = Math.max(left, Math.min(ow, g.w - offW));
        for (int row = qa; row < qb; row += ow) {
            for (int o = 0; o < left; o++) {
                a[base + row + o] = 0f;
            }
            for (int o = right; o < ow; o++) {
                a[base + row + o] = 0f;
            }
        }
    }

    /** Copies the output-gradient rows of group {@code gi}, images [n0, n1), into {@code tmp[Cog, nImages * P]}. */
    private static void stage(Geom g, float[] gy, int go, float[] tmp, int gi, int n0, int n1) {
        int nimg = n1 - n0;
        int bc = nimg * g.p;
        Parallel.range(g.cog, Math.max(1, COPY_GRAIN / Math.max(1, bc)), (c0, c1) -> {
            for (int co = c0; co < c1; co++) {
                for (int i = 0; i < nimg; i++) {
                    System.arraycopy(gy, go + ((n0 + i) * g.cout + gi * g.cog + co) * g.p, tmp, co * bc + i * g.p,
                            g.p);
                }
            }
        });
    }

    /** The inverse of {@link #stage}: {@code tmp[Cog, nImages * P]} into the output planes of group {@code gi}. */
    private static void unstage(Geom g, float[] tmp, float[] out, int oo, int gi, int n0, int n1) {
        int nimg = n1 - n0;
        int bc = nimg * g.p;
        Parallel.range(g.cog, Math.max(1, COPY_GRAIN / Math.max(1, bc)), (c0, c1) -> {
            for (int co = c0; co < c1; co++) {
                for (int i = 0; i < nimg; i++) {
                    System.arraycopy(tmp, co * bc + i * g.p, out, oo + ((n0 + i) * g.cout + gi * g.cog + co) * g.p,
                            g.p);
                }
            }
        });
    }

    // ------------------------------------------------------------------ depthwise (direct loops)

    /** Valid output columns [lo, hi) of tap column offset {@code offW}: 0 <= ow * sw + offW < W. */
    private static int validLo(Geom g, int offW) {
        return Math.min(g.ow, Math.max(0, ceilDiv(-offW, g.sw)));
    }

    private static int validHi(Geom g, int offW) {
        return Math.max(0, Math.min(g.ow, Math.floorDiv(g.w - 1 - offW, g.sw) + 1));
    }

    private static void depthwiseForward(Geom g, float[] x, int xo, float[] w, int wo, float[] out) {
        int kk = g.kh * g.kw;
        Parallel.range(g.n * g.cout, Math.max(1, COPY_GRAIN / Math.max(1, g.p * kk)), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int n = t / g.cout;
                int co = t - n * g.cout;
                int plane = xo + (n * g.c + co / g.cog) * g.h * g.w;
                int ob = t * g.p;
                for (int ki = 0; ki < g.kh; ki++) {
                    for (int kj = 0; kj < g.kw; kj++) {
                        float wv = w[wo + (co * g.kh + ki) * g.kw + kj];
                        int offW = kj * g.dw - g.pl;
                        int lo = validLo(g, offW);
                        int hi = validHi(g, offW);
                        for (int oh = 0; oh < g.oh; oh++) {
                            int ih = oh * g.sh - g.pt + ki * g.dh;
                            if (ih < 0 || ih >= g.h) {
                                continue;
                            }
                            int src = plane + ih * g.w + offW;
                            int d = ob + oh * g.ow;
                            if (g.sw == 1) {
                                for (int o = lo; o < hi; o++) {
                                    out[d + o] += wv * x[src + o];
                                }
                            } else {
                                for (int o = lo; o < hi; o++) {
                                    out[d + o] += wv * x[src + o * g.sw];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    private static void depthwiseBackwardInput(Geom g, float[] gy, int go, float[] w, int wo, float[] gx) {
        int kk = g.kh * g.kw;
        Parallel.range(g.n * g.c, Math.max(1, COPY_GRAIN / Math.max(1, g.p * kk * g.cog)), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int n = t / g.c;
                int ci = t - n * g.c;
                int plane = t * g.h * g.w;
                for (int co = ci * g.cog; co < (ci + 1) * g.cog; co++) {
                    int gb = go + (n * g.cout + co) * g.p;
                    for (int ki = 0; ki < g.kh; ki++) {
                        for (int kj = 0; kj < g.kw; kj++) {
                            float wv = w[wo + (co * g.kh + ki) * g.kw + kj];
                            int offW = kj * g.dw - g.pl;
                            int lo = validLo(g, offW);
                            int hi = validHi(g, offW);
                            for (int oh = 0; oh < g.oh; oh++) {
                                int ih = oh * g.sh - g.pt + ki * g.dh;
                                if (ih < 0 || ih >= g.h) {
                                    continue;
                                }
                                int dst = plane + ih * g.w + offW;
                                int s = gb + oh * g.ow;
                                if (g.sw == 1) {
                                    for (int o = lo; o < hi; o++) {
                                        gx[dst + o] += wv * gy[s + o];
                                    }
                                } else {
                                    for (int o = lo; o < hi; o++) {
                                        gx[dst + o * g.sw] += wv * gy[s + o];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    private static void depthwiseBackwardWeight(Geom g, float[] x, int xo, float[] gy, int go, float[] gw) {
        int kk = g.kh * g.kw;
        Parallel.range(g.cout, Math.max(1, COPY_GRAIN / Math.max(1, g.n * g.p * kk)), (c0, c1) -> {
            for (int co = c0; co < c1; co++) {
                int ci = co / g.cog;
                for (int ki = 0; ki < g.kh; ki++) {
                    for (int kj = 0; kj < g.kw; kj++) {
                        int offW = kj * g.dw - g.pl;
                        int lo = validLo(g, offW);
                        int hi = validHi(g, offW);
                        double acc = 0;
                        for (int n = 0; n < g.n; n++) {
                            int plane = xo + (n * g.c + ci) * g.h * g.w;
                            int gb = go + (n * g.cout + co) * g.p;
                            for (int oh = 0; oh < g.oh; oh++) {
                                int ih = oh * g.sh - g.pt + ki * g.dh;
                                if (ih < 0 || ih >= g.h) {
                                    continue;
                                }
                                int src = plane + ih * g.w + offW;
                                int s = gb + oh * g.ow;
                                float part = 0f;
                                if (g.sw == 1) {
                                    for (int o = lo; o < hi; o++) {
                                        part += gy[s + o] * x[src + o];
                                    }
                                } else {
                                    for (int o = lo; o < hi; o++) {
                                        part += gy[s + o] * x[src + o * g.sw];
                                    }
                                }
                                acc += part;
                            }
                        }
                        gw[(co * g.kh + ki) * g.kw + kj] = (float) acc;
                    }
                }
            }
        });
    }

    private static void addBias(Geom g, float[] out, float[] b, int bo) {
        int planes = g.n * g.cout;
        Parallel.range(planes, Math.max(1, COPY_GRAIN / Math.max(1, g.p)), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                float v = b[bo + t % g.cout];
                int base = t * g.p;
                for (int k = 0; k < g.p; k++) {
                    out[base + k] += v;
                }
            }
        });
    }
}
