package org.lrp4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** {@link AddKernel} with the Vector API; only loaded when {@link VectorSupport#available()}. */
final class VectorAdd implements AddKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public void add(float[] dst, int d, float[] src, int s, int n) {
        int vl = S.length();
        int i = 0;
        // dst and src are different arrays in every caller; with the same array the lanes still read before they
        // write within one vector, so only overlapping runs closer than a vector apart would differ from the loop
        for (; i + vl <= n; i += vl) {
            FloatVector.fromArray(S, dst, d + i).add(FloatVector.fromArray(S, src, s + i)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += src[s + i];
        }
    }
}
