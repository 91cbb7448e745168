package org.lrp4j.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The gradient explainers resolve their targets on the output of their own forward pass; the result is the
 * gradient of the predicted (or given) logit, as reverse-mode autodiff computes it.
 */
class GradientOwnOutputTest {

    private static Tensor autodiffGradient(Model m, Tensor x, int[] targets) {
        Variable in = Variable.parameter(x);
        Variable out = m.forward(in, ForwardContext.inference());
        int k = out.shape().dim(1);
        float[] seed = new float[out.shape().size()];
        for (int i = 0; i < targets.length; i++) {
            seed[i * k + targets[i]] = 1f;
        }
        return out.gradients(Tensor.wrap(seed, out.shape()), List.of(in)).get(0);
    }

    private static int[] argmax(Tensor logits) {
        int n = logits.dim(0);
        int k = logits.dim(1);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 1; j < k; j++) {
                if (logits.getFlat(i * k + j) > logits.getFlat(i * k + t[i])) {
                    t[i] = j;
                }
            }
        }
        return t;
    }

    private static void assertClose(Tensor actual, Tensor expected) {
        float[] a = actual.toArray();
        float[] e = expected.toArray();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("element %d", i).isCloseTo(e[i], within(1e-5f + 1e-4f * Math.abs(e[i])));
        }
    }

    @Test
    void predictedTargetsAreTheArgmaxAndTheGradientIsAutodiffs() {
        Model m = TinyNets.cnn(3);
        Tensor x = Tensor.randn(new SplittableRandom(4), 1f, 3, 1, 8, 8);
        int[] expected = argmax(m.predict(x));
        Explanation g = new GradientExplainer(m).explain(x, Targets.predicted());
        assertThat(g.targets()).containsExactly(expected);
        assertClose(g.attribution(), autodiffGradient(m, x, expected));
        assertClose(g.output(), m.predict(x));
        Explanation gx = new GradientTimesInput(m).explain(x, Targets.predicted());
        assertThat(gx.targets()).containsExactly(expected);
        assertClose(gx.attribution(), autodiffGradient(m, x, expected).mul(x));
    }

    @Test
    void givenTargetsAreKeptPerImage() {
        Model m = TinyNets.cnn(5);
        Tensor x = Tensor.randn(new SplittableRandom(6), 1f, 2, 1, 8, 8);
        Explanation g = new GradientExplainer(m).explain(x, Targets.perImage(1, 0));
        assertThat(g.targets()).containsExactly(1, 0);
        assertClose(g.attribution(), autodiffGradient(m, x, new int[] {1, 0}));
    }
}
