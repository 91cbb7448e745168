package org.lrp4j.lrp.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.LocalResponseNorm;
import org.lrp4j.layers.ReLU;
import org.lrp4j.tensor.Tensor;

class LrnTaylorTest {

    static Tensor relevance(Tensor x, LocalResponseNorm lrn, Tensor r) {
        return relevance(Variable.constant(x), lrn, Variable.constant(r)).value();
    }

    static Variable relevance(Variable x, LocalResponseNorm lrn, Variable r) {
        Node node = new Node("lrn", lrn, List.of("x"), "y");
        Variable y = lrn.forward(List.of(x), null);
        return new LrnTaylor().propagate(new RuleContext(node, List.of(x), y, r)).get(0);
    }

    /** The rule's formula term by term in double precision, for one pixel of C channels. */
    static double[] expected(double[] x, double[] r, int size, double alpha, double beta, double bias) {
        int c = x.length;
        int before = (size - 1) / 2;
        int after = size - 1 - before;
        double a = alpha / size;
        double[] out = new double[c];
        for (int k = 0; k < c; k++) {
            double s = 0;
            for (int i = Math.max(0, k - before); i <= Math.min(c - 1, k + after); i++) {
                s += x[i] * x[i];
            }
            double d = bias + a * s;
            double[] t = new double[c];
            double total = 0;
            for (int j = Math.max(0, k - before); j <= Math.min(c - 1, k + after); j++) {
                t[j] = j == k ? x[k] / Math.pow(bias + a * x[k] * x[k], beta)
                        : -2 * beta * a * x[k] * x[j] * x[j] / Math.pow(d, beta + 1);
                total += t[j];
            }
            double stab = total + 1e-9 * (total >= 0 ? 1 : -1);
            for (int j = 0; j < c; j++) {
                out[j] += t[j] / stab * r[k];
            }
        }
        return out;
    }

    @Test
    void theTermsOfAHandComputedExampleForOddAndEvenWindows() {
        double[] x = {0.7, -1.3, 2.1};
        double[] r = {0.4, -0.2, 1.1};
        for (int size : new int[] {1, 2, 3, 4, 5}) {
            LocalResponseNorm lrn = new LocalResponseNorm(size, 0.9f, 0.75f, 1.5f);
            Tensor got = relevance(Tensor.of(new float[] {0.7f, -1.3f, 2.1f}, 1, 3, 1, 1), lrn,
                    Tensor.of(new float[] {0.4f, -0.2f, 1.1f}, 1, 3, 1, 1));
            double[] want = expected(x, r, size, 0.9, 0.75, 1.5);
            for (int j = 0; j < 3; j++) {
                assertThat((double) got.getFlat(j)).as("size %d channel %d", size, j).isCloseTo(want[j], within(1e-5));
            }
        }
    }

    @Test
    void relevanceIsConservedThroughLrn() {
        SplittableRandom rng = new SplittableRandom(3);
        LocalResponseNorm lrn = new LocalResponseNorm(5, 2f, 0.75f, 1f);
        Tensor x = Tensor.randn(rng, 1.5f, 2, 7, 4, 4);
        Tensor r = Tensor.randn(rng, 1f, 2, 7, 4, 4);
        Tensor in = relevance(x, lrn, r);
        for (int i = 0; i < 2; i++) {
            assertThat((double) in.select(i).sumValue()).isCloseTo(r.select(i).sumValue(), within(1e-3));
        }
    }

    @Test
    void asAlphaTendsToZeroItIsTheIdentity() {
        SplittableRandom rng = new SplittableRandom(4);
        Tensor x = Tensor.randn(rng, 1f, 1, 6, 3, 3);
        Tensor r = Tensor.randn(rng, 1f, 1, 6, 3, 3);
        Tensor in = relevance(x, new LocalResponseNorm(3, 1e-7f, 0.75f, 1f), r);
        assertThat(in.maxAbsDiff(r)).isLessThan(1e-5f);
    }

    @Test
    void theOwnShareKeepsItsSignAndASuppressingNeighbourGetsTheOppositeSign() {
        // window of 2: output 0 reads channels 0 and 1; a large x_1 suppresses y_0
        LocalResponseNorm lrn = new LocalResponseNorm(2, 1f, 0.75f, 1f);
        Tensor in = relevance(Tensor.of(new float[] {0.5f, 3f}, 1, 2, 1, 1), lrn,
                Tensor.of(new float[] {1f, 0f}, 1, 2, 1, 1));
        assertThat(in.getFlat(0)).isGreaterThan(1f);   // own share, positive like x_0 * R_0 and above R_0
        assertThat(in.getFlat(1)).isNegative();         // the suppressing neighbour
        assertThat((double) in.getFlat(0) + in.getFlat(1)).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void aHeatmapLossIsDifferentiableThroughLrn() {
        SplittableRandom rng = new SplittableRandom(5);
        LocalResponseNorm lrn = new LocalResponseNorm(3, 1.5f, 0.75f, 1f);
        float[] x0 = Tensor.randn(rng, 1f, 1, 4, 2, 2).toArray();
        Tensor r = Tensor.randn(rng, 1f, 1, 4, 2, 2);
        Variable x = Variable.parameter(Tensor.of(x0.clone(), 1, 4, 2, 2));
        Variable loss = Ops.sum(Ops.square(relevance(x, lrn, Variable.constant(r))));
        loss.backward();
        float[] g = x.grad().toArray();
        double h = 1e-3;
        for (int i = 0; i < x0.length; i++) {
            float[] p = x0.clone();
            float[] m = x0.clone();
            p[i] += (float) h;
            m[i] -= (float) h;
            double lp = relevance(Tensor.of(p, 1, 4, 2, 2), lrn, r).square().sumValue();
            double lm = relevance(Tensor.of(m, 1, 4, 2, 2), lrn, r).square().sumValue();
            double numeric = (lp - lm) / (2 * h);
            assertThat((double) g[i]).as("d loss / d x[%d]", i).isCloseTo(numeric, within(2e-2 * Math.max(1,
                    Math.abs(numeric))));
        }
    }

    @Test
    void otherNodesAreRefusedAndTheNameRoundTrips() {
        Node relu = new Node("relu", new ReLU(), List.of("x"), "y");
        Variable x = Variable.constant(Tensor.ones(1, 2, 1, 1));
        assertThatThrownBy(() -> new LrnTaylor().propagate(new RuleContext(relu, List.of(x), x, x)))
                .hasMessageContaining("applies to LRN nodes");
        assertThat(Rules.parse("taylor")).isEqualTo(new LrnTaylor());
        assertThat(Rules.parse(new LrnTaylor(1e-6f).describe())).isEqualTo(new LrnTaylor(1e-6f));
    }
}
