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

    /** A short name for reports and benchmarks. */
    String name();
}
