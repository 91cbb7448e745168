package org.lrp4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FmaPeakTest {

    /** The recurrence a <- a * 0.99999 + 1e-5 run {@code n} times from each start, summed in float like the loops. */
    private static double recurrence(long n, float[] starts, int lanes) {
        double sum = 0;
        for (float a0 : starts) {
            float a = a0;
            for (long i = 0; i < n; i++) {
                a = Math.fma(a, 0.99999f, 1e-5f);
            }
            sum += (double) a * lanes;
        }
        return sum;
    }

    @Test
    void scalarLoopComputesEveryMultiplyAddOfItsEightChains() {
        FmaLoop loop = new ScalarFmaLoop();
        float seed = 3f;
        float[] starts = new float[8];
        for (int j = 0; j < 8; j++) {
            starts[j] = seed + 0.01f * j;
        }
        assertThat((double) loop.run(1000, seed)).isCloseTo(recurrence(1000, starts, 1), within(1e-4));
        assertThat(loop.flopsPerIteration()).isEqualTo(8 * 2);
    }

    @Test
    void vectorLoopComputesEveryMultiplyAddOfItsSixteenAccumulators() {
        if (!VectorSupport.available()) {
            System.out.println("NOTICE: jdk.incubator.vector absent, vector FMA loop not tested");
            return;
        }
        FmaLoop loop = VectorSupport.vectorFmaLoop();
        int lanes = (int) (loop.flopsPerIteration() / 2 / 16);
        float seed = 2f;
        float[] starts = new float[16];
        for (int j = 0; j < 16; j++) {
            starts[j] = seed + 0.01f * j;
        }
        assertThat(loop.name()).isEqualTo(Sgemm.best().name());
        assertThat((double) loop.run(1000, seed)).isCloseTo(recurrence(1000, starts, lanes), within(1e-3 * lanes));
        // fewer iterations give another value: the loop is not cut short
        assertThat(loop.run(10, seed)).isNotEqualTo(loop.run(1000, seed));
    }

    @Test
    void peakIsAPositiveRateOnTheRequestedThreads() {
        FmaPeak.Result r = FmaPeak.measure(2);
        assertThat(r.threads()).isEqualTo(2);
        assertThat(r.gflops()).isPositive().isFinite();
        assertThat(r.gflopsPerThread()).isEqualTo(r.gflops() / 2);
        assertThat(r.kernel()).isEqualTo(VectorSupport.available() ? Sgemm.best().name() : "scalar");
    }

    @Test
    void rejectsFewerThanOneThread() {
        assertThatThrownBy(() -> FmaPeak.measure(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads must be >= 1");
    }
}
