package org.lrp4j.tensor.kernel;

/**
 * dst[d .. d + n) += src[s .. s + n). The JIT does not vectorize this loop by itself (the two arrays might be one,
 * at overlapping offsets), so the Vector API version runs when the module is there: col2im spends its time here.
 */
interface AddKernel {
    void add(float[] dst, int d, float[] src, int s, int n);

    AddKernel BEST = VectorSupport.available() ? VectorSupport.vectorAdd() : new Scalar();

    /** The plain loop. */
    final class Scalar implements AddKernel {
        @Override
        public void add(float[] dst, int d, float[] src, int s, int n) {
            for (int i = 0; i < n; i++) {
                dst[d + i] += src[s + i];
            }
        }
    }
}
