package org.lrp4j.tensor.kernel;

/**
 * 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016). Each 2x2 output tile comes from a 4x4 input tile with 16 products per
 * pair of channels instead of 36, so the GEMM work is 4/9 of the direct convolution's:
 * <pre>
 *   U = G g G^T       (per output and input channel: the 3x3 kernel g to 4x4)
 *   V = B^T d B       (per input channel and tile: the 4x4 input tile d)
 *   M_xi = U_xi V_xi  (16 GEMMs, one per position xi of the 4x4 tile, summing over the input channels)
 *   Y = A^T M A       (per output channel and tile: 4x4 to the 2x2 output tile)
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 * </pre>
 * The transforms use only additions and halvings, so the products see the same inputs up to one rounding per
 * addition; the result differs from the direct convolution by a few units in the last place of the largest
 * partial sums ({@code WinogradTest} states the bound). The tiles of all images are processed in blocks of whole
 * tile rows: the input transform of a block is parallel over channels (its inner loops run over the tiles of a
 * row, unit-stride, so the JIT vectorises them), the 16 GEMMs parallelise themselves, and the output transform is
 * parallel over output channels.
 *
 * <p>{@link Conv2d} decides when to use it ({@link #applies}); the transposed convolution of a 3x3 stride-1 layer
 * (the input gradient, LRP's backward pass) is the same kind of convolution with the kernel rotated by 180 degrees
 * and the channel roles swapped ({@link #weights} with {@code transposed}).
 */
final class Winograd {
    private Winograd() {
    }

    /**
     * Fewer channels than this on either side: the transforms cost more than the products they save (measured
     * slower with 64, faster with 128 and 256, one thread, VGG16's layers).
     */
    static final int MIN_CHANNELS = 128;
    /**
     * Fewer tiles than this in a call: transforming the weights (16 values per kernel, every call) costs more than
     * the products saved (measured slower with 196 tiles, faster with 784).
     */
    static final long MIN_TILES = 512;
    /** Budget (floats) of one transformed block, V or M: 2M floats = 8 MB each, within the last-level cache. */
    private static final long BLOCK_FLOATS = 1L << 21;

    /** Whether a 3x3 stride-1 convolution with these channel counts over this many output tiles is worth it. */
    static boolean applies(int inChannels, int outChannels, long tiles) {
        return inChannels >= MIN_CHANNELS && outChannels >= MIN_CHANNELS && tiles >= MIN_TILES;
    }

    /** Output tiles of an oh x ow output (2x2 each, the last row or column of tiles possibly half outside). */
    static long tiles(int n, int oh, int ow) {
        return (long) n * ((oh + 1) / 2) * ((ow + 1) / 2);
    }

    /**
     * The 16 transformed weight matrices U_xi [co x ci] of the 3x3 kernels {@code w} [cout, cin, 3, 3] at
     * {@code w[wo]}, interleaved by rows: row o of U_xi at {@code (o * 16 + xi) * ci}, so U_xi is the matrix at
     * offset {@code xi * ci} with leading dimension {@code 16 * ci}, and the transform of one output channel
     * writes one compact stretch. co = cout, ci = cin for the convolution; for its transpose
     * ({@code transposed}) co = cin, ci = cout and each kernel rotated by 180 degrees.
     */
    static float[] weights(float[] w, int wo, int cout, int cin, boolean transposed) {
        int co = transposed ? cin : cout;
        int ci = transposed ? cout : cin;
        float[] u = new float[16 * co * ci];
        Parallel.range(co, Math.max(1, 4096 / Math.max(1, ci)), (o0, o1) -> {
            float[] g = new float[9];
            float[] gg = new float[12];
            for (int o = o0; o < o1; o++) {
                for (int i = 0; i < ci; i++) {
                    int src = transposed ? wo + (i * cin + o) * 9 : wo + (o * cin + i) * 9;
                    for (int k = 0; k < 9; k++) {
                        g[k] = transposed ? w[src + 8 - k] : w[src + k];
                    }
                    transformKernel(g, gg, u, o * 16 * ci + i, ci);
                }
            }
        });
        return u;
    }

    /** U = G g G^T of one 3x3 kernel g (row-major), written to u[at + xi * stride] for xi = 0..15; gg is work space. */
    private static void transformKernel(float[] g, float[] gg, float[] u, int at, int stride) {
        for (int j = 0; j < 3; j++) {
            float a = g[j];
            float b = g[3 + j];
            float c = g[6 + j];
            gg[j] = a;
            gg[3 + j] = 0.5f * (a + b + c);
            gg[6 + j] = 0.5f * (a - b + c);
            gg[9 + j] = c;
        }
        for (int r = 0; r < 4; r++) {
            float a = gg[3 * r];
            float b = gg[3 * r + 1];
            float c = gg[3 * r + 2];
            u[at + (4 * r) * stride] = a;
            u[at + (4 * r + 1) * stride] = 0.5f * (a + b + c);
            u[at + (4 * r + 2) * stride] = 0.5f * (a - b + c);
            u[at + (4 * r + 3) * stride] = c;
        }
    }

    /**
     * out [n, co, oh, ow] = the 3x3 stride-1 convolution of x [n, ci, h, w] (at x[xo]) with the kernels behind
     * {@code u} ({@link #weights}), padded by pt rows on top and pl columns on the left (bottom and right padding
     * follow from oh and ow). Overwrites out. The U_xi are packed once for all tile blocks when there are several
     * (else the GEMM packs them as it goes, while they are in cache).
     */
    static void convolve(float[] u, float[] x, int xo, int n, int ci, int h, int w, int pt, int pl,
                         float[] out, int co, int oh, int ow) {
        int tilesH = (oh + 1) / 2;
        int tilesW = (ow + 1) / 2;
        int rows = n * tilesH;
        int perRow = 16 * Math.max(ci, co) * tilesW;
        int blockRows = (int) Math.max(1, Math.min(rows, BLOCK_FLOATS / perRow));
        int maxT = blockRows * tilesW;
        boolean several = rows > blockRows;
        PreparedA[] a = new PreparedA[16];
        for (int xi = 0; xi < 16; xi++) {
            a[xi] = several ? Sgemm.prepare(false, co, ci, u, xi * ci, 16 * ci)
                    : new PreparedA(false, co, ci, u, xi * ci, 16 * ci, null);
        }
        try (Scratch.Lease vLease = Scratch.lease(Scratch.Slot.COLUMNS, 16 * ci * maxT);
             Scratch.Lease mLease = Scratch.lease(Scratch.Slot.STAGING, 16 * co * maxT)) {
            float[] v = vLease.array();
            float[] m = mLease.array();
            for (int q0 = 0; q0 < rows; q0 += blockRows) {
                int q1 = Math.min(rows, q0 + blockRows);
                int t = (q1 - q0) * tilesW;
                transformInput(x, xo, ci, h, w, pt, pl, tilesH, tilesW, q0, q1, v, t);
                for (int xi = 0; xi < 16; xi++) {
                    Sgemm.gemm(a[xi], false, t, 1f, v, xi * ci * t, t, 0f, m, xi * co * t, t);
                }
                transformOutput(m, t, co, tilesH, tilesW, q0, q1, out, oh, ow);
            }
        }
    }

    /**
     * V = B^T d B for the tiles of tile rows [q0, q1) (q = image * tilesH + tile row), as v[(xi * ci + c) * t +
     * tile]. Each input row is split into its even and odd columns (zero outside the image), so tile k's four
     * columns are even[k], odd[k], even[k + 1], odd[k + 1] and every loop over the tiles is unit-stride.
     */
    private static void transformInput(float[] x, int xo, int ci, int h, int w, int pt, int pl, int tilesH,
                                       int tilesW, int q0, int q1, float[] v, int t) {
        int plane = h * w;
        Parallel.range(ci, Math.max(1, (1 << 14) / Math.max(1, 16 * t)), (c0, c1) -> {
            int len = tilesW + 1;
            float[][] even = new float[4][len];
            float[][] odd = new float[4][len];
            for (int c = c0; c < c1; c++) {
                for (int q = q0; q < q1; q++) {
                    int img = q / tilesH;
                    int ty = q - img * tilesH;
                    int base = xo + (img * ci + c) * plane;
                    // tile rows overlap by two input rows: the next tile row of the same image reuses rows 2 and 3
                    int fresh = 0;
                    if (q > q0 && ty > 0) {
                        rotate(even);
                        rotate(odd);
                        fresh = 2;
                    }
                    for (int r = fresh; r < 4; r++) {
                        split(x, base, h, w, 2 * ty - pt + r, pl, even[r], odd[r], len);
                    }
                    int d = c * t + (q - q0) * tilesW;
                    int s = ci * t;
                    float[] e0 = even[0];
                    float[] e1 = even[1];
                    float[] e2 = even[2];
                    float[] e3 = even[3];
                    float[] o0 = odd[0];
                    float[] o1 = odd[1];
                    float[] o2 = odd[2];
                    float[] o3 = odd[3];
                    // column k of B^T d: rows combined as (r0 - r2, r1 + r2, r2 - r1, r1 - r3); then B along x
                    for (int k = 0; k < tilesW; k++) {
                        float a0 = e0[k] - e0[k + 1];
                        float a1 = e1[k] - e1[k + 1];
                        float a2 = e2[k] - e2[k + 1];
                        float a3 = e3[k] - e3[k + 1];
                        v[d + k] = a0 - a2;
                        v[d + 4 * s + k] = a1 + a2;
                        v[d + 8 * s + k] = a2 - a1;
                        v[d + 12 * s + k] = a1 - a3;
                    }
                    for (int k = 0; k < tilesW; k++) {
                        float a0 = o0[k] + e0[k + 1];
                        float a1 = o1[k] + e1[k + 1];
                        float a2 = o2[k] + e2[k + 1];
                        float a3 = o3[k] + e3[k + 1];
                        v[d + s + k] = a0 - a2;
                        v[d + 5 * s + k] = a1 + a2;
                        v[d + 9 * s + k] = a2 - a1;
                        v[d + 13 * s + k] = a1 - a3;
                    }
                    for (int k = 0; k < tilesW; k++) {
                        float a0 = e0[k + 1] - o0[k];
                        float a1 = e1[k + 1] - o1[k];
                        float a2 = e2[k + 1] - o2[k];
                        float a3 = e3[k + 1] - o3[k];
                        v[d + 2 * s + k] = a0 - a2;
                        v[d + 6 * s + k] = a1 + a2;
                        v[d + 10 * s + k] = a2 - a1;
                        v[d + 14 * s + k] = a1 - a3;
                    }
                    for (int k = 0; k < tilesW; k++) {
                        float a0 = o0[k] - o0[k + 1];
                        float a1 = o1[k] - o1[k + 1];
                        float a2 = o2[k] - o2[k + 1];
                        float a3 = o3[k] - o3[k + 1];
                        v[d + 3 * s + k] = a0 - a2;
                        v[d + 7 * s + k] = a1 + a2;
                        v[d + 11 * s + k] = a2 - a1;
                        v[d + 15 * s + k] = a1 - a3;
                    }
                }
            }
        });
    }

    /** Rows 2 and 3 become rows 0 and 1 (the old 0 and 1 become 2 and 3, to be overwritten). */
    private static void rotate(float[][] rows) {
        float[] r0 = rows[0];
        float[] r1 = rows[1];
        rows[0] = rows[2];
        rows[1] = rows[3];
        rows[2] = r0;
        rows[3] = r1;
    }

    /** Input row y (zeros outside the image) at columns 2k - pl (even[k]) and 2k + 1 - pl (odd[k]), k < len. */
    private static void split(float[] x, int base, int h, int w, int y, int pl, float[] even, float[] odd, int len) {
        if (y < 0 || y >= h) {
            java.util.Arrays.fill(even, 0, len, 0f);
            java.util.Arrays.fill(odd, 0, len, 0f);
            return;
        }
        int row = base + y * w;
        // k with both columns 2k - pl and 2k + 1 - pl inside the row: [lo, hi)
        int lo = Math.min(len, (pl + 1) / 2);
        int hi = Math.max(lo, Math.min(len, (w + pl) / 2));
        for (int k = 0; k < lo; k++) {
            int xe = 2 * k - pl;
            even[k] = xe >= 0 && xe < w ? x[row + xe] : 0f;
            odd[k] = xe + 1 >= 0 && xe + 1 < w ? x[row + xe + 1] : 0f;
        }
        int src = row - pl;
        for (int k = lo; k < hi; k++) {
            even[k] = x[src + 2 * k];
            odd[k] = x[src + 2 * k + 1];
        }
        for (int k = hi; k < len; k++) {
            int xe = 2 * k - pl;
            even[k] = xe >= 0 && xe < w ? x[row + xe] : 0f;
            odd[k] = xe + 1 >= 0 && xe + 1 < w ? x[row + xe + 1] : 0f;
        }
    }

    /** Y = A^T M A for the tiles of tile rows [q0, q1), written to out (the parts of tiles inside oh x ow). */
    private static void transformOutput(float[] m, int t, int co, int tilesH, int tilesW, int q0, int q1,
                                        float[] out, int oh, int ow) {
        int s = co * t;
        Parallel.range(co, Math.max(1, (1 << 14) / Math.max(1, 16 * t)), (c0, c1) -> {
            float[] y00 = new float[tilesW];
            float[] y01 = new float[tilesW];
            float[] y10 = new float[tilesW];
            float[] y11 = new float[tilesW];
            for (int o = c0; o < c1; o++) {
                for (int q = q0; q < q1; q++) {
                    int img = q / tilesH;
                    int ty = q - img * tilesH;
                    int d = o * t + (q - q0) * tilesW;
                    for (int k = 0; k < tilesW; k++) {
                        // rows of A^T M: (m0 + m1 + m2, m1 - m2 - m3) per column j of the 4x4 tile
                        float s00 = m[d + k] + m[d + 4 * s + k] + m[d + 8 * s + k];
                        float s01 = m[d + s + k] + m[d + 5 * s + k] + m[d + 9 * s + k];
                        float s02 = m[d + 2 * s + k] + m[d + 6 * s + k] + m[d + 10 * s + k];
                        float s03 = m[d + 3 * s + k] + m[d + 7 * s + k] + m[d + 11 * s + k];
                        float s10 = m[d + 4 * s + k] - m[d + 8 * s + k] - m[d + 12 * s + k];
                        float s11 = m[d + 5 * s + k] - m[d + 9 * s + k] - m[d + 13 * s + k];
                        float s12 = m[d + 6 * s + k] - m[d + 10 * s + k] - m[d + 14 * s + k];
                        float s13 = m[d + 7 * s + k] - m[d + 11 * s + k] - m[d + 15 * s + k];
                        y00[k] = s00 + s01 + s02;
                        y01[k] = s01 - s02 - s03;
                        y10[k] = s10 + s11 + s12;
                        y11[k] = s11 - s12 - s13;
                    }
                    int row = ((img * co + o) * oh + 2 * ty) * ow;
                    interleave(y00, y01, out, row, ow, tilesW);
                    if (2 * ty + 1 < oh) {
                        interleave(y10, y11, out, row + ow, ow, tilesW);
                    }
                }
            }
        });
    }

    /** out[row + 2k] = even[k], out[row + 2k + 1] = odd[k], within the ow columns of the row. */
    private static void interleave(float[] even, float[] odd, float[] out, int row, int ow, int tilesW) {
        int full = ow / 2;
        for (int k = 0; k < full; k++) {
            out[row + 2 * k] = even[k];
            out[row + 2 * k + 1] = odd[k];
        }
        if (full < tilesW) {
            out[row + 2 * full] = even[full];
        }
    }
}
