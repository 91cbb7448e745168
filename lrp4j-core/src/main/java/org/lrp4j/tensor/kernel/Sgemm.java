package org.lrp4j.tensor.kernel;

/**
 * The SGEMM entry point of the engine. Picks the fastest kernel this JVM can run once, at class initialisation.
 */
public final class Sgemm {
    private Sgemm() {
    }

    private static final GemmKernel SCALAR = new ScalarSgemm();
    private static final GemmKernel BEST = VectorSupport.available() ? VectorSupport.vectorGemm() : SCALAR;

    /** The kernel used by {@link #gemm}. */
    public static GemmKernel best() {
        return BEST;
    }

    /** The portable kernel, used when the Vector API module is absent. */
    public static GemmKernel scalar() {
        return SCALAR;
    }

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        BEST.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** op(A) prepared for several products with different B (see {@link GemmKernel#prepare}). */
    static PreparedA prepare(boolean transA, int m, int k, float[] a, int aOff, int lda) {
        return BEST.prepare(transA, m, k, a, aOff, lda);
    }

    /** The product with a prepared op(A); the same result as the plain {@link #gemm}. */
    static void gemm(PreparedA a, boolean transB, int n, float alpha, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        BEST.gemm(a, transB, n, alpha, b, bOff, ldb, beta, c, cOff, ldc);
    }

    static void checkArgs(boolean transA, boolean transB, int m, int n, int k,
                          float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        checkMatrix("A", a, aOff, lda, aRows, aCols);
        checkMatrix("B", b, bOff, ldb, bRows, bCols);
        checkMatrix("C", c, cOff, ldc, m, n);
    }

    private static void checkMatrix(String name, float[] x, int off, int ld, int rows, int cols) {
        if (rows == 0 || cols == 0) {
            return;
        }
        if (ld < cols) {
            throw new IllegalArgumentException("sgemm: leading dimension of " + name + " is " + ld
                    + " but its rows have " + cols + " columns");
        }
        long last = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IllegalArgumentException("sgemm: " + name + " (" + rows + " x " + cols + ", ld " + ld
                    + ", offset " + off + ") needs " + last + " elements but the array has " + x.length);
        }
    }
}
