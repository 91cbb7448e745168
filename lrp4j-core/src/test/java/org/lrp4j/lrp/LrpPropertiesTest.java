package org.lrp4j.lrp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.OutputSeed;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.AvgPool2d;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.ReLU;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.AlphaBeta;
import org.lrp4j.lrp.rules.Epsilon;
import org.lrp4j.lrp.rules.Flat;
import org.lrp4j.lrp.rules.Gamma;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.lrp.rules.WSquare;
import org.lrp4j.lrp.rules.Zero;
import org.lrp4j.lrp.rules.ZPlus;
import org.lrp4j.tensor.Tensor;

/** The laws of LRP on seeded random small networks. */
class LrpPropertiesTest {

    /** Conv ReLU MaxPool Conv ReLU AvgPool Flatten Linear ReLU Linear, with or without biases. */
    static Model randomNet(long seed, boolean withBias) {
        return randomNet(seed, withBias, true);
    }

    /** The same net; the second pooling is average pooling (norm rule, stabilized) or max pooling. */
    static Model randomNet(long seed, boolean withBias, boolean averagePool) {
        SplittableRandom r = new SplittableRandom(seed);
        int c1 = 2 + r.nextInt(3);
        int c2 = 2 + r.nextInt(3);
        Model m = ModelBuilder.create("net").input("input", 2, 8, 8)
                .then(conv(2, c1, r, withBias)).then(new ReLU()).then(MaxPool2d.of(2, 2))
                .then(conv(c1, c2, r, withBias)).then(new ReLU())
                .then(averagePool ? AvgPool2d.of(2, 2) : MaxPool2d.of(2, 2))
                .then(new Flatten())
                .then(linear(c2 * 4, 6, r, withBias)).then(new ReLU())
                .then(linear(6, 4, r, withBias))
                .build();
        return m;
    }

    private static Conv2d conv(int in, int out, SplittableRandom r, boolean bias) {
        Conv2d c = Conv2d.of(in, out, 3, 1, 1, r);
        return bias ? new Conv2d(c.spec(), c.weight(), Variable.parameter(Tensor.randn(r, 0.1f, out))) : new Conv2d(c.spec(), c.weight(), null);
    }

    private static Linear linear(int in, int out, SplittableRandom r, boolean bias) {
        Linear l = Linear.of(in, out, r);
        return bias ? l : new Linear(l.weight(), null);
    }

    static Composite everywhere(Rule rule) {
        return Composites.structural().named(rule.describe()).with(Selector.opType("Conv", "Gemm"), rule);
    }

    static Explanation explain(Model m, Composite c, Tensor x, Targets t, OutputSeed seed) {
        return LrpExplainer.builder(m, c).seed(seed).perNodeReport(true).build().explain(x, t);
    }

    static Tensor input(long seed) {
        return Tensor.randn(new SplittableRandom(seed * 31 + 7), 1f, 3, 2, 8, 8);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void lrpZeroConservesRelevanceOnBiasFreeNetworks(long seed) {
        Model m = randomNet(seed, false);
        Explanation e = explain(m, everywhere(new Zero()), input(seed), Targets.predicted(), OutputSeed.LOGIT);
        for (int i = 0; i < 3; i++) {
            double logit = e.output().get(i, e.targets()[i]);
            double sum = e.attribution().select(i).sumValue();
            assertThat(sum).as("seed %d image %d: input relevance vs target logit", seed, i)
                    .isCloseTo(logit, org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, Math.abs(logit))));
            assertThat(e.report().inputTotal()[i]).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void lrpZeroEqualsGradientTimesInputOnReluNetworks(long seed) {
        // max pooling only: the norm rule of average pooling has a stabilizer, which LRP-0's identity does not
        Model m = randomNet(seed, true, false);
        Tensor x = input(seed);
        Explanation e = explain(m, everywhere(new Epsilon(0f)), x, Targets.perImage(0, 1, 3), OutputSeed.LOGIT);
        Variable xv = Variable.parameter(x);
        Variable out = m.forward(xv, ForwardContext.inference());
        float[] onehot = new float[12];
        onehot[0] = 1f;
        onehot[4 + 1] = 1f;
        onehot[8 + 3] = 1f;
        out.backward(Tensor.wrap(onehot, 3, 4));
        Tensor gxi = xv.grad().mul(x);
        float scale = Math.max(1e-3f, gxi.abs().max().item());
        assertThat(e.attribution().maxAbsDiff(gxi) / scale).as("seed %d", seed).isLessThan(1e-4f);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void zplusRelevanceIsNonNegativeForAPositiveSeed(long seed) {
        Model m = randomNet(seed, true);
        Explanation e = explain(m, everywhere(new ZPlus()), input(seed), Targets.predicted(), OutputSeed.ONE_HOT);
        assertThat(e.attribution().min().item()).as("seed %d", seed).isGreaterThanOrEqualTo(0f);
        assertThat(e.attribution().sumValue()).isPositive();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void alphaOneBetaZeroEqualsZplus(long seed) {
        Model m = randomNet(seed, true);
        Tensor x = input(seed);
        Tensor a = explain(m, everywhere(new AlphaBeta(1f, 0f)), x, Targets.predicted(), OutputSeed.LOGIT).attribution();
        Tensor z = explain(m, everywhere(new ZPlus()), x, Targets.predicted(), OutputSeed.LOGIT).attribution();
        assertThat(a.maxAbsDiff(z)).as("seed %d", seed).isLessThanOrEqualTo(1e-6f * Math.max(1f, z.abs().max().item()));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void flatAndWSquareOnTheFirstLayerDoNotDependOnItsInput(long seed) {
        Model m = randomNet(seed, true);
        Tensor x = input(seed);
        // the rule maps the same output relevance to the same input relevance whatever the input and output values
        Rule[] rules = {new Flat(), new WSquare()};
        for (Rule rule : rules) {
            org.lrp4j.graph.Node conv1 = m.node("conv1");
            Variable r = Variable.constant(Tensor.randn(new SplittableRandom(seed), 1f, 3,
                    ((Conv2d) conv1.layer()).outChannels(), 8, 8));
            Tensor a = rule.propagate(new org.lrp4j.lrp.rules.RuleContext(conv1, List.of(Variable.constant(x)),
                    Variable.constant(Tensor.zeros(3, ((Conv2d) conv1.layer()).outChannels(), 8, 8)), r)).get(0).value();
            Tensor b = rule.propagate(new org.lrp4j.lrp.rules.RuleContext(conv1, List.of(Variable.constant(x.mul(5f))),
                    Variable.constant(Tensor.ones(3, ((Conv2d) conv1.layer()).outChannels(), 8, 8)), r)).get(0).value();
            assertThat(a.maxAbsDiff(b)).as("%s seed %d", rule.describe(), seed).isZero();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void conservationReportTotalsAddUp(long seed) {
        Model m = randomNet(seed, true);
        Explanation e = explain(m, Composites.epsilonPlusFlat(), input(seed), Targets.predicted(), OutputSeed.LOGIT);
        ConservationReport rep = e.report();
        for (int i = 0; i < 3; i++) {
            double absorbed = 0;
            for (NodeRelevance n : rep.nodes()) {
                absorbed += n.absorbed()[i];
            }
            assertThat(rep.outputTotal()[i] - absorbed).as("seed %d image %d", seed, i)
                    .isCloseTo(rep.inputTotal()[i], org.assertj.core.data.Offset.offset(1e-3 * Math.max(1, Math.abs(rep.outputTotal()[i]))));
            assertThat(rep.outputTotal()[i]).isCloseTo((double) e.output().get(i, e.targets()[i]), org.assertj.core.data.Offset.offset(1e-5));
        }
        assertThat(rep.nodes()).extracting(NodeRelevance::node).startsWith("conv1");
        assertThat(rep.nodes().get(0).rule()).isEqualTo("flat");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void allTargetsEqualsExplainingEachClassSeparately(long seed) {
        Model m = randomNet(seed, true);
        Tensor x = input(seed);
        Explanation all = explain(m, Composites.epsilonPlus(), x, Targets.all(), OutputSeed.LOGIT);
        assertThat(all.attribution().dims()).containsExactly(3, 4, 2, 8, 8);
        for (int c = 0; c < 4; c++) {
            Tensor one = explain(m, Composites.epsilonPlus(), x, Targets.of(c), OutputSeed.LOGIT).attribution();
            for (int i = 0; i < 3; i++) {
                assertThat(all.attribution().select(i).select(c).maxAbsDiff(one.select(i)))
                        .as("seed %d class %d image %d", seed, c, i).isLessThan(1e-5f);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void gammaGivesTheSameRelevanceWhetherOrNotItSkipsUnitsThatReceiveNone(long seed) {
        // explain() runs without gradient recording and skips the negative form where no relevance reaches z < 0;
        // relevance() records gradients through the weights, so it always computes both forms
        Model m = randomNet(seed, true);
        Tensor x = input(seed);
        int[] classes = {0, 1, 2};
        Composite gamma = everywhere(new org.lrp4j.lrp.rules.Gamma(0.25f));
        LrpExplainer lrp = LrpExplainer.builder(m, gamma).build();
        Tensor skipped = lrp.explain(x, Targets.perImage(classes)).attribution();
        Variable full = lrp.relevance(Variable.constant(x), classes);
        assertThat(full.requiresGrad()).isTrue();
        assertThat(skipped.maxAbsDiff(full.value())).as("seed %d", seed)
                .isLessThanOrEqualTo(1e-6f * Math.max(1f, skipped.abs().max().item()));
        assertThat(skipped.abs().max().item()).isPositive();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void epsilonPresetIsTheEpsilonRuleOnEveryConvAndGemm(long seed) {
        Model m = randomNet(seed, true);
        Tensor x = input(seed);
        Tensor preset = explain(m, Composites.byName("epsilon", null, null), x, Targets.predicted(), OutputSeed.LOGIT)
                .attribution();
        Tensor byRule = explain(m, everywhere(new Epsilon()), x, Targets.predicted(), OutputSeed.LOGIT).attribution();
        assertThat(preset.maxAbsDiff(byRule)).isZero();
        Tensor plus = explain(m, Composites.epsilonPlus(), x, Targets.predicted(), OutputSeed.LOGIT).attribution();
        assertThat(preset.maxAbsDiff(plus)).isPositive();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void withoutThePerNodeReportTheHeatmapAndTotalsAreTheSame(long seed) {
        Model m = randomNet(seed, true);
        Tensor x = input(seed);
        Explanation full = explain(m, Composites.epsilonGammaBox(Tensor.scalar(-3f), Tensor.scalar(3f)), x, Targets.predicted(), OutputSeed.LOGIT);
        Explanation lean = LrpExplainer.builder(m, Composites.epsilonGammaBox(Tensor.scalar(-3f), Tensor.scalar(3f))).build()
                .explain(x, Targets.predicted());
        assertThat(lean.attribution().maxAbsDiff(full.attribution())).isZero();
        assertThat(lean.report().nodes()).isEmpty();
        assertThat(full.report().nodes()).isNotEmpty();
        assertThat(lean.report().outputTotal()).containsExactly(full.report().outputTotal());
        assertThat(lean.report().inputTotal()).containsExactly(full.report().inputTotal());
        assertThat(lean.report().format()).contains("relevance at output").doesNotContain("bias took");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void heatmapIsADifferentiableFunctionOfTheWeights(long seed) {
        Model m = randomNet(seed, true);
        Tensor x = input(seed);
        Tensor target = Tensor.randn(new SplittableRandom(seed + 100), 1f, 3, 2, 8, 8);
        int[] classes = {0, 1, 2};
        LrpExplainer lrp = LrpExplainer.builder(m, Composites.epsilonAlpha2Beta1Flat()).build();
        Variable loss = Ops.sum(Ops.mul(lrp.relevance(Variable.constant(x), classes), Variable.constant(target)));
        loss.backward();
        Map<String, Variable> params = m.namedParameters();
        for (String name : List.of("conv2.weight", "fc1.weight", "fc2.bias")) {
            Variable p = params.get(name);
            Tensor analytic = p.grad();
            SplittableRandom r = new SplittableRandom(seed);
            for (int probe = 0; probe < 6; probe++) {
                int j = r.nextInt(p.value().size());
                float orig = p.value().getFlat(j);
                double h = 1e-2;
                p.value().setFlat(j, (float) (orig + h));
                double plus = lossValue(lrp, x, classes, target);
                p.value().setFlat(j, (float) (orig - h));
                double minus = lossValue(lrp, x, classes, target);
                p.value().setFlat(j, orig);
                double numeric = (plus - minus) / (2 * h);
                assertThat(analytic.getFlat(j)).as("d loss / d %s[%d], seed %d", name, j, seed)
                        .isCloseTo((float) numeric, org.assertj.core.data.Offset.offset((float) (2e-2 * Math.max(1, Math.abs(numeric)))));
            }
        }
    }

    private static double lossValue(LrpExplainer lrp, Tensor x, int[] classes, Tensor target) {
        try (org.lrp4j.autodiff.GradMode.Scope s = org.lrp4j.autodiff.GradMode.disabled()) {
            Tensor r = lrp.relevance(Variable.constant(x), classes).value();
            double acc = 0;
            for (int i = 0; i < r.size(); i++) {
                acc += (double) r.getFlat(i) * target.getFlat(i);
            }
            return acc;
        }
    }

    /** A model of one Gemm node with the given weight [out, in] and bias. */
    private static Model oneLinearLayer(Tensor w, Tensor b) {
        return ModelBuilder.create("one").input("input", w.dim(1))
                .then(new Linear(Variable.parameter(w), Variable.parameter(b))).build();
    }

    /**
     * Gamma against its formula, in double precision, for every class of a one-layer model (so relevance reaches
     * units with z &gt; 0 and units with z &lt; 0), for inputs of both signs and non-negative ones, with and without
     * zero_bias: p = x+ U + x- V + b_U, n = x+ V + x- U + b_V (U = w + g w+, V = w + g w-), and
     * R_i = x+_i (U R+/p + V R-/n) + x-_i (V R+/p + U R-/n) where R+ = R [z &gt; 0], R- = R [z &lt; 0].
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void gammaMatchesItsFormulaOnUnitsOfBothSigns(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor w = Tensor.randn(r, 1f, 4, 5);
        Tensor b = Tensor.randn(r, 1f, 4);
        Model m = oneLinearLayer(w, b);
        float g = 0.5f;
        double eps = 1e-6;
        Tensor signed = Tensor.randn(r, 1f, 3, 5);
        for (boolean zeroBias : new boolean[] {false, true}) {
            for (Tensor x : List.of(signed, signed.relu())) {
                Explanation e = explain(m, everywhere(new Gamma(g, (float) eps, zeroBias)), x, Targets.all(),
                        OutputSeed.LOGIT);
                Tensor z = m.predict(x);
                int negativeUnits = 0;
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) {
                        double zj = z.get(i, j);
                        negativeUnits += zj < 0 ? 1 : 0;
                        double p = 0;
                        double n = 0;
                        for (int k = 0; k < 5; k++) {
                            double xk = x.get(i, k);
                            double wk = w.get(j, k);
                            double u = wk + g * Math.max(wk, 0);
                            double v = wk + g * Math.min(wk, 0);
                            p += Math.max(xk, 0) * u + Math.min(xk, 0) * v;
                            n += Math.max(xk, 0) * v + Math.min(xk, 0) * u;
                        }
                        if (!zeroBias) {
                            p += b.get(j) + g * Math.max(b.get(j), 0);
                            n += b.get(j) + g * Math.min(b.get(j), 0);
                        }
                        // LOGIT seed: the relevance of class j is z_j at unit j
                        double cp = zj > 0 ? zj / (p + (p >= 0 ? eps : -eps)) : 0;
                        double cn = zj < 0 ? zj / (n + (n >= 0 ? eps : -eps)) : 0;
                        for (int k = 0; k < 5; k++) {
                            double xk = x.get(i, k);
                            double wk = w.get(j, k);
                            double u = wk + g * Math.max(wk, 0);
                            double v = wk + g * Math.min(wk, 0);
                            double expected = Math.max(xk, 0) * (u * cp + v * cn) + Math.min(xk, 0) * (v * cp + u * cn);
                            assertThat((double) e.attribution().get(i, j, k))
                                    .as("seed %d zero_bias %s %s input, image %d class %d feature %d", seed, zeroBias,
                                            x == signed ? "signed" : "non-negative", i, j, k)
                                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, Math.abs(expected))));
                        }
                    }
                }
                assertThat(negativeUnits).as("seed %d: some outputs are negative", seed).isPositive();
            }
        }
    }

    /**
     * Alpha-beta need not conserve (a unit without negative contributions loses its beta share), so its bias share
     * is checked against the formula: sum_j alpha b+_j R_j / stab(p_j) - beta b-_j R_j / stab(n_j), for inputs of
     * both signs and for non-negative ones (the rule computes these two cases differently).
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void alphaBetaReportsTheBiasShareOfBothSides(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor w = Tensor.randn(r, 1f, 4, 5);
        Tensor b = Tensor.randn(r, 1f, 4);
        Model m = oneLinearLayer(w, b);
        float alpha = 2f;
        float beta = 1f;
        float eps = 1e-6f;
        Tensor signed = Tensor.randn(r, 1f, 3, 5);
        for (Tensor x : List.of(signed, signed.relu())) {
            Explanation e = explain(m, everywhere(new AlphaBeta(alpha, beta, eps, false)), x, Targets.predicted(),
                    OutputSeed.ONE_HOT);
            NodeRelevance node = e.report().nodes().get(0);
            for (int i = 0; i < 3; i++) {
                // R = 1 at the predicted class j, 0 elsewhere
                double p = 0;
                double n = 0;
                int j = (int) m.predict(x).argmax(1).getFlat(i);
                for (int k = 0; k < 5; k++) {
                    double z = (double) x.get(i, k) * w.get(j, k);
                    p += Math.max(z, 0);
                    n += Math.min(z, 0);
                }
                p += Math.max(b.get(j), 0);
                n += Math.min(b.get(j), 0);
                double expected = alpha * Math.max(b.get(j), 0) / (p + (p >= 0 ? eps : -eps))
                        - beta * Math.min(b.get(j), 0) / (n + (n >= 0 ? eps : -eps));
                assertThat(node.biasAbsorbed()[i]).as("seed %d image %d, %s input", seed, i,
                        x == signed ? "signed" : "non-negative").isCloseTo(expected,
                        org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, Math.abs(expected))));
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void reportSplitsWhatWasAbsorbedIntoBiasAndStabilizer(long seed) {
        Tensor x = input(seed);
        // with biases and a negligible stabilizer, the bias took (nearly) everything a weighted node absorbed, for
        // every rule that puts (parts of) the bias into its denominators
        for (Rule rule : List.<Rule>of(new Epsilon(1e-6f), new ZPlus(1e-9f, false), new Gamma(0.25f, 1e-9f, false))) {
            Explanation withBias = explain(randomNet(seed, true), everywhere(rule), x, Targets.predicted(),
                    OutputSeed.LOGIT);
            for (NodeRelevance n : withBias.report().nodes()) {
                for (int i = 0; i < 3; i++) {
                    assertThat(n.biasAbsorbed()[i]).as("seed %d %s node %s image %d", seed, rule.describe(), n.node(), i)
                            .isCloseTo(n.absorbed()[i], org.assertj.core.data.Offset.offset(1e-3 * Math.max(1, Math.abs(n.out()[i]))));
                }
            }
        }
        // without biases, a large stabilizer took everything
        Explanation noBias = explain(randomNet(seed, false), everywhere(new Epsilon(0.25f)), x, Targets.predicted(),
                OutputSeed.LOGIT);
        double stabilizer = 0;
        for (NodeRelevance n : noBias.report().nodes()) {
            assertThat(n.biasAbsorbed()[0]).isZero();
            stabilizer += n.stabilizerAbsorbed()[0];
        }
        assertThat(noBias.report().outputTotal()[0] - stabilizer).as("seed %d", seed)
                .isCloseTo(noBias.report().inputTotal()[0], org.assertj.core.data.Offset.offset(1e-3));
        assertThat(noBias.report().format()).contains("bias took").contains("stabilizer");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void aUserSeedTensorIsLinearInTheRelevanceItStartsFrom(long seed) {
        Model m = randomNet(seed, false);
        Tensor x = input(seed);
        Composite c = everywhere(new Epsilon(0f));
        float[] a = new float[12];
        float[] b = new float[12];
        for (int i = 0; i < 3; i++) {
            a[i * 4 + 1] = 1f;
            b[i * 4 + 2] = 1f;
        }
        Tensor ra = LrpExplainer.builder(m, c).seed(Tensor.wrap(a, 3, 4)).build().explain(x, Targets.of(1)).attribution();
        Tensor rb = LrpExplainer.builder(m, c).seed(Tensor.wrap(b, 3, 4)).build().explain(x, Targets.of(2)).attribution();
        Tensor diff = Tensor.wrap(a, 3, 4).sub(Tensor.wrap(b, 3, 4));
        Tensor rd = LrpExplainer.builder(m, c).seed(diff).build().explain(x, Targets.of(1)).attribution();
        // LRP-0 (no stabilizer, no bias) is linear in the output relevance: contrast(a - b) = R(a) - R(b)
        assertThat(rd.maxAbsDiff(ra.sub(rb))).as("seed %d", seed).isLessThan(1e-4f * Math.max(1f, ra.abs().max().item()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LrpExplainer.builder(m, c).seed(Tensor.zeros(3, 5))
                .build().explain(x, Targets.of(1))).hasMessageContaining("[3, 4]").hasMessageContaining("[3, 5]");
    }
}
