package org.lrp4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;
import org.junit.jupiter.api.Test;

/** {@link Variable#gradients}: the gradients asked for, and no others computed or accumulated. */
class VariableGradientsTest {

    private static Tensor randn(long seed, int... dims) {
        return Tensor.randn(new SplittableRandom(seed), 1f, dims);
    }

    /** conv -> relu -> flatten -> linear, weights and biases as parameters like a model's layers. */
    private static Variable net(Variable x, Variable w1, Variable b1, Variable w2, Variable b2) {
        Variable h = Ops.relu(Ops.conv2d(x, w1, b1, Conv2dSpec.of(1, 1)));
        return Ops.linear(Ops.flatten(h), w2, b2);
    }

    @Test
    void inputGradientEqualsTheFullBackwardsAndLeavesTheWeightsUntouched() {
        Tensor xv = randn(1, 2, 3, 6, 6);
        Variable w1 = Variable.parameter(randn(2, 4, 3, 3, 3));
        Variable b1 = Variable.parameter(randn(3, 4));
        Variable w2 = Variable.parameter(randn(4, 5, 4 * 36));
        Variable b2 = Variable.parameter(randn(5, 5));
        Tensor seed = randn(6, 2, 5);

        Variable full = Variable.parameter(xv);
        net(full, w1, b1, w2, b2).backward(seed);
        Tensor expected = full.grad();
        for (Variable w : new Variable[] {w1, w2, b1, b2}) {
            w.zeroGrad();
        }

        Variable x = Variable.parameter(xv);
        List<Tensor> g = net(x, w1, b1, w2, b2).gradients(seed, List.of(x));
        assertThat(g).hasSize(1);
        assertThat(g.get(0).toArray()).containsExactly(expected.toArray());
        assertThat(x.hasGrad()).isFalse();
        for (Variable w : new Variable[] {w1, w2, b1, b2}) {
            assertThat(w.hasGrad()).isFalse();
        }
    }

    @Test
    void weightGradientsAreComputedOnlyWhenAskedFor() {
        Tensor xv = randn(7, 1, 2, 5, 5);
        Variable w = Variable.parameter(randn(8, 3, 2, 3, 3));
        Variable x = Variable.parameter(xv);
        Tensor seed = randn(9, 1, 3, 5, 5);
        Variable y = Ops.conv2d(x, w, null, Conv2dSpec.of(1, 1));
        y.backward(seed);
        List<Tensor> both = y.gradients(seed, List.of(w, x));
        assertThat(both.get(0).toArray()).containsExactly(w.grad().toArray());
        assertThat(both.get(1).toArray()).containsExactly(x.grad().toArray());
    }

    @Test
    void anOperationIsAskedOnlyForInputsThatLeadToAWantedVariable() {
        Variable x = Variable.parameter(randn(10, 4));
        Variable w = Variable.parameter(randn(11, 4));
        List<boolean[]> asked = new ArrayList<>();
        Variable y = Variable.result(x.value().mul(w.value()), "probe", (Variable.SelectiveBackward) (g, want) -> {
            asked.add(want == null ? null : want.clone());
            return new Tensor[] {g.mul(w.value()), g.mul(x.value())};
        }, x, w);
        Tensor gx = y.gradients(Tensor.ones(4), List.of(x)).get(0);
        assertThat(gx.toArray()).containsExactly(w.value().toArray());
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0)).containsExactly(true, false);
        y.backward(Tensor.ones(4));
        assertThat(asked.get(1)).isNull(); // the full backward asks for all
    }

    @Test
    void intermediateVariablesCanBeAskedForAndUnrelatedOnesGetZeros() {
        Variable x = Variable.parameter(randn(12, 3));
        Variable h = Ops.mul(x, 2f);
        Variable y = Ops.mul(h, h).sum();
        Variable unrelated = Variable.parameter(randn(13, 2));
        List<Tensor> g = y.gradients(Tensor.scalar(1f), List.of(h, unrelated));
        // d sum(h^2) / dh = 2h
        assertThat(g.get(0).toArray()).containsExactly(h.value().mul(2f).toArray());
        assertThat(g.get(1).toArray()).containsExactly(0f, 0f);
    }
}
