package org.lrp4j.tensor.kernel;

/**
 * Portable SGEMM in plain Java: used when the Vector API is absent, and as the reference of the tests.
 * Rows of C are split across threads and computed four at a time; the inner loop runs over contiguous rows of B
 * so the JIT can vectorise it.
 */
final class ScalarSgemm implements GemmKernel {

    @Override
    public String name() {
        return "scalar";
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
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        // The rows of op(B), each in its own array: C2 (JDK 17) vectorises the inner loop below only when the
        // arrays are indexed without an offset (with one it cannot rule out an overlap with the row of C).
        float[][] bRows = new float[k][n];
        for (int p = 0; p < k; p++) {
            float[] row = bRows[p];
            if (transB) {
                for (int j = 0; j < n; j++) {
                    row[j] = b[bOff + j * ldb + p];
                }
            } else {
                System.arraycopy(b, bOff + p * ldb, row, 0, n);
            }
        }
        long work = (long) m * n * Math.max(1, k);
        int grain = (int) Math.max(1, Math.min(m, (1 << 16) / Math.max(1, work / m)));
        Parallel.range(m, grain, (from, to) -> {
            float[][] rows = new float[4][n];
            for (int i = from; i < to; i += 4) {
                int nRows = Math.min(4, to - i);
                for (int r = 0; r < nRows; r++) {
                    java.util.Arrays.fill(rows[r], 0f);
                }
                // Rows of C four at a time, so each row of B fetched from cache serves four rows of C.
                for (int p = 0; p < k; p++) {
                    float[] bRow = bRows[p];
                    for (int r = 0; r < nRows; r++) {
                        float av = transA ? a[aOff + p * lda + i + r] : a[aOff + (i + r) * lda + p];
                        axpy(av, bRow, rows[r], n);
                    }
                }
                for (int r = 0; r < nRows; r++) {
                    store(rows[r], n, alpha, beta, c, cOff + (i + r) * ldc);
                }
            }
        });
    }

    /** y += x * b over [0, n). */
    private static void axpy(float x, float[] b, float[] y, int n) {
        for (int j = 0; j < n; j++) {
            y[j] += x * b[j];
        }
    }

    private static void store(float[] row, int n, float alpha, float beta, float[] c, int cr) {
        if (beta == 0f) {
            for (int j = 0; j < n; j++) {
                c[cr + j] = alpha * row[j];
            }
        } else {
            for (int j = 0; j < n; j++) {
                c[cr + j] = alpha * row[j] + beta * c[cr + j];
            }
        }
    }

    /** C = beta * C (C = 0 when beta is 0): the result when alpha or k is 0. */
    static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int cr = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, cr, cr + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) {
                    c[cr + j] *= beta;
                }
            }
        }
    }

    /** A plain single-threaded dot-product loop for small problems, where packing and threads do not pay. */
    static void serial(boolean transA, boolean transB, int m, int n, int k,
                       float alpha, float[] a, int aOff, int lda,
                       float[] b, int bOff, int ldb,
                       float beta, float[] c, int cOff, int ldc) {
        int aI = transA ? 1 : lda;
        int aP = transA ? lda : 1;
        int bP = transB ? 1 : ldb;
        int bJ = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            int cr = cOff + i * ldc;
            int ar = aOff + i * aI;
            for (int j = 0; j < n; j++) {
                int bc = bOff + j * bJ;
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += a[ar + p * aP] * b[bc + p * bP];
                }
                c[cr + j] = beta == 0f ? alpha * s : alpha * s + beta * c[cr + j];
            }
        }
    }
}
