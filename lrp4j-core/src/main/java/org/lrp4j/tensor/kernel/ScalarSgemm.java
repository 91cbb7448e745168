package org.lrp4j.tensor.kernel;

/**
 * Portable SGEMM in plain Java: used when the Vector API is absent, and as the reference of the tests.
 * Rows of C are split across threads; the inner loop runs over contiguous rows of B so the JIT can vectorise it.
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
        // B as k x n row-major, so the inner loop is contiguous.
        float[] bb;
        int bo;
        int bld;
        if (transB) {
            bb = new float[k * n];
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    bb[p * n + j] = b[bOff + j * ldb + p];
                }
            }
            bo = 0;
            bld = n;
        } else {
            bb = b;
            bo = bOff;
            bld = ldb;
        }
        long work = (long) m * n * Math.max(1, k);
        int grain = (int) Math.max(1, Math.min(m, (1 << 16) / Math.max(1, work / m)));
        Parallel.range(m, grain, (from, to) -> {
            float[] row = new float[n];
            for (int i = from; i < to; i++) {
                java.util.Arrays.fill(row, 0f);
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    int br = bo + p * bld;
                    for (int j = 0; j < n; j++) {
                        row[j] += av * bb[br + j];
                    }
                }
                int cr = cOff + i * ldc;
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
        });
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
