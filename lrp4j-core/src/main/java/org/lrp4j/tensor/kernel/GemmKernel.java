package org.lrp4j.tensor.kernel;

/**
 * Single-precision general matrix multiply on row-major arrays:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where op(A) is m x k and op(B) is k x n.
 * {@code lda}, {@code ldb}, {@code ldc} are the row strides of A, B, C as stored (before transposition).
 * When beta is 0, C is overwritten and its old contents (even NaN) are ignored.
 */
public interface GemmKernel {
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc);

    /**
     * op(A) prepared for several products {@link #gemm(PreparedA, boolean, int, float, float[], int, int, float,
     * float[], int, int)} with different B. By default nothing is prepared (A is read as stored).
     */
    default PreparedA prepare(boolean transA, int m, int k, float[] a, int aOff, int lda) {
        return new PreparedA(transA, m, k, a, aOff, lda, null);
    }

    /** {@code C = alpha * op(A) * op(B) + beta * C} with a prepared op(A): the same result as the plain call. */
    default void gemm(PreparedA a, boolean transB, int n, float alpha, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        gemm(a.transA(), transB, a.m(), n, a.k(), alpha, a.a(), a.aOff(), a.lda(), b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** A short name for reports and benchmarks. */
    String name();
}
