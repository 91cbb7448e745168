package org.lrp4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

class LocalResponseTest {

    /** The textbook form, one differentiable op at a time. */
    private static Variable textbook(Variable x, int size, float alpha, float beta, float bias) {
        int before = (size - 1) / 2;
        Variable sum = Ops.channelWindowSum(Ops.square(x), before, size - 1 - before);
        return Ops.div(x, Ops.pow(Ops.add(Ops.mul(sum, alpha / size), bias), beta));
    }

    /** Sizes odd and even, exponents with and without a square-root shortcut, pixel counts across blocks. */
    @ParameterizedTest(name = "size {0} beta {1} pixels {2}")
    @CsvSource({"5, 0.75, 49", "4, 0.75, 600", "1, 0.5, 7", "3, 1.0, 1030", "2, 0.6, 30", "7, 0.75, 1"})
    void fusedForwardAndBackwardEqualTheTextbookComposition(int size, float beta, int pixels) {
        SplittableRandom rng = new SplittableRandom(size * 31L + pixels);
        Tensor x = Tensor.randn(rng, 1.4f, 2, 6, pixels, 1);
        Tensor g = Tensor.randn(rng, 1f, 2, 6, pixels, 1);
        Variable a = Variable.parameter(x);
        Variable b = Variable.parameter(x);
        Variable fused;
        Variable reference;
        try (GradMode.Scope on = GradMode.enabled()) {
            fused = Ops.localResponseNorm(a, size, 1.5f, beta, 1.2f);
            reference = textbook(b, size, 1.5f, beta, 1.2f);
            fused.backward(g);
            reference.backward(g);
        }
        assertThat(fused.value().allClose(reference.value(), 1e-6f, 1e-5f)).isTrue();
        assertThat(a.grad().allClose(b.grad(), 1e-5f, 1e-4f)).as("max diff %s", a.grad().maxAbsDiff(b.grad()))
                .isTrue();
    }
}
