package org.lrp4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

class VariableTest {

    @Test
    void gradientsOfAVariableUsedTwiceAreSummed() {
        Variable x = Variable.parameter(Tensor.of(new float[] {2f, -3f}, 2));
        // y = sum(x * x + 3 x) -> dy/dx = 2x + 3
        Variable y = Ops.sum(Ops.add(Ops.mul(x, x), Ops.mul(x, 3f)));
        y.backward();
        assertThat(x.grad().toArray()).containsExactly(7f, -3f);
    }

    @Test
    void diamondGraphSendsEachPathOnce() {
        Variable x = Variable.parameter(Tensor.scalar(1.5f));
        Variable a = Ops.exp(x);
        Variable b = Ops.mul(a, a);          // exp(2x)
        Variable c = Ops.add(b, a);          // exp(2x) + exp(x)
        c.backward();
        double expected = 2 * Math.exp(3.0) + Math.exp(1.5);
        assertThat((double) x.grad().item()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4 * expected));
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        Variable w = Variable.parameter(Tensor.of(new float[] {1f, 2f}, 2));
        Ops.sum(Ops.mul(w, 2f)).backward();
        Ops.sum(Ops.mul(w, 2f)).backward();
        assertThat(w.grad().toArray()).containsExactly(4f, 4f);
        w.zeroGrad();
        assertThat(w.hasGrad()).isFalse();
    }

    @Test
    void seededBackwardMatchesVectorJacobianProduct() {
        Variable x = Variable.parameter(Tensor.of(new float[] {1f, 2f, 3f}, 3));
        Variable y = Ops.square(x);
        y.backward(Tensor.of(new float[] {1f, 0f, -1f}, 3));
        assertThat(x.grad().toArray()).containsExactly(2f, 0f, -6f);
    }

    @Test
    void constantsReceiveNoGradientAndResultsOfConstantsAreNotRecorded() {
        Variable c = Variable.constant(Tensor.ones(2));
        Variable w = Variable.parameter(Tensor.ones(2));
        Variable onlyConstants = Ops.mul(c, c);
        assertThat(onlyConstants.requiresGrad()).isFalse();
        assertThat(onlyConstants.isLeaf()).isTrue();
        Ops.sum(Ops.mul(c, w)).backward();
        assertThat(c.hasGrad()).isFalse();
        assertThat(w.grad().toArray()).containsExactly(1f, 1f);
    }

    @Test
    void noGradModeRecordsNothingAndNests() {
        Variable w = Variable.parameter(Tensor.ones(2));
        try (GradMode.Scope outer = GradMode.disabled()) {
            try (GradMode.Scope inner = GradMode.disabled()) {
                assertThat(GradMode.isEnabled()).isFalse();
            }
            assertThat(GradMode.isEnabled()).isFalse();
            Variable y = Ops.sum(Ops.mul(w, w));
            assertThat(y.requiresGrad()).isFalse();
            assertThatThrownBy(y::backward).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("GradMode");
        }
        assertThat(GradMode.isEnabled()).isTrue();
        assertThat(Ops.mul(w, w).requiresGrad()).isTrue();
    }

    @Test
    void detachCutsTheGraph() {
        Variable w = Variable.parameter(Tensor.of(new float[] {3f}, 1));
        Variable y = Ops.mul(Ops.mul(w, w).detach(), w);   // treated as 9 * w
        Ops.sum(y).backward();
        assertThat(w.grad().toArray()).containsExactly(9f);
    }

    @Test
    void backwardWithoutSeedNeedsAScalar() {
        Variable w = Variable.parameter(Tensor.ones(2, 3));
        Variable y = Ops.mul(w, 2f);
        assertThatThrownBy(y::backward).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("backward").hasMessageContaining("[2, 3]");
        assertThatThrownBy(() -> y.backward(Tensor.ones(3, 2))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("backward").hasMessageContaining("[2, 3]").hasMessageContaining("[3, 2]");
    }

    @Test
    void gradOfAVariableWithoutGradientExplainsWhy() {
        Variable w = Variable.parameter(Tensor.ones(1));
        assertThatThrownBy(w::grad).isInstanceOf(IllegalStateException.class).hasMessageContaining("backward()");
        Variable c = Variable.constant(Tensor.ones(1));
        assertThatThrownBy(c::grad).hasMessageContaining("Variable.parameter");
    }

    @Test
    void deepChainsDoNotOverflowTheStack() {
        Variable x = Variable.parameter(Tensor.scalar(1f));
        Variable y = x;
        for (int i = 0; i < 20_000; i++) {
            y = Ops.add(y, 0f);
        }
        y.backward();
        assertThat(x.grad().item()).isEqualTo(1f);
    }

    @Test
    void lossesRejectMismatchedShapesAndBadTargets() {
        Variable p = Variable.parameter(Tensor.zeros(2, 3));
        assertThatThrownBy(() -> Ops.mse(p, Variable.constant(Tensor.zeros(3, 2))))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("mse");
        assertThatThrownBy(() -> Ops.crossEntropy(p, new int[] {0, 3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crossEntropy")
                .hasMessageContaining("target 3");
        assertThatThrownBy(() -> Ops.linear(p, Variable.constant(Tensor.zeros(4, 2)), null))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("linear");
    }

    @Test
    void crossEntropyOfUniformLogitsIsLogOfClassCount() {
        Variable logits = Variable.parameter(Tensor.zeros(4, 10));
        Variable loss = Ops.crossEntropy(logits, new int[] {0, 1, 2, 9});
        assertThat((double) loss.value().item()).isCloseTo(Math.log(10), org.assertj.core.data.Offset.offset(1e-6));
    }
}
