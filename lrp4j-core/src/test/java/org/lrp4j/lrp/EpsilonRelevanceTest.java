package org.lrp4j.lrp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.explain.GradientTimesInput;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Tanh;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.Epsilon;
import org.lrp4j.tensor.Tensor;

class EpsilonRelevanceTest {

    /** Conv ReLU MaxPool Conv ReLU MaxPool Flatten Gemm ReLU Gemm on [3, 8, 8], four classes. */
    static Model net(long seed) {
        return Architectures.cnn(3, 8, 4, 4, 5, 6, new SplittableRandom(seed));
    }

    static Tensor images(long seed, int n) {
        return Tensor.randn(new SplittableRandom(seed), 1f, n, 3, 8, 8);
    }

    static void assertClose(Tensor a, Tensor b, double tol) {
        assertThat(a.shape()).isEqualTo(b.shape());
        double scale = 0;
        for (int i = 0; i < a.size(); i++) {
            scale = Math.max(scale, Math.abs(b.getFlat(i)));
        }
        for (int i = 0; i < a.size(); i++) {
            assertThat((double) a.getFlat(i)).as("element %d", i).isCloseTo(b.getFlat(i),
                    org.assertj.core.data.Offset.offset(tol * Math.max(scale, 1e-6)));
        }
    }

    @Test
    void equalsTheEnginesEpsilonHeatmapForOneEpsilon() {
        Model m = net(1);
        Tensor x = images(2, 6);
        int[] targets = {0, 1, 2, 3, 1, 2};
        for (float eps : new float[] {0.01f, 0.1f, 1f}) {
            Tensor engine = LrpExplainer.builder(m, Composites.epsilon())
                    .rule(Selector.opType("Conv", "Gemm"), new Epsilon(eps)).canonizers(List.of()).build()
                    .explain(x, Targets.perImage(targets)).attribution();
            float[] e = new float[6];
            java.util.Arrays.fill(e, eps);
            Tensor mine = EpsilonRelevance.relevance(m, Variable.constant(x), targets, e).relevance().value();
            assertClose(mine, engine, 1e-4);
        }
    }

    @Test
    void eachSampleUsesItsOwnEpsilon() {
        Model m = net(3);
        Tensor x = images(4, 2);
        int[] t = {1, 3};
        Tensor both = EpsilonRelevance.relevance(m, Variable.constant(x), t, new float[] {0.02f, 0.5f}).relevance()
                .value();
        Tensor first = EpsilonRelevance.relevance(m, Variable.constant(x.slice(0, 1)), new int[] {1},
                new float[] {0.02f}).relevance().value();
        Tensor second = EpsilonRelevance.relevance(m, Variable.constant(x.slice(1, 2)), new int[] {3},
                new float[] {0.5f}).relevance().value();
        assertClose(both.slice(0, 1).copy(), first, 1e-6);
        assertClose(both.slice(1, 2).copy(), second, 1e-6);
    }

    @Test
    void withEpsilonZeroTheHeatmapIsGradientTimesInput() {
        Model m = net(5);
        Tensor x = images(6, 5);
        int[] t = {3, 2, 1, 0, 3};
        Tensor gxi = new GradientTimesInput(m).explain(x, Targets.perImage(t)).attribution();
        Tensor mine = EpsilonRelevance.relevance(m, Variable.constant(x), t, new float[5]).relevance().value();
        assertClose(mine, gxi, 1e-4);
    }

    @Test
    void theHeatmapIsDifferentiatedInEveryWeight() {
        Model m = net(7);
        Tensor x = images(8, 4);
        Variable h = EpsilonRelevance.relevance(m, Variable.constant(x), new int[] {0, 1, 2, 3},
                new float[] {0.01f, 0.05f, 0.1f, 0.02f}).relevance();
        assertThat(h.requiresGrad()).isTrue();
        h.backward(Tensor.randn(new SplittableRandom(9), 1f, h.shape().toArray()));
        m.namedParameters().forEach((name, p) -> {
            assertThat(p.hasGrad()).as(name).isTrue();
            double sq = 0;
            for (int i = 0; i < p.grad().size(); i++) {
                sq += p.grad().getFlat(i) * p.grad().getFlat(i);
            }
            assertThat(sq).as("gradient of %s", name).isGreaterThan(0);
        });
    }

    @Test
    void unsupportedLayersAreNamedInOneLine() {
        Model m = ModelBuilder.create("tanh-net").input("input", 1, 2, 2).then(new Flatten())
                .then(Linear.of(4, 3, new SplittableRandom(1))).then(new Tanh())
                .then(Linear.of(3, 2, new SplittableRandom(2))).build();
        assertThatThrownBy(() -> EpsilonRelevance.relevance(m, Variable.constant(Tensor.zeros(1, 1, 2, 2)),
                new int[] {0}, new float[] {0.1f})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is Tanh").hasMessageContaining("tanh-net").hasMessageNotContaining("\n");
    }
}
