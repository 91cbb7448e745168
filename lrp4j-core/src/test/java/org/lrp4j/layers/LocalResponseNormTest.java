package org.lrp4j.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.lrp4j.layers.LayerFixtures.c;
import static org.lrp4j.layers.LayerFixtures.f;
import static org.lrp4j.layers.LayerFixtures.infer;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

/**
 * LRN: y_c = x_c / (k + alpha / size * sum of x_c'^2 over the window)^beta, with the ONNX window
 * c - floor((size - 1) / 2) .. c + ceil((size - 1) / 2), clipped to the channels.
 */
class LocalResponseNormTest {

    /** x = [1, 2, 3] in three channels, squares [1, 4, 9]. */
    private static final Variable X = c(f(1, 2, 3), 1, 3, 1, 1);

    @Test
    void size3WindowIsCentred() {
        // alpha / size = 1, beta 1, k 1. Windows {0,1}, {0,1,2}, {1,2}: sums 5, 14, 13
        Variable y = infer(new LocalResponseNorm(3, 3f, 1f, 1f), X);
        assertThat(y.shape()).isEqualTo(Shape.of(1, 3, 1, 1));
        assertThat(y.value().toArray()).containsExactly(f(1 / 6.0, 2 / 15.0, 3 / 14.0), within(1e-6f));
        // alpha / size = 0.1, beta 0.5, k 2: 1 / sqrt(2.5), 2 / sqrt(3.4), 3 / sqrt(3.3)
        Variable z = infer(new LocalResponseNorm(3, 0.3f, 0.5f, 2f), X);
        assertThat(z.value().toArray()).containsExactly(
                f(0.6324555320336759, 1.0846522890932808, 1.651445647689541), within(1e-6f));
    }

    @Test
    void size2WindowLooksForwardAsInOnnx() {
        // ONNX: floor(1/2) = 0 channels before, ceil(1/2) = 1 after: windows {0,1}, {1,2}, {2}; sums 5, 13, 9.
        // alpha / size = 1, beta 1, k 1. (A backward-looking window {c-1, c} would give 1/2, 2/6, 3/14.)
        Variable y = infer(new LocalResponseNorm(2, 2f, 1f, 1f), X);
        assertThat(y.value().toArray()).containsExactly(f(1 / 6.0, 2 / 14.0, 3 / 10.0), within(1e-6f));
    }

    @Test
    void size1And4Windows() {
        // size 1: each channel alone, alpha / size = 1: x / (1 + x^2)
        assertThat(infer(new LocalResponseNorm(1, 1f, 1f, 1f), X).value().toArray())
                .containsExactly(f(1 / 2.0, 2 / 5.0, 3 / 10.0), within(1e-6f));
        // size 4: 1 before, 2 after: windows {0,1,2}, {0,1,2}, {1,2}: sums 14, 14, 13; alpha / size = 1
        assertThat(infer(new LocalResponseNorm(4, 4f, 1f, 1f), X).value().toArray())
                .containsExactly(f(1 / 15.0, 2 / 15.0, 3 / 14.0), within(1e-6f));
    }

    @ParameterizedTest(name = "size {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 7})
    void matchesTheFormulaOnBatchedSpatialInput(int size) {
        int n = 2;
        int ch = 5;
        int hw = 3;
        Tensor x = Tensor.randn(new SplittableRandom(size), 1.5f, n, ch, 1, hw);
        float alpha = 1e-1f;
        float beta = 0.75f;
        float k = 2f;
        float[] y = infer(new LocalResponseNorm(size, alpha, beta, k), Variable.constant(x)).value().toArray();
        float[] xs = x.toArray();
        int before = (size - 1) / 2;
        int after = size / 2; // ceil((size - 1) / 2)
        for (int b = 0; b < n; b++) {
            for (int cc = 0; cc < ch; cc++) {
                for (int i = 0; i < hw; i++) {
                    double sq = 0;
                    for (int j = Math.max(0, cc - before); j <= Math.min(ch - 1, cc + after); j++) {
                        double v = xs[(b * ch + j) * hw + i];
                        sq += v * v;
                    }
                    int at = (b * ch + cc) * hw + i;
                    double expected = xs[at] / Math.pow(k + alpha / size * sq, beta);
                    assertThat(y[at]).as("size %d, n %d, c %d, i %d", size, b, cc, i)
                            .isCloseTo((float) expected, within(1e-5f));
                }
            }
        }
    }

    @Test
    void rejectsBadSizeAndLowRankInput() {
        assertThatThrownBy(() -> new LocalResponseNorm(0, 1f, 1f, 1f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LRN");
        assertThatThrownBy(() -> infer(new LocalResponseNorm(3, 1f, 1f, 1f), c(f(1, 2, 3), 1, 3)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("LRN").hasMessageContaining("[1, 3]");
        assertThat(new LocalResponseNorm(3, 1f, 1f, 1f).opType()).isEqualTo("LRN");
    }
}
