package org.lrp4j.explain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.ReLU;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.LrnTaylor;
import org.lrp4j.lrp.rules.WSquare;
import org.lrp4j.lrp.rules.ZBox;
import org.lrp4j.lrp.rules.ZPlus;
import org.lrp4j.lrp.rules.Zero;
import org.lrp4j.tensor.Tensor;

/** Laws of the explainers on seeded random networks; the seed is in every message. */
class ExplainerPropertiesTest {

    static Tensor input(long seed, int n) {
        return Tensor.randn(new SplittableRandom(seed * 31 + 7), 1f, n, 1, 8, 8);
    }

    static double sumAbs(double[] v) {
        double s = 0;
        for (double d : v) {
            s += Math.abs(d);
        }
        return s;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void integratedGradientsCompletenessGapShrinksAsStepsGrow(long seed) {
        Model m = TinyNets.cnn(seed);
        Tensor x = input(seed, 3);
        double[] gaps = new double[4];
        int[] steps = {4, 16, 64, 512};
        for (int i = 0; i < steps.length; i++) {
            gaps[i] = sumAbs(new IntegratedGradients(m, steps[i], null).explainWithCompleteness(x, Targets.predicted())
                    .completenessGap());
        }
        assertThat(gaps[3]).as("seed %d: gaps %s", seed, java.util.Arrays.toString(gaps)).isLessThan(gaps[1]);
        assertThat(gaps[1]).as("seed %d: gaps %s", seed, java.util.Arrays.toString(gaps)).isLessThan(gaps[0]);
        assertThat(gaps[3]).as("seed %d: gaps %s", seed, java.util.Arrays.toString(gaps)).isLessThan(0.05 * gaps[0] + 1e-4);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void deepTaylorWithThePositiveDirectionIsZPlusAndWithTheOriginIsLrp0(long seed) {
        Model m = TinyNets.cnn(seed);
        Tensor x = input(seed, 2);
        // default: unbounded input -> w^2 on the first layer; after ReLU -> z+
        DeepTaylor dt = DeepTaylor.of(m);
        assertThat(dt.choices()).extracting(DeepTaylor.Choice::direction).containsExactly(
                DeepTaylor.Direction.NEAREST, DeepTaylor.Direction.POSITIVE, DeepTaylor.Direction.POSITIVE);
        Tensor expected = LrpExplainer.builder(m, Composites.structural().with(Selector.opType("Conv", "Gemm"),
                new ZPlus()).with(Selector.first(), new WSquare())).build().explain(x, Targets.predicted())
                .attribution();
        assertThat(dt.explain(x, Targets.predicted()).attribution().maxAbsDiff(expected)).as("seed %d", seed)
                .isLessThanOrEqualTo(1e-6f);
        Tensor lrp0 = LrpExplainer.builder(m, Composites.structural().with(Selector.opType("Conv", "Gemm"),
                new Zero())).build().explain(x, Targets.predicted()).attribution();
        Tensor origin = DeepTaylor.builder(m).direction("*", DeepTaylor.Direction.ORIGIN).build()
                .explain(x, Targets.predicted()).attribution();
        assertThat(origin.maxAbsDiff(lrp0)).as("seed %d", seed).isLessThanOrEqualTo(1e-6f);
        String report = dt.explain(x, Targets.predicted()).report().format();
        assertThat(report).as("seed %d", seed).contains("deep-taylor: conv1 (Conv): input domain unbounded -> nearest root")
                .contains("deep-taylor: conv2 (Conv): input domain non-negative -> positive-weight direction")
                .contains("zplus");
    }

    @Test
    void deepTaylorKeepsTheNonNegativeDomainThroughLrnAndUsesTheTaylorRuleThere() {
        Model m = Architectures.lrnCnn(1, 8, 3, new SplittableRandom(4));
        DeepTaylor dt = DeepTaylor.of(m);
        // conv2 reads MaxPool(LRN(ReLU(.))): LRN keeps the sign, so its input is non-negative as after a ReLU
        assertThat(dt.choices()).extracting(DeepTaylor.Choice::direction).containsExactly(
                DeepTaylor.Direction.NEAREST, DeepTaylor.Direction.POSITIVE, DeepTaylor.Direction.POSITIVE,
                DeepTaylor.Direction.POSITIVE);
        assertThat(dt.plan().rules().values()).filteredOn(r -> r instanceof LrnTaylor).hasSize(2);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14})
    void boundedRootPointsStayInTheBox(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        // first layer with non-positive biases (as DTD assumes for ReLU networks); bounds l <= 0 <= h
        Conv2d c = Conv2d.of(1, 3, 3, 1, 1, r);
        Conv2d conv = new Conv2d(c.spec(), c.weight(), Variable.parameter(Tensor.rand(r, -0.3f, 0f, 3)));
        Model m = ModelBuilder.create("boxnet").input("input", 1, 6, 6).then(conv).then(new ReLU())
                .then(new Flatten()).then(Linear.of(3 * 36, 4, r)).build();
        float lo = -0.8f;
        float hi = 2f;
        Tensor x = Tensor.rand(r, lo, hi, 2, 1, 6, 6);
        DeepTaylor dt = DeepTaylor.bounded(m, Tensor.scalar(lo), Tensor.scalar(hi));
        assertThat(dt.choices().get(0).direction()).isEqualTo(DeepTaylor.Direction.BOX);
        assertThat(dt.plan().rules().get("conv1")).isInstanceOf(ZBox.class);
        Tensor z = m.trace(Variable.constant(x)).output("conv1").value();
        List<DeepTaylor.Neuron> active = new ArrayList<>();
        for (int img = 0; img < 2; img++) {
            for (int u = 0; u < 3 * 36; u++) {
                if (z.getFlat(img * 108 + u) > 0) {
                    active.add(new DeepTaylor.Neuron("conv1", u, img));
                }
            }
        }
        assertThat(active).as("seed %d", seed).isNotEmpty();
        for (DeepTaylor.RootPoint p : dt.rootPoints(x, active)) {
            assertThat(p.inDomain()).as("seed %d: %s", seed, p.format()).isTrue();
            assertThat(p.rootIsZero()).as("seed %d: %s", seed, p.format()).isTrue();
            assertThat(p.root().min().item()).isGreaterThanOrEqualTo(lo - 1e-5f);
            assertThat(p.root().max().item()).isLessThanOrEqualTo(hi + 1e-5f);
            assertThat(p.t()).as("seed %d", seed).isBetween(0.0, 1.0 + 1e-6);
        }
        // the z+ root of the second layer (non-negative domain) stays non-negative too
        List<DeepTaylor.RootPoint> second = dt.rootPoints(x, List.of(new DeepTaylor.Neuron("fc1", 0, 0),
                new DeepTaylor.Neuron("fc1", 1, 1)));
        for (DeepTaylor.RootPoint p : second) {
            assertThat(p.domain()).isEqualTo(DeepTaylor.Domain.NON_NEGATIVE);
            assertThat(p.rootIsZero()).as("seed %d: %s", seed, p.format()).isTrue();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22})
    void nearestRootIsOnTheHyperplaneAndUnbounded(long seed) {
        Model m = TinyNets.cnn(seed);
        Tensor x = input(seed, 1);
        DeepTaylor.RootPoint p = DeepTaylor.of(m).rootPoints(x, List.of(new DeepTaylor.Neuron("conv1", 5, 0))).get(0);
        assertThat(p.direction()).isEqualTo(DeepTaylor.Direction.NEAREST);
        assertThat(p.inDomain()).isTrue();
        assertThat(p.rootIsZero()).as("seed %d: %s", seed, p.format()).isTrue();
        assertThat(p.root().dims()).containsExactly(1, 8, 8);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {31, 32})
    void smoothGradWithSigmaZeroEqualsTheWrappedExplainer(long seed) {
        Model m = TinyNets.cnn(seed);
        Tensor x = input(seed, 2);
        Explainer lrp = Explainer.lrp(m, Composites.epsilonPlusFlat());
        Explanation plain = lrp.explain(x, Targets.predicted());
        Explanation smooth = SmoothGrad.over(lrp, 3, 0f, seed).explain(x, Targets.predicted());
        float scale = Math.max(1e-6f, plain.attribution().abs().max().item());
        assertThat(smooth.attribution().maxAbsDiff(plain.attribution())).as("seed %d", seed)
                .isLessThanOrEqualTo(1e-6f * scale);
        assertThat(smooth.targets()).containsExactly(plain.targets());
        // seeded: the same seed gives the same result, another seed another
        Explanation a = SmoothGrad.of(m, 4, 0.2f, seed).explain(x, Targets.predicted());
        Explanation b = SmoothGrad.of(m, 4, 0.2f, seed).explain(x, Targets.predicted());
        Explanation c = SmoothGrad.of(m, 4, 0.2f, seed + 100).explain(x, Targets.predicted());
        assertThat(a.attribution().maxAbsDiff(b.attribution())).isZero();
        assertThat(a.attribution().maxAbsDiff(c.attribution())).isPositive();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {41, 42})
    void allTargetsEqualsExplainingEachClassSeparately(long seed) {
        Model m = TinyNets.cnn(seed);
        Tensor x = input(seed, 2);
        MethodOptions o = MethodOptions.defaults().samples(2).steps(4).window(3).stride(2)
                .patterns(new org.lrp4j.patterns.PatternFit(m, false).add(input(seed + 1, 16)).patterns());
        for (String method : Explainers.NAMES) {
            Explainer e = Explainers.byName(method, m, o);
            Explanation all = e.explain(x, Targets.all());
            assertThat(all.attribution().dim(0)).as("%s seed %d", method, seed).isEqualTo(2);
            assertThat(all.attribution().dim(1)).as("%s seed %d", method, seed).isEqualTo(5);
            for (int cls = 0; cls < 5; cls++) {
                Tensor one = e.explain(x, Targets.of(cls)).attribution();
                for (int img = 0; img < 2; img++) {
                    Tensor fromAll = all.attribution().select(img).select(cls);
                    Tensor single = one.select(img);
                    float scale = Math.max(1f, single.abs().max().item());
                    assertThat(fromAll.maxAbsDiff(single)).as("%s seed %d class %d image %d", method, seed, cls, img)
                            .isLessThanOrEqualTo(1e-5f * scale);
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {51, 52})
    void taylorRemainderIsWhatTheExpansionMisses(long seed) {
        Model m = TinyNets.cnn(seed);
        Tensor x = input(seed, 3);
        Taylor.Result r = new Taylor(m, null, Taylor.Score.MARGIN).explainWithRoots(x, Targets.predicted());
        double[] sums = Backprop.rowSums(r.explanation().attribution());
        for (int i = 0; i < 3; i++) {
            assertThat(r.scoreAtInput()[i] - r.scoreAtRoot()[i] - sums[i]).as("seed %d row %d", seed, i)
                    .isCloseTo(r.remainder()[i], org.assertj.core.data.Offset.offset(1e-5));
            if (r.rootFound()[i]) {
                assertThat(Math.abs(r.scoreAtRoot()[i])).as("seed %d row %d: %s", seed, i, r.format())
                        .isLessThan(1e-4 * Math.max(1, Math.abs(r.scoreAtInput()[i])));
            }
        }
    }
}
