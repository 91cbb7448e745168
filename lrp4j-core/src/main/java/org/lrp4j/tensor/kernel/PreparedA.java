package org.lrp4j.tensor.kernel;

/**
 * The left operand op(A) (m x k) of several products with different right operands, prepared once by
 * {@link GemmKernel#prepare}: a convolution multiplies its weights by one column block after another, and
 * without this the weights were packed again for every block. {@code packed} is the kernel's own layout (null
 * when the kernel reads A as stored); {@code a}, {@code aOff}, {@code lda} and {@code transA} describe A as stored.
 * The packed copy is a snapshot: A must not change while the preparation is in use.
 */
record PreparedA(boolean transA, int m, int k, float[] a, int aOff, int lda, float[] packed) {
}
