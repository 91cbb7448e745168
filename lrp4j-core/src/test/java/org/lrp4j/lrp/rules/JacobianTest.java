package org.lrp4j.lrp.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.layers.LocalResponseNorm;
import org.lrp4j.tensor.Tensor;

class JacobianTest {

    /** v^T J by reverse-mode differentiation of the layer itself: the reference for a hand-written case. */
    private static Tensor byAutodiff(LocalResponseNorm lrn, Tensor x, Tensor v) {
        Variable leaf = Variable.parameter(x);
        try (GradMode.Scope on = GradMode.enabled()) {
            lrn.forward(List.of(leaf), ForwardContext.inference()).backward(v);
        }
        return leaf.grad();
    }

    private static Variable transpose(LocalResponseNorm lrn, Variable x, Variable v) {
        Node node = new Node("lrn", lrn, List.of("x"), "y");
        Variable y = lrn.forward(List.of(x), ForwardContext.inference());
        return Jacobian.transpose(node, List.of(x), y, v).get(0);
    }

    @Test
    void lrnTransposedJacobianEqualsTheLayersAutodiffForOddAndEvenWindows() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int size : new int[] {1, 2, 3, 4, 5}) {
            LocalResponseNorm lrn = new LocalResponseNorm(size, 1.7f, 0.75f, 1.2f);
            Tensor x = Tensor.randn(rng, 1.3f, 2, 6, 3, 3);
            Tensor v = Tensor.randn(rng, 1f, 2, 6, 3, 3);
            Tensor got = transpose(lrn, Variable.constant(x), Variable.constant(v)).value();
            Tensor want = byAutodiff(lrn, x, v);
            assertThat(got.maxAbsDiff(want)).as("size %d", size).isLessThan(1e-5f);
        }
    }

    @Test
    void lrnTransposedJacobianIsDifferentiableInTheVector() {
        // linear in v: d/dv sum(c * J^T v) = J c, which is the forward-mode product; check it by finite differences
        SplittableRandom rng = new SplittableRandom(5);
        LocalResponseNorm lrn = new LocalResponseNorm(3, 2f, 0.75f, 1f);
        Tensor x = Tensor.randn(rng, 1f, 1, 5, 2, 2);
        Tensor v0 = Tensor.randn(rng, 1f, 1, 5, 2, 2);
        Tensor c = Tensor.randn(rng, 1f, 1, 5, 2, 2);
        Variable v = Variable.parameter(v0);
        try (GradMode.Scope on = GradMode.enabled()) {
            Variable out = transpose(lrn, Variable.constant(x), v);
            assertThat(out.requiresGrad()).as("the LRN case keeps v on the tape").isTrue();
            Ops.sum(Ops.mul(out, Variable.constant(c))).backward();
        }
        Tensor grad = v.grad();
        float h = 1e-2f;
        for (int i = 0; i < v0.size(); i++) {
            Tensor up = v0.copy();
            up.setFlat(i, v0.getFlat(i) + h);
            Tensor down = v0.copy();
            down.setFlat(i, v0.getFlat(i) - h);
            double fUp = transpose(lrn, Variable.constant(x), Variable.constant(up)).value().mul(c).sum().item();
            double fDown = transpose(lrn, Variable.constant(x), Variable.constant(down)).value().mul(c).sum().item();
            assertThat((double) grad.getFlat(i)).as("element %d", i).isCloseTo((fUp - fDown) / (2 * h),
                    org.assertj.core.api.Assertions.within(2e-3));
        }
    }

    @Test
    void theAutodiffFallbackRefusesToCutAGradientSilently() {
        SplittableRandom rng = new SplittableRandom(8);
        Node node = new Node("mm", new org.lrp4j.layers.MatMul(), List.of("a", "b"), "y");
        Tensor a = Tensor.randn(rng, 1f, 2, 3);
        Tensor b = Tensor.randn(rng, 1f, 3, 4);
        Tensor v = Tensor.randn(rng, 1f, 2, 4);
        try (GradMode.Scope on = GradMode.enabled()) {
            List<Variable> in = List.of(Variable.parameter(a), Variable.constant(b));
            Variable y = node.layer().forward(in, ForwardContext.inference());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Jacobian.transpose(node, in, y,
                    Variable.constant(v))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("node 'mm' (MatMul) is not differentiable");
        }
        try (GradMode.Scope off = GradMode.disabled()) {
            List<Variable> in = List.of(Variable.constant(a), Variable.constant(b));
            Variable y = node.layer().forward(in, ForwardContext.inference());
            Tensor got = Jacobian.transpose(node, in, y, Variable.constant(v)).get(0).value();
            assertThat(got.maxAbsDiff(v.matmul(b.transpose()))).isLessThan(1e-5f);
        }
    }
}
