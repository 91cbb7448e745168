package org.lrp4j.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Linear;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.WSquare;
import org.lrp4j.patterns.PatternFit;
import org.lrp4j.patterns.Patterns;
import org.lrp4j.patterns.SignalQuality;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/** PatternNet and PatternAttribution: the paper's linear case and their relation to the gradient and to w^2. */
class PatternExplainersTest {

    /** Patterns with a_k = w_k / (w_k^T w_k) for every neuron of every Conv and Gemm node. */
    private static Patterns filterPatterns(Model m) {
        Map<String, Patterns.NodePatterns> nodes = new LinkedHashMap<>();
        for (var n : m.nodes()) {
            if (!n.opType().equals("Conv") && !n.opType().equals("Gemm")) {
                continue;
            }
            Tensor w = m.parameter(n.name(), "weight").value();
            int k = w.dim(0);
            int d = w.size() / k;
            float[] a = w.toArray();
            for (int j = 0; j < k; j++) {
                double ww = 0;
                for (int i = 0; i < d; i++) {
                    ww += a[j * d + i] * (double) a[j * d + i];
                }
                for (int i = 0; i < d; i++) {
                    a[j * d + i] = (float) (a[j * d + i] / ww);
                }
            }
            nodes.put(n.name(), new Patterns.NodePatterns(n.name(), Tensor.wrap(a, w.dims()), null, null));
        }
        return new Patterns(Patterns.modelHash(m), nodes, List.of());
    }

    @Test
    void patternAttributionWithTheFilterAsPatternIsTheWSquareRule() {
        SplittableRandom r = new SplittableRandom(4);
        Conv2d conv = new Conv2d(Conv2dSpec.of(1, 0), Variable.parameter(Tensor.randn(r, 0.5f, 3, 2, 3, 3)),
                Variable.parameter(Tensor.randn(r, 0.1f, 3)));
        Model m = ModelBuilder.create("linear").input("input", 2, 6, 6)
                .then(conv).then(new Flatten()).then(Linear.of(3 * 4 * 4, 7, r)).then(Linear.of(7, 4, r))
                .build();
        Tensor x = Tensor.randn(r, 1f, 3, 2, 6, 6);
        Tensor pa = new PatternAttribution(m, filterPatterns(m)).explain(x, Targets.predicted()).attribution();
        Tensor w2 = LrpExplainer.builder(m, Composites.structural().named("w2")
                .with(Selector.opType("Conv", "Gemm"), new WSquare(0f, true))).build()
                .explain(x, Targets.predicted()).attribution();
        float scale = w2.abs().max().item();
        assertThat(scale).isPositive();
        assertThat(pa.maxAbsDiff(w2)).isLessThanOrEqualTo(1e-5f * scale);
    }

    @Test
    void inTheLinearToyCasePatternNetFindsTheSignalWhereTheGradientReturnsTheFilter() {
        // x = a_s y + a_d eps, w^T a_s = 1, w^T a_d = 0 (Kindermans et al. 2018, section 2)
        float[] w = {1, -1};
        double[] as = {1, 0};
        double[] ad = {1, 1};
        Model m = ModelBuilder.create("toy").input("input", 2)
                .then(new Linear(Variable.parameter(Tensor.of(w, 1, 2)), null)).build();
        Tensor train = toy(new SplittableRandom(1), 20_000, as, ad);
        Patterns p = new PatternFit(m, false).add(train).patterns();
        Tensor x = toy(new SplittableRandom(2), 5, as, ad);
        Targets t = Targets.of(0);
        Tensor net = new PatternNet(m, p).explain(x, t).attribution();
        Tensor grad = new GradientExplainer(m).explain(x, t).attribution();
        Tensor y = m.predict(x);
        for (int i = 0; i < 5; i++) {
            // PatternNet: a_s * y for each input; the gradient: w whatever the input
            assertThat((double) net.get(i, 0)).isCloseTo(as[0] * y.get(i, 0), org.assertj.core.data.Offset.offset(
                    0.03 * Math.abs(y.get(i, 0)) + 1e-6));
            assertThat((double) net.get(i, 1)).isCloseTo(as[1] * y.get(i, 0), org.assertj.core.data.Offset.offset(
                    0.03 * Math.abs(y.get(i, 0)) + 1e-6));
            assertThat(grad.get(i, 0)).isEqualTo(w[0]);
            assertThat(grad.get(i, 1)).isEqualTo(w[1]);
        }
        PatternFit a = new PatternFit(m, true).add(toy(new SplittableRandom(3), 5_000, as, ad));
        PatternFit b = new PatternFit(m, true).add(toy(new SplittableRandom(4), 5_000, as, ad));
        Map<SignalQuality.Estimator, Double> rho = new LinkedHashMap<>();
        SignalQuality.measure(p, a, b, 0).forEach(q -> rho.put(q.estimator(), q.rho()));
        assertThat(rho.get(SignalQuality.Estimator.S_A)).isGreaterThan(0.98);
        // S_w leaves (1/2, 1/2) y in the residual: max corr = 0.5 / sqrt(0.25 + 1), rho = 0.553
        assertThat(rho.get(SignalQuality.Estimator.S_W)).isCloseTo(0.553, org.assertj.core.data.Offset.offset(0.03));
    }

    private static Tensor toy(SplittableRandom r, int n, double[] as, double[] ad) {
        float[] v = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double y = r.nextGaussian();
            double eps = r.nextGaussian();
            v[2 * i] = (float) (as[0] * y + ad[0] * eps);
            v[2 * i + 1] = (float) (as[1] * y + ad[1] * eps);
        }
        return Tensor.of(v, n, 2);
    }

    @Test
    void patternNetWithTheWeightsAsPatternsIsTheGradientTimesTheLogit() {
        Model m = TinyNets.cnn(8);
        Map<String, Patterns.NodePatterns> nodes = new LinkedHashMap<>();
        for (var n : m.nodes()) {
            if (n.opType().equals("Conv") || n.opType().equals("Gemm")) {
                Tensor w = m.parameter(n.name(), "weight").value();
                boolean relu = !n.name().equals(m.nodes().get(m.nodes().size() - 1).name());
                nodes.put(n.name(), new Patterns.NodePatterns(n.name(), w, relu ? w : null, relu ? w : null));
            }
        }
        Patterns p = new Patterns(Patterns.modelHash(m), nodes, List.of());
        Tensor x = ExplainerPropertiesTest.input(8, 3);
        Explanation net = new PatternNet(m, p).explain(x, Targets.predicted());
        Tensor grad = new GradientExplainer(m).explain(x, Targets.predicted()).attribution();
        Tensor logits = m.predict(x);
        for (int i = 0; i < 3; i++) {
            float y = logits.get(i, net.targets()[i]);
            Tensor expected = grad.select(i).mul(y);
            assertThat(net.attribution().select(i).maxAbsDiff(expected))
                    .isLessThanOrEqualTo(1e-5f * Math.max(1f, expected.abs().max().item()));
        }
    }

    @Test
    void patternsOfAnotherModelOrNoPatternsAreRefused() {
        Model m = TinyNets.cnn(1);
        Patterns other = new PatternFit(TinyNets.cnn(2), false).add(ExplainerPropertiesTest.input(1, 4)).patterns();
        assertThatThrownBy(() -> new PatternAttribution(m, other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belong to another model");
        assertThatThrownBy(() -> Explainers.byName("patternnet", m, MethodOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give --patterns p.npz");
    }
}
