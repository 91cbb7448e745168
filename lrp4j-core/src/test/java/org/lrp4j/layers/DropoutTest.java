package org.lrp4j.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/** Inverted dropout in training mode. */
class DropoutTest {

    private static float[] drop(float p, long seed, Tensor x) {
        return new Dropout(p).forward(List.of(Variable.constant(x)), ForwardContext.training(new SplittableRandom(seed)))
                .value().toArray();
    }

    /** Each output is 0 or 1/(1-p): mean 1, variance p/(1-p); the mean may be off by 6 standard errors. */
    @ParameterizedTest(name = "p = {0}")
    @ValueSource(floats = {0.1f, 0.3f, 0.5f, 0.9f})
    void zeroesAboutAFractionPAndScalesTheRest(float p) {
        int n = 100_000;
        Tensor ones = Tensor.ones(n);
        float[] y = drop(p, 11, ones);
        int zeros = 0;
        double sum = 0;
        for (float v : y) {
            if (v == 0f) {
                zeros++;
            } else {
                assertThat(v).isCloseTo(1f / (1f - p), within(1e-6f));
            }
            sum += v;
        }
        // binomial standard deviation of the fraction is at most 0.0016 here; allow > 6 sigma
        assertThat(zeros / (double) n).as("fraction of zeros for p %s", p).isCloseTo(p, within(0.01));
        assertThat(sum / n).as("mean for p %s", p).isCloseTo(1.0, within(6 * Math.sqrt(p / (1 - p) / n)));
    }

    @Test
    void keptValuesAreScaledInputs() {
        Tensor x = Tensor.randn(new SplittableRandom(3), 1f, 50, 40);
        float[] xs = x.toArray();
        float[] y = drop(0.25f, 5, x);
        for (int i = 0; i < xs.length; i++) {
            if (y[i] != 0f) {
                assertThat(y[i]).isCloseTo(xs[i] / 0.75f, within(1e-5f));
            }
        }
    }

    @Test
    void seededMasksRepeatAndDiffer() {
        Tensor ones = Tensor.ones(1000);
        assertThat(drop(0.5f, 7, ones)).containsExactly(drop(0.5f, 7, ones));
        assertThat(drop(0.5f, 7, ones)).isNotEqualTo(drop(0.5f, 8, ones));
    }

    @Test
    void gradientIsTheMask() {
        Variable x = Variable.parameter(Tensor.randn(new SplittableRandom(1), 1f, 200));
        Variable y = new Dropout(0.5f).forward(List.of(x), ForwardContext.training(new SplittableRandom(9)));
        y.backward(Tensor.ones(200));
        float[] g = x.grad().toArray();
        float[] mask = drop(0.5f, 9, Tensor.ones(200));
        assertThat(g).containsExactly(mask);
    }

    @Test
    void probabilityOutOfRangeIsRejected() {
        for (float p : new float[] {-0.1f, 1f, 1.5f, Float.NaN}) {
            assertThatThrownBy(() -> new Dropout(p)).as("p = %s", p).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Dropout");
        }
        assertThat(new Dropout(0f).p()).isZero();
        assertThat(new Dropout(0.999f).opType()).isEqualTo("Dropout");
    }
}
