package org.lrp4j.tensor.kernel;

/** {@link FmaLoop} without the Vector API: eight independent scalar {@link Math#fma} chains. */
final class ScalarFmaLoop implements FmaLoop {

    @Override
    public long flopsPerIteration() {
        return 16;
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public float run(long iterations, float seed) {
        float m = 0.99999f;
        float c = 1e-5f;
        float a0 = seed;
        float a1 = seed + 0.01f;
        float a2 = seed + 0.02f;
        float a3 = seed + 0.03f;
        float a4 = seed + 0.04f;
        float a5 = seed + 0.05f;
        float a6 = seed + 0.06f;
        float a7 = seed + 0.07f;
        for (long i = 0; i < iterations; i++) {
            a0 = Math.fma(a0, m, c);
            a1 = Math.fma(a1, m, c);
            a2 = Math.fma(a2, m, c);
            a3 = Math.fma(a3, m, c);
            a4 = Math.fma(a4, m, c);
            a5 = Math.fma(a5, m, c);
            a6 = Math.fma(a6, m, c);
            a7 = Math.fma(a7, m, c);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    }
}
