package org.lrp4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FmaLoop} on the widest vectors of this CPU: 16 independent accumulators (half the vector registers of
 * AVX-512, enough to cover the FMA latency times the FMA units of current cores), each updated by one FMA per
 * iteration. Only loaded when {@link VectorSupport#available()}.
 */
final class VectorFmaLoop implements FmaLoop {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int ACCUMULATORS = 16;

    @Override
    public long flopsPerIteration() {
        return 2L * ACCUMULATORS * S.length();
    }

    @Override
    public String name() {
        return "vector" + S.vectorBitSize();
    }

    @Override
    public float run(long iterations, float seed) {
        // a <- a * m + c converges to c / (1 - m) = 1 from any start: the values stay normal
        FloatVector m = FloatVector.broadcast(S, 0.99999f);
        FloatVector c = FloatVector.broadcast(S, 1e-5f);
        FloatVector a0 = FloatVector.broadcast(S, seed);
        FloatVector a1 = a0.add(0.01f);
        FloatVector a2 = a0.add(0.02f);
        FloatVector a3 = a0.add(0.03f);
        FloatVector a4 = a0.add(0.04f);
        FloatVector a5 = a0.add(0.05f);
        FloatVector a6 = a0.add(0.06f);
        FloatVector a7 = a0.add(0.07f);
        FloatVector a8 = a0.add(0.08f);
        FloatVector a9 = a0.add(0.09f);
        FloatVector a10 = a0.add(0.10f);
        FloatVector a11 = a0.add(0.11f);
        FloatVector a12 = a0.add(0.12f);
        FloatVector a13 = a0.add(0.13f);
        FloatVector a14 = a0.add(0.14f);
        FloatVector a15 = a0.add(0.15f);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
            a12 = a12.fma(m, c);
            a13 = a13.fma(m, c);
            a14 = a14.fma(m, c);
            a15 = a15.fma(m, c);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(a8.add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15));
        return s.reduceLanes(VectorOperators.ADD);
    }
}
