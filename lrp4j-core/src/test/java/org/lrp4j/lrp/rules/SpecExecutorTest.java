package org.lrp4j.lrp.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;
import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Mask;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Signed;
import org.lrp4j.lrp.rules.Spec.Term;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Layer;
import org.lrp4j.layers.Linear;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/**
 * The executor of declared rules: its stacked and unstacked paths, its shortcuts and the traced forward give the
 * relevance (and the bias ledger) of the declaration's formula R_in = sum_g c_g sum_k in_k * T(s_g; w_k).
 */
class SpecExecutorTest {

    /** A declaration under test, named by its rule's textual form. */
    record Declared(String name, Spec spec, Weighted rule) {
        Declared(Weighted rule) {
            this(rule.describe(), rule.spec(), rule);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Every declared rule, and declarations that take the generic paths no rule takes today. */
    static List<Declared> declarations() {
        Tensor low = Tensor.randn(new SplittableRandom(9), 1f, 1, 3, 1, 1).add(-2f);
        List<Declared> out = new ArrayList<>(Stream.<Weighted>of(new Epsilon(0.01f), new Epsilon(0.01f, true), new Zero(),
                new Zero(true), new ZPlus(), new ZPlus(Rule.DEFAULT_EPSILON, true), new AlphaBeta(2f, 1f),
                new AlphaBeta(1f, 0f), new AlphaBeta(2f, 1f, Rule.DEFAULT_EPSILON, true), new Gamma(0.25f),
                new Gamma(0.5f, 1e-6f, true), new ZBox(-3f, 3f), new ZBox(low, low.add(5f), 1e-6f), new Flat(),
                new WSquare(), new WSquare(1e-6f, true)).map(Declared::new).toList());
        Spec.Epsilon eps = new Spec.Epsilon(0.01f);
        // (x, w, b+): the input term of the traced output, with another bias
        out.add(new Declared("{(x, w, b+)}", new Spec("test", List.of(Group.of(new Term(Signed.X, Modifier.IDENTITY,
                Modifier.POSITIVE))), eps, false), null));
        // three groups reading different inputs (zeros in the stacked weights), masks and coefficients
        out.add(new Declared("{(x+, w+, b+)} 0.5, {(x-, w-)} z>0 2, {(x, w^2)} z<0 -1", new Spec("test", List.of(
                new Group(List.of(new Term(Signed.X_POS, Modifier.POSITIVE, Modifier.POSITIVE)), Mask.ALL, 0.5f),
                new Group(List.of(new Term(Signed.X_NEG, Modifier.NEGATIVE, null)), Mask.POSITIVE, 2f),
                new Group(List.of(new Term(Signed.X, Modifier.SQUARE, null)), Mask.NEGATIVE, -1f)), eps, false), null));
        // a partition into three groups: f(x+; w+) + b, f(x+; w-), f(x-; w)
        out.add(new Declared("partition {(x+, w+, b)}, {(x+, w-)}, {(x-, w)}", new Spec("test", List.of(
                Group.of(new Term(Signed.X_POS, Modifier.POSITIVE, Modifier.IDENTITY)),
                Group.of(new Term(Signed.X_POS, Modifier.NEGATIVE, null)),
                Group.of(new Term(Signed.X_NEG, Modifier.IDENTITY, null))), eps, true), null));
        return out;
    }

    /** An {@code in} -> {@code out} channel 3x3 convolution (padding 1) in {@code groups} groups. */
    private static Node conv(long seed, int in, int out, int groups, boolean bias) {
        SplittableRandom r = new SplittableRandom(seed);
        Variable w = Variable.parameter(Tensor.randn(r, 0.5f, out, in / groups, 3, 3));
        Variable b = bias ? Variable.parameter(Tensor.randn(r, 0.5f, out)) : null;
        return node(new Conv2d(Conv2dSpec.of(1, 1, 1, groups), w, b));
    }

    private static Node dense(long seed, int in, int out) {
        SplittableRandom r = new SplittableRandom(seed);
        return node(new Linear(Variable.parameter(Tensor.randn(r, 0.5f, out, in)),
                Variable.parameter(Tensor.randn(r, 0.5f, out))));
    }

    private static Node node(Layer layer) {
        return new Node("layer", layer, List.of("x"), "y");
    }

    /** The input: of both signs, or non-negative (as after a ReLU). */
    private static Tensor input(long seed, boolean signed, int... dims) {
        Tensor x = Tensor.randn(new SplittableRandom(seed + 1), 1f, dims);
        return signed ? x : x.relu();
    }

    /** The relevance at the output: z itself reaches units of both signs; relu(z) only units with z &gt; 0. */
    private static Variable relevance(Variable z, boolean bothSigns) {
        return Variable.constant(bothSigns ? z.value().copy() : z.value().relu());
    }

    private record Run(Tensor relevance, double[] ledger) {
    }

    private static Run run(Declared rule, Node node, Variable x, Variable r, boolean stack, boolean traced) {
        Affine a = Affine.find(node).orElseThrow();
        Map<String, Variable> kept = new HashMap<>();
        Variable z = null;
        if (traced) {
            z = SpecExecutor.forward(rule.spec(), new RuleContext(node, List.of(x), null, null,
                    BiasLedger.ignoring(), DerivedWeights.cached(), kept, false));
        }
        if (z == null) {
            z = a.forward(x, a.weight(), a.bias());
        }
        BiasLedger ledger = new BiasLedger();
        RuleContext c = new RuleContext(node, List.of(x), z, r == null ? relevance(z, true) : r, ledger,
                DerivedWeights.cached(), kept, false);
        return new Run(SpecExecutor.propagate(rule.spec(), c, a, stack).value(), ledger.perImage());
    }

    private static void assertClose(Tensor actual, Tensor expected, String what) {
        float scale = Math.max(1f, expected.abs().max().item());
        assertThat(actual.shape()).as(what).isEqualTo(expected.shape());
        assertThat(actual.maxAbsDiff(expected)).as(what).isLessThanOrEqualTo(2e-5f * scale);
    }

    private static void assertClose(double[] actual, double[] expected, String what) {
        if (expected == null) {
            assertThat(actual).as(what).isNull();
            return;
        }
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as(what + " image " + i)
                    .isCloseTo(expected[i], Offset.offset(2e-4 * Math.max(1, Math.abs(expected[i]))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("declarations")
    void stackedAndUnstackedPathsGiveTheSameRelevanceAndBiasLedger(Declared rule) {
        for (boolean signed : new boolean[] {true, false}) {
            for (Node node : List.of(conv(3, 3, 4, 1, true), conv(4, 3, 4, 1, false), dense(5, 6, 5))) {
                int[] dims = node.layer() instanceof Linear ? new int[] {2, 6} : new int[] {2, 3, 5, 5};
                if (rule.rule() instanceof ZBox && node.layer() instanceof Linear) {
                    continue;
                }
                Variable x = Variable.constant(input(7, signed, dims));
                String what = rule.name() + " on " + node.layer().opType() + (signed ? ", signed input" : "");
                Run stacked = run(rule, node, x, null, true, false);
                Run unstacked = run(rule, node, x, null, false, false);
                assertClose(stacked.relevance(), unstacked.relevance(), what);
                assertClose(stacked.ledger(), unstacked.ledger(), what + ", bias ledger");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("declarations")
    void theTracedForwardIsTheLayerOutputAndLeavesTheRelevanceUnchanged(Declared rule) {
        for (boolean signed : new boolean[] {true, false}) {
            Node node = conv(11, 3, 4, 1, true);
            Variable x = Variable.constant(input(12, signed, 2, 3, 5, 5));
            Affine a = Affine.find(node).orElseThrow();
            Variable z = SpecExecutor.forward(rule.spec(), new RuleContext(node, List.of(x), null, null,
                    BiasLedger.ignoring(), DerivedWeights.cached(), new HashMap<>(), false));
            if (z != null) {
                assertClose(z.value(), a.forward(x, a.weight(), a.bias()).value(), rule.name() + " forward");
            }
            Variable r = relevance(a.forward(x, a.weight(), a.bias()), true);
            Run traced = run(rule, node, x, r, true, true);
            Run plain = run(rule, node, x, r, true, false);
            assertClose(traced.relevance(), plain.relevance(), rule.name());
            assertClose(traced.ledger(), plain.ledger(), rule.name() + ", bias ledger");
        }
    }

    /** Each declaration but flat's: its weights for the zero blocks would be ones. */
    static List<Declared> declarationsKeepingZeroWeights() {
        return declarations().stream().filter(r -> !(r.rule() instanceof Flat)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("declarationsKeepingZeroWeights")
    void aGroupedConvolutionRunsUnstackedAndEqualsItsBlockDiagonalOneGroupForm(Declared rule) {
        // groups = 2 cannot be stacked: the executor takes the unstacked path; the same map with one group and the
        // weights block-diagonal (zeros between the groups) is stackable and must give the same relevance
        Node grouped = conv(13, 4, 6, 2, true);
        Conv2d g = (Conv2d) grouped.layer();
        assertThat(Terms.stackable(Affine.find(grouped).orElseThrow())).isFalse();
        Tensor w = g.weight().value();
        Tensor full = Tensor.zeros(6, 4, 3, 3);
        for (int o = 0; o < 6; o++) {
            for (int i = 0; i < 2; i++) {
                for (int k = 0; k < 9; k++) {
                    full.setFlat(((o * 4) + (o / 3) * 2 + i) * 9 + k, w.getFlat((o * 2 + i) * 9 + k));
                }
            }
        }
        Node one = node(new Conv2d(Conv2dSpec.of(1, 1, 1, 1), Variable.parameter(full), g.bias()));
        for (boolean signed : new boolean[] {true, false}) {
            if (rule.rule() instanceof ZBox zb && zb.low().size() > 1) {
                continue;
            }
            Variable x = Variable.constant(input(14, signed, 2, 4, 5, 5));
            Affine a = Affine.find(grouped).orElseThrow();
            Variable r = relevance(a.forward(x, a.weight(), a.bias()), true);
            Run unstacked = run(rule, grouped, x, r, Terms.stackable(a), true);
            Run stacked = run(rule, one, x, r, true, true);
            String what = rule.name() + (signed ? ", signed input" : "");
            assertClose(unstacked.relevance(), stacked.relevance(), what);
            assertClose(unstacked.ledger(), stacked.ledger(), what + ", bias ledger");
        }
    }

    @Test
    void thePositiveUnitsShortcutEqualsTheFullComputation() {
        // relevance only at units with z > 0: gamma drops its group for z < 0 unless R is recorded
        for (boolean signed : new boolean[] {true, false}) {
            for (boolean stack : new boolean[] {true, false}) {
                Node node = conv(15, 3, 4, 1, true);
                Affine a = Affine.find(node).orElseThrow();
                Variable x = Variable.constant(input(16, signed, 2, 3, 5, 5));
                Variable z = a.forward(x, a.weight(), a.bias());
                Tensor rz = z.value().relu();
                Gamma gamma = new Gamma(0.25f);
                Tensor shortcut = run(new Declared(gamma), node, x, Variable.constant(rz), stack, false).relevance();
                Tensor full;
                try (GradMode.Scope s = GradMode.enabled()) {
                    full = run(new Declared(gamma), node, x, Variable.parameter(rz), stack, false).relevance();
                }
                assertThat(Terms.positiveUnitsRelevance(Variable.constant(rz), z.value())).isNotNull();
                assertClose(shortcut, full, "gamma, stack " + stack + (signed ? ", signed input" : ""));
            }
        }
    }

    @Test
    void aNegativeInputKeepsItsNegativeTermsAndANonNegativeOneDropsThemUnlessRecorded() {
        Variable signed = Variable.constant(input(17, true, 2, 3, 5, 5));
        Variable nonNegative = Variable.constant(input(17, false, 2, 3, 5, 5));
        assertThat(Terms.signedParts(signed)[1]).isNotNull();
        assertThat(Terms.signedParts(nonNegative)[1]).isNull();
        try (GradMode.Scope s = GradMode.enabled()) {
            assertThat(Terms.signedParts(Variable.parameter(nonNegative.value()))[1]).isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("declarations")
    void aRecordedRelevanceKeepsEveryTermAndIsDifferentiableInTheWeights(Declared rule) {
        // a non-negative input and R = relu(z), both recorded: the x- terms and gamma's group for z < 0 stay (they
        // carry zeros but not a zero derivative), and the relevance is a differentiable function of w
        if (rule.rule() instanceof ZBox) {
            return; // a first-layer rule; its weights are covered by the grouped and stacked tests
        }
        Node node = dense(19, 6, 5);
        Linear l = (Linear) node.layer();
        Tensor xs = input(20, false, 2, 6);
        Tensor probe = Tensor.randn(new SplittableRandom(21), 1f, 2, 6);
        Tensor value;
        try (GradMode.Scope s = GradMode.enabled()) {
            Variable x = Variable.parameter(xs);
            Variable z = Ops.linear(x, l.weight(), l.bias());
            RuleContext c = new RuleContext(node, List.of(x), z, Ops.relu(z), new BiasLedger(),
                    DerivedWeights.uncached(), new HashMap<>(), false);
            Variable rin = SpecExecutor.propagate(rule.spec(), c).get(0);
            value = rin.value();
            Ops.sum(Ops.mul(rin, Variable.constant(probe))).backward();
        }
        Tensor analytic = l.weight().grad();
        Tensor unrecorded;
        try (GradMode.Scope s = GradMode.disabled()) {
            unrecorded = relevanceOf(rule, node, xs);
        }
        assertClose(value, unrecorded, rule.name() + ": recorded and unrecorded relevance");
        if (rule.rule() instanceof Flat) {
            return; // independent of the weights
        }
        assertThat(analytic).as(rule.name()).isNotNull();
        for (int j : new int[] {0, 7, 13, 29}) {
            float orig = l.weight().value().getFlat(j);
            float h = 1e-2f;
            l.weight().value().setFlat(j, orig + h);
            double plus = dot(relevanceOf(rule, node, xs), probe);
            l.weight().value().setFlat(j, orig - h);
            double minus = dot(relevanceOf(rule, node, xs), probe);
            l.weight().value().setFlat(j, orig);
            double numeric = (plus - minus) / (2 * h);
            assertThat((double) analytic.getFlat(j)).as("%s: d loss / d w[%d]", rule.name(), j)
                    .isCloseTo(numeric, Offset.offset(3e-2 * Math.max(1, Math.abs(numeric))));
        }
    }

    /** The relevance of a non-negative input for R = relu(z), nothing recorded. */
    private static Tensor relevanceOf(Declared rule, Node node, Tensor xs) {
        try (GradMode.Scope s = GradMode.disabled()) {
            Linear l = (Linear) node.layer();
            Variable x = Variable.constant(xs);
            Variable z = Ops.linear(x, l.weight(), l.bias());
            return SpecExecutor.propagate(rule.spec(), new RuleContext(node, List.of(x), z, Variable.constant(
                    z.value().relu()))).get(0).value();
        }
    }

    private static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += (double) a.getFlat(i) * b.getFlat(i);
        }
        return s;
    }

    /**
     * On a Gemm layer, in double precision: the relevance and bias ledger of the declaration's formula, written out
     * here term by term from the spec, for an input of both signs and a non-negative one and relevance at units of
     * both signs.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("declarations")
    void theExecutorComputesTheDeclaredFormula(Declared rule) {
        if (rule.rule() instanceof ZBox) {
            return; // bounds are for images; covered by the conformance cases
        }
        Node node = dense(23, 6, 5);
        Linear l = (Linear) node.layer();
        for (boolean signed : new boolean[] {true, false}) {
            Tensor xs = input(24, signed, 3, 6);
            Variable x = Variable.constant(xs);
            Variable z = Ops.linear(x, l.weight(), l.bias());
            Run got = run(rule, node, x, Variable.constant(z.value().copy()), true, true);
            double[][] expected = formula(rule.spec(), xs, l.weight().value(), l.bias().value(), z.value());
            String what = rule.name() + (signed ? ", signed input" : "");
            assertClose(got.relevance(), Tensor.wrap(toFloat(expected[0]), 3, 6), what);
            if (got.ledger() != null) {
                assertClose(got.ledger(), expected[1], what + ", bias ledger");
            }
        }
    }

    /** R_in (flat) and the ledger per image, straight from the declaration, R = z. */
    private static double[][] formula(Spec spec, Tensor x, Tensor w, Tensor b, Tensor z) {
        int n = x.dim(0);
        int in = x.dim(1);
        int out = w.dim(0);
        double[] rin = new double[n * in];
        double[] ledger = new double[n];
        for (Spec.Group g : spec.groups()) {
            List<double[]> inputs = new ArrayList<>();
            List<Tensor> weights = new ArrayList<>();
            Tensor bias = null;
            for (Spec.Term t : g.terms()) {
                double[] v = new double[n * in];
                for (int i = 0; i < v.length; i++) {
                    float xi = x.getFlat(i);
                    v[i] = t.input() == Spec.Signed.X ? xi : t.input() == Spec.Signed.X_POS ? Math.max(xi, 0)
                            : t.input() == Spec.Signed.X_NEG ? Math.min(xi, 0) : ((Spec.Constant) t.input()).value()
                            .getFlat(0);
                }
                inputs.add(v);
                weights.add(t.weight().function().apply(Variable.constant(w)).value());
                if (t.bias() != null) {
                    bias = t.bias().function().apply(Variable.constant(b)).value();
                }
            }
            for (int s = 0; s < n; s++) {
                for (int j = 0; j < out; j++) {
                    double zg = bias == null ? 0 : bias.getFlat(j);
                    for (int k = 0; k < inputs.size(); k++) {
                        for (int i = 0; i < in; i++) {
                            zg += inputs.get(k)[s * in + i] * weights.get(k).getFlat(j * in + i);
                        }
                    }
                    double zj = z.getFlat(s * out + j);
                    double r = switch (g.mask()) {
                        case ALL -> zj;
                        case POSITIVE -> zj > 0 ? zj : 0;
                        case NEGATIVE -> zj < 0 ? zj : 0;
                    };
                    double ratio = spec.stabilizer() instanceof Spec.Epsilon e
                            ? r / (zg + e.epsilon() * (zg >= 0 ? 1 : -1)) : zg == 0 ? 0 : r / zg;
                    if (bias != null) {
                        ledger[s] += g.coefficient() * bias.getFlat(j) * ratio;
                    }
                    for (int k = 0; k < inputs.size(); k++) {
                        for (int i = 0; i < in; i++) {
                            rin[s * in + i] += g.coefficient() * inputs.get(k)[s * in + i]
                                    * weights.get(k).getFlat(j * in + i) * ratio;
                        }
                    }
                }
            }
        }
        return new double[][] {rin, ledger};
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
