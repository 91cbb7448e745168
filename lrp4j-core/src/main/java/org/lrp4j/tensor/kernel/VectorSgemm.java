package org.lrp4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled SGEMM on the Vector API (GotoBLAS/BLIS structure).
 *
 * <p>op(B) is packed once per call into k-major slivers {@value #NR_VECTORS} vectors wide, grouped in blocks of
 * {@code KC} rows of K. Each parallel task owns a rectangle of C; for every K block it packs its rows of op(A) in
 * blocks of {@code MC} rows as k-major slivers of {@code MR} rows, and runs the {@code MR x NR} micro-kernel over
 * them, which keeps the whole C tile in registers and does one broadcast and {@link #NR_VECTORS} FMAs per row
 * and k. Partial tiles at the edges are computed into a scratch tile (the packed panels are zero-padded) and only
 * the valid entries are written back. The tasks split the rows of C evenly over the threads (the columns when C
 * has few rows); B is packed by all threads before they start.
 *
 * <p>Problems under {@value #SMALL} multiply-adds run a plain loop; C with at most {@value #SMALL_M} rows or columns
 * (matrix-vector like) is computed without packing, streaming the big operand once.
 *
 * <p>Loaded only when {@link VectorSupport#available()}.
 */
final class VectorSgemm implements GemmKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    static final int NR_VECTORS = 2;
    /** Columns of the micro-tile. */
    static final int NR = NR_VECTORS * VL;
    /** Rows of the micro-tile. */
    static final int MR = 6;
    /** K block: a B sliver of KC x NR stays in L1. */
    static final int KC = 256;
    /** M block, a multiple of MR: an A block of MC x KC stays in L2. */
    static final int MC = 144;
    /** Below this many multiply-adds the packing is not worth it. */
    static final long SMALL = 32 * 1024;
    /** Up to this many rows (or columns) of C, packing would mostly multiply zero padding. */
    static final int SMALL_M = 4;
    /** The smallest share of C worth a task of its own when there are more tasks than threads, in slivers. */
    private static final int MIN_PART_SLIVERS = 16;
    /** Granularity (in columns of B, or rows of A) of the parallel split of the few-rows/columns paths. */
    private static final int SW = 4 * VL;

    @Override
    public String name() {
        return "vector" + S.vectorBitSize();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        Sgemm.checkArgs(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            ScalarSgemm.scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        if ((long) m * n * k < SMALL) {
            ScalarSgemm.serial(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (m <= SMALL_M) {
            smallM(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (n <= SMALL_M) {
            smallN(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int nPad = (n + NR - 1) / NR * NR;
        try (Scratch.Lease packed = Scratch.lease(Scratch.Slot.PACKED_B, Math.multiplyExact(nPad, k))) {
            new Job(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, packed.array())
                    .run();
        }
    }

    /**
     * Packs all of op(A) once, in the layout the tasks would pack it into block by block: for each K block
     * starting at p0 (height kc), the MR-row sliver s at {@code p0 * mPad + s * kc * MR}, k-major. Products too
     * small or too skinny for the packed path keep A as stored.
     */
    @Override
    public PreparedA prepare(boolean transA, int m, int k, float[] a, int aOff, int lda) {
        Sgemm.checkArgs(transA, false, m, 1, k, a, aOff, lda, new float[k], 0, 1, new float[m], 0, 1);
        if (m <= SMALL_M || k == 0) {
            return new PreparedA(transA, m, k, a, aOff, lda, null);
        }
        int mPad = (m + MR - 1) / MR * MR;
        float[] packed = new float[Math.multiplyExact(mPad, k)];
        int kBlocks = (k + KC - 1) / KC;
        Parallel.range(kBlocks, 1, (from, to) -> {
            for (int kb = from; kb < to; kb++) {
                int p0 = kb * KC;
                int kc = Math.min(KC, k - p0);
                if (transA) {
                    packATrans(a, aOff + p0 * lda, lda, m, kc, packed, p0 * mPad);
                } else {
                    packA(a, aOff + p0, lda, m, kc, packed, p0 * mPad);
                }
            }
        });
        return new PreparedA(transA, m, k, a, aOff, lda, packed);
    }

    @Override
    public void gemm(PreparedA pa, boolean transB, int n, float alpha, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        int m = pa.m();
        int k = pa.k();
        if (pa.packed() == null || n <= SMALL_M || k == 0 || alpha == 0f || (long) m * n * k < SMALL) {
            gemm(pa.transA(), transB, m, n, k, alpha, pa.a(), pa.aOff(), pa.lda(), b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        Sgemm.checkArgs(pa.transA(), transB, m, n, k, pa.a(), pa.aOff(), pa.lda(), b, bOff, ldb, c, cOff, ldc);
        int nPad = (n + NR - 1) / NR * NR;
        try (Scratch.Lease packed = Scratch.lease(Scratch.Slot.PACKED_B, Math.multiplyExact(nPad, k))) {
            Job job = new Job(pa.transA(), transB, m, n, k, alpha, pa.a(), pa.aOff(), pa.lda(), b, bOff, ldb, beta,
                    c, cOff, ldc, packed.array());
            job.preparedA = pa.packed();
            job.run();
        }
    }

    /** The state of one call: packed B and the split of C into tasks. */
    private static final class Job {
        final boolean transA;
        final int m;
        final int n;
        final int k;
        final float alpha;
        final float[] a;
        final int aOff;
        final int lda;
        final float beta;
        final float[] c;
        final int cOff;
        final int ldc;
        /** Packed op(B): for each K block starting at p0 (height kc), slivers s at p0 * nPad + s * kc * NR. */
        final float[] bp;
        final int nSlivers;
        final int nPad;
        /** All of op(A) packed beforehand ({@link #prepare}), or null: the tasks pack their blocks of A. */
        float[] preparedA;

        Job(boolean transA, boolean transB, int m, int n, int k,
            float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc, float[] packedB) {
            this.transA = transA;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.beta = beta;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.nSlivers = (n + NR - 1) / NR;
            this.nPad = nSlivers * NR;
            this.bp = packedB;
            packAllB(transB, b, bOff, ldb);
        }

        private void packAllB(boolean transB, float[] b, int bOff, int ldb) {
            int kBlocks = (k + KC - 1) / KC;
            int units = kBlocks * nSlivers;
            // Each unit packs kc x NR floats.
            int grain = Math.max(1, (64 * 1024) / (Math.min(k, KC) * NR));
            Parallel.range(units, grain, (from, to) -> {
                for (int u = from; u < to; u++) {
                    int kb = u / nSlivers;
                    int s = u - kb * nSlivers;
                    int p0 = kb * KC;
                    int kc = Math.min(KC, k - p0);
                    int dst = p0 * nPad + s * kc * NR;
                    int j0 = s * NR;
                    int nr = Math.min(NR, n - j0);
                    if (transB) {
                        packBTrans(b, bOff + j0 * ldb + p0, ldb, kc, nr, bp, dst);
                    } else {
                        packB(b, bOff + p0 * ldb + j0, ldb, kc, nr, bp, dst);
                    }
                }
            });
        }

        void run() {
            int threads = Parallel.threads();
            int mSlivers = (m + MR - 1) / MR;
            // Split the rows of C when there are enough of them, otherwise the columns.
            boolean splitRows = mSlivers >= 2 * threads || mSlivers >= nSlivers;
            int slivers = splitRows ? mSlivers : nSlivers;
            int workers = Math.max(1, Math.min(threads, slivers));
            // A few equal parts per thread, so the fork-join pool can balance when a core is busy elsewhere,
            // but still a whole multiple of the threads and each of a useful size.
            int parts = workers == 1 ? 1 : workers * Math.max(1, Math.min(4, slivers / (workers * MIN_PART_SLIVERS)));
            if (parts == 1) {
                task(0, m, 0, nSlivers);
                return;
            }
            Parallel.range(parts, 1, (from, to) -> {
                for (int t = from; t < to; t++) {
                    if (splitRows) {
                        int s0 = (int) ((long) mSlivers * t / parts);
                        int s1 = (int) ((long) mSlivers * (t + 1) / parts);
                        task(s0 * MR, Math.min(m, s1 * MR), 0, nSlivers);
                    } else {
                        int s0 = (int) ((long) nSlivers * t / parts);
                        int s1 = (int) ((long) nSlivers * (t + 1) / parts);
                        task(0, m, s0, s1);
                    }
                }
            });
        }

        /** Computes rows [i0, i1) and column slivers [js0, js1) of C. */
        private void task(int i0, int i1, int js0, int js1) {
            if (i0 >= i1 || js0 >= js1) {
                return;
            }
            int mcMax = Math.min(MC, ((i1 - i0 + MR - 1) / MR) * MR);
            float[] tile = new float[MR * NR];
            if (preparedA != null) {
                int mPad = (m + MR - 1) / MR * MR;
                for (int p0 = 0; p0 < k; p0 += KC) {
                    int kc = Math.min(KC, k - p0);
                    float betaBlock = p0 == 0 ? beta : 1f;
                    for (int ic = i0; ic < i1; ic += MC) {
                        // i0 and MC are multiples of MR: row ic starts sliver ic / MR
                        block(preparedA, p0 * mPad + ic * kc, ic, Math.min(MC, i1 - ic), p0, kc, js0, js1,
                                betaBlock, tile);
                    }
                }
                return;
            }
            try (Scratch.Lease packedA = Scratch.lease(Scratch.Slot.PACKED_A, mcMax * Math.min(KC, k))) {
                float[] ap = packedA.array();
                for (int p0 = 0; p0 < k; p0 += KC) {
                    int kc = Math.min(KC, k - p0);
                    float betaBlock = p0 == 0 ? beta : 1f;
                    for (int ic = i0; ic < i1; ic += MC) {
                        int mc = Math.min(MC, i1 - ic);
                        if (transA) {
                            packATrans(a, aOff + p0 * lda + ic, lda, mc, kc, ap, 0);
                        } else {
                            packA(a, aOff + ic * lda + p0, lda, mc, kc, ap, 0);
                        }
                        block(ap, 0, ic, mc, p0, kc, js0, js1, betaBlock, tile);
                    }
                }
            }
        }

        /** Multiplies one packed A block (mc x kc, at ap[a0]) by the packed B slivers [js0, js1) of K block p0. */
        private void block(float[] ap, int a0, int ic, int mc, int p0, int kc, int js0, int js1, float betaBlock,
                           float[] tile) {
            int bBase = p0 * nPad;
            for (int s = js0; s < js1; s++) {
                int j0 = s * NR;
                int nr = Math.min(NR, n - j0);
                int bIdx = bBase + s * kc * NR;
                for (int ir = 0; ir < mc; ir += MR) {
                    int mr = Math.min(MR, mc - ir);
                    int aIdx = a0 + ir * kc;
                    int cIdx = cOff + (ic + ir) * ldc + j0;
                    if (mr == MR && nr == NR) {
                        kernel(kc, ap, aIdx, bp, bIdx, c, cIdx, ldc, alpha, betaBlock);
                    } else {
                        kernel(kc, ap, aIdx, bp, bIdx, tile, 0, NR, 1f, 0f);
                        mergeTile(tile, mr, nr, c, cIdx, ldc, alpha, betaBlock);
                    }
                }
            }
        }
    }

    // ---- few rows of C (matrix-vector like): no packing of B, which is streamed once ------------------------

    private static void smallM(boolean transA, boolean transB, int m, int n, int k,
                               float alpha, float[] a, int aOff, int lda,
                               float[] b, int bOff, int ldb,
                               float beta, float[] c, int cOff, int ldc) {
        // op(A) as m contiguous rows of k.
        float[] ar = new float[m * k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                ar[i * k + p] = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            }
        }
        int units = transB ? n : (n + SW - 1) / SW;
        long workPerUnit = (long) m * k * (transB ? 1 : SW);
        int grain = (int) Math.max(1, Math.min(units, (64 * 1024) / Math.max(1, workPerUnit)));
        Parallel.range(units, grain, (from, to) -> {
            if (transB) {
                for (int i = 0; i < m; i++) {
                    int ci = cOff + i * ldc;
                    for (int j = from; j < to; j++) {
                        float s = dot(ar, i * k, b, bOff + j * ldb, k);
                        c[ci + j] = beta == 0f ? alpha * s : alpha * s + beta * c[ci + j];
                    }
                }
            } else {
                int j0 = from * SW;
                int w = Math.min(n, to * SW) - j0;
                float[] acc = rowsTimesB(ar, m, k, b, bOff + j0, ldb, w);
                for (int i = 0; i < m; i++) {
                    int ci = cOff + i * ldc + j0;
                    for (int j = 0; j < w; j++) {
                        c[ci + j] = beta == 0f ? alpha * acc[i * w + j] : alpha * acc[i * w + j] + beta * c[ci + j];
                    }
                }
            }
        });
    }

    /** A few columns of C (matrix times a few vectors): A is streamed once, unpacked. */
    private static void smallN(boolean transA, boolean transB, int m, int n, int k,
                               float alpha, float[] a, int aOff, int lda,
                               float[] b, int bOff, int ldb,
                               float beta, float[] c, int cOff, int ldc) {
        // The columns of op(B), each contiguous.
        float[] bc = new float[n * k];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                bc[j * k + p] = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
            }
        }
        int units = transA ? (m + SW - 1) / SW : m;
        long workPerUnit = (long) n * k * (transA ? SW : 1);
        int grain = (int) Math.max(1, Math.min(units, (64 * 1024) / Math.max(1, workPerUnit)));
        Parallel.range(units, grain, (from, to) -> {
            if (transA) {
                // Column j of C = op(A) * column j of op(B), computed as a row: (B column)^T * A.
                int i0 = from * SW;
                int i1 = Math.min(m, to * SW);
                int w = i1 - i0;
                float[] acc = rowsTimesB(bc, n, k, a, aOff + i0, lda, w); // rows i0..i1 of C, transposed
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < w; i++) {
                        int ci = cOff + (i0 + i) * ldc + j;
                        c[ci] = beta == 0f ? alpha * acc[j * w + i] : alpha * acc[j * w + i] + beta * c[ci];
                    }
                }
            } else {
                for (int i = from; i < to; i++) {
                    for (int j = 0; j < n; j++) {
                        float s = dot(a, aOff + i * lda, bc, j * k, k);
                        int ci = cOff + i * ldc + j;
                        c[ci] = beta == 0f ? alpha * s : alpha * s + beta * c[ci];
                    }
                }
            }
        });
    }

    /** The dot product of x[xi .. xi + k] and y[yi .. yi + k]. */
    static float dot(float[] x, int xi, float[] y, int yi, int k) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        int p = 0;
        for (; p <= k - 2 * VL; p += 2 * VL) {
            s0 = FloatVector.fromArray(S, x, xi + p).fma(FloatVector.fromArray(S, y, yi + p), s0);
            s1 = FloatVector.fromArray(S, x, xi + p + VL).fma(FloatVector.fromArray(S, y, yi + p + VL), s1);
        }
        float s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            s += x[xi + p] * y[yi + p];
        }
        return s;
    }

    /**
     * The rows x w product of x (rows contiguous rows of k) and the k x w matrix at b[bi] with row stride ldb, as
     * a new rows x w array. B is read once, row by row (so the hardware prefetcher streams it), into accumulators
     * that stay in cache.
     */
    private static float[] rowsTimesB(float[] x, int rows, int k, float[] b, int bi, int ldb, int w) {
        float[] acc = new float[rows * w];
        int wv = w - w % VL;
        for (int p = 0; p < k; p++) {
            int bp = bi + p * ldb;
            for (int r = 0; r < rows; r++) {
                axpy(x[r * k + p], b, bp, acc, r * w, wv, w);
            }
        }
        return acc;
    }

    /** acc[ai + j] += x * b[bi + j] for j in [0, w), vectorised up to wv. */
    private static void axpy(float x, float[] b, int bi, float[] acc, int ai, int wv, int w) {
        FloatVector xv = FloatVector.broadcast(S, x);
        int j = 0;
        for (; j < wv; j += VL) {
            xv.fma(FloatVector.fromArray(S, b, bi + j), FloatVector.fromArray(S, acc, ai + j)).intoArray(acc, ai + j);
        }
        for (; j < w; j++) {
            acc[ai + j] += x * b[bi + j];
        }
    }

    /** Writes alpha * tile + beta * C for the valid mr x nr part of a scratch tile. */
    private static void mergeTile(float[] tile, int mr, int nr, float[] c, int cIdx, int ldc,
                                  float alpha, float beta) {
        for (int r = 0; r < mr; r++) {
            int t = r * NR;
            int ci = cIdx + r * ldc;
            if (beta == 0f) {
                for (int j = 0; j < nr; j++) {
                    c[ci + j] = alpha * tile[t + j];
                }
            } else {
                for (int j = 0; j < nr; j++) {
                    c[ci + j] = alpha * tile[t + j] + beta * c[ci + j];
                }
            }
        }
    }

    /**
     * The micro-kernel: C[0..MR, 0..NR] = alpha * Ap * Bp + beta * C, where Ap is a k-major MR-row sliver and
     * Bp a k-major NR-column sliver. beta == 0 overwrites C.
     */
    static void kernel(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc,
                       float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * NR;
            int ao = ai + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + VL);
            FloatVector x = FloatVector.broadcast(S, a[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        if (beta == 0f) {
            c00.mul(alpha).intoArray(c, ci);
            c01.mul(alpha).intoArray(c, ci + VL);
            ci += ldc;
            c10.mul(alpha).intoArray(c, ci);
            c11.mul(alpha).intoArray(c, ci + VL);
            ci += ldc;
            c20.mul(alpha).intoArray(c, ci);
            c21.mul(alpha).intoArray(c, ci + VL);
            ci += ldc;
            c30.mul(alpha).intoArray(c, ci);
            c31.mul(alpha).intoArray(c, ci + VL);
            ci += ldc;
            c40.mul(alpha).intoArray(c, ci);
            c41.mul(alpha).intoArray(c, ci + VL);
            ci += ldc;
            c50.mul(alpha).intoArray(c, ci);
            c51.mul(alpha).intoArray(c, ci + VL);
        } else {
            // Written out: passing the accumulators to a helper can make C2 box them.
            FloatVector al = FloatVector.broadcast(S, alpha);
            c00.fma(al, FloatVector.fromArray(S, c, ci).mul(beta)).intoArray(c, ci);
            c01.fma(al, FloatVector.fromArray(S, c, ci + VL).mul(beta)).intoArray(c, ci + VL);
            ci += ldc;
            c10.fma(al, FloatVector.fromArray(S, c, ci).mul(beta)).intoArray(c, ci);
            c11.fma(al, FloatVector.fromArray(S, c, ci + VL).mul(beta)).intoArray(c, ci + VL);
            ci += ldc;
            c20.fma(al, FloatVector.fromArray(S, c, ci).mul(beta)).intoArray(c, ci);
            c21.fma(al, FloatVector.fromArray(S, c, ci + VL).mul(beta)).intoArray(c, ci + VL);
            ci += ldc;
            c30.fma(al, FloatVector.fromArray(S, c, ci).mul(beta)).intoArray(c, ci);
            c31.fma(al, FloatVector.fromArray(S, c, ci + VL).mul(beta)).intoArray(c, ci + VL);
            ci += ldc;
            c40.fma(al, FloatVector.fromArray(S, c, ci).mul(beta)).intoArray(c, ci);
            c41.fma(al, FloatVector.fromArray(S, c, ci + VL).mul(beta)).intoArray(c, ci + VL);
            ci += ldc;
            c50.fma(al, FloatVector.fromArray(S, c, ci).mul(beta)).intoArray(c, ci);
            c51.fma(al, FloatVector.fromArray(S, c, ci + VL).mul(beta)).intoArray(c, ci + VL);
        }
    }

    // ---- packing -------------------------------------------------------------------------------------------

    /** Packs kc x nr of row-major B (rows contiguous) into a k-major NR-wide sliver, zero-padding to NR. */
    static void packB(float[] b, int bi, int ldb, int kc, int nr, float[] dst, int di) {
        if (nr == NR) {
            for (int p = 0; p < kc; p++) {
                int src = bi + p * ldb;
                int d = di + p * NR;
                FloatVector.fromArray(S, b, src).intoArray(dst, d);
                FloatVector.fromArray(S, b, src + VL).intoArray(dst, d + VL);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int d = di + p * NR;
                System.arraycopy(b, bi + p * ldb, dst, d, nr);
                // the scratch array holds old values: the padding columns must be zeroed
                for (int j = nr; j < NR; j++) {
                    dst[d + j] = 0f;
                }
            }
        }
    }

    /** Packs kc x nr of op(B) where B is stored transposed (n x k, so column j of op(B) is contiguous). */
    static void packBTrans(float[] b, int bi, int ldb, int kc, int nr, float[] dst, int di) {
        for (int j = 0; j < nr; j++) {
            int src = bi + j * ldb;
            int d = di + j;
            for (int p = 0; p < kc; p++) {
                dst[d + p * NR] = b[src + p];
            }
        }
        for (int j = nr; j < NR; j++) {
            for (int p = 0; p < kc; p++) {
                dst[di + j + p * NR] = 0f;
            }
        }
    }

    /** Packs mc x kc of row-major A into k-major MR-row slivers at dst[di], zero-padding the last sliver. */
    static void packA(float[] a, int ai, int lda, int mc, int kc, float[] dst, int di) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int d0 = di + ir * kc;
            if (mr == MR) {
                int r0 = ai + ir * lda;
                for (int p = 0; p < kc; p++) {
                    int d = d0 + p * MR;
                    int s = r0 + p;
                    dst[d] = a[s];
                    dst[d + 1] = a[s + lda];
                    dst[d + 2] = a[s + 2 * lda];
                    dst[d + 3] = a[s + 3 * lda];
                    dst[d + 4] = a[s + 4 * lda];
                    dst[d + 5] = a[s + 5 * lda];
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    int s = ai + (ir + r) * lda;
                    for (int p = 0; p < kc; p++) {
                        dst[d0 + p * MR + r] = r < mr ? a[s + p] : 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs mc x kc of op(A) where A is stored transposed (k x m, so a column of op(A) is contiguous) at dst[d0]. Walks A
     * row by row so its reads are sequential: A is usually a weight matrix read once from memory, and the
     * hardware prefetcher follows sequential rows, not the MR-wide columns of the packed layout.
     */
    static void packATrans(float[] a, int ai, int lda, int mc, int kc, float[] dst, int d0) {
        int full = mc / MR * MR;
        for (int p = 0; p < kc; p++) {
            int s = ai + p * lda;
            int d = d0 + p * MR;
            for (int ir = 0; ir < full; ir += MR) {
                int di = d + ir * kc;
                int si = s + ir;
                dst[di] = a[si];
                dst[di + 1] = a[si + 1];
                dst[di + 2] = a[si + 2];
                dst[di + 3] = a[si + 3];
                dst[di + 4] = a[si + 4];
                dst[di + 5] = a[si + 5];
            }
            if (full < mc) {
                int di = d + full * kc;
                for (int r = 0; r < MR; r++) {
                    dst[di + r] = full + r < mc ? a[s + full + r] : 0f;
                }
            }
        }
    }
}
