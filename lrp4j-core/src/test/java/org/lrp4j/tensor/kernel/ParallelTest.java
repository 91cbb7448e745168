package org.lrp4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 3})
    void rangeVisitsEveryIndexExactlyOnceWithinTheThreadLimit(int threads) {
        for (int n : new int[] {0, 1, 7, 33, 257, 10_000}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
            int seen = Parallel.withThreads(threads, () -> {
                assertThat(Parallel.threads()).isEqualTo(threads);
                Parallel.range(n, 3, (from, to) -> {
                    assertThat(Parallel.threads()).isEqualTo(threads);
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                return Parallel.threads();
            });
            assertThat(seen).isEqualTo(threads);
            for (int i = 0; i < n; i++) {
                assertThat(hits.get(i)).as("index %d of %d on %d threads", i, n, threads).isEqualTo(1);
            }
        }
    }

    @Test
    void exceptionsInABodyReachTheCaller() {
        assertThatThrownBy(() -> Parallel.range(100, 1, (from, to) -> {
            throw new IllegalStateException("boom at " + from);
        })).hasMessageContaining("boom");
    }

    @Test
    void threadCountMustBePositive() {
        assertThatThrownBy(() -> Parallel.withThreads(0, () -> 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads");
    }
}
