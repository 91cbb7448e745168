package org.lrp4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.explain.GradientTimesInput;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.ReLU;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Parallel;

class PixelFlippingTest {

    static final int C = 2;
    static final int H = 5;
    static final int W = 4;
    static final int D = C * H * W;

    /** f(x) = W x + b on a [C, H, W] image, 3 classes, seeded weights. */
    static Model linear(long seed, float[] bias) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[3 * D];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        Linear fc = new Linear(Variable.parameter(Tensor.of(w, 3, D)), Variable.parameter(Tensor.of(bias, 3)));
        return ModelBuilder.create("linear").input("input", C, H, W).then(new Flatten()).then(fc).build();
    }

    static Tensor images(long seed, int n) {
        return Tensor.randn(new SplittableRandom(seed), 1f, n, C, H, W);
    }

    static Method gxi(Model m) {
        return Method.of("gradient-x-input", new GradientTimesInput(m));
    }

    static PixelFlipping.Builder base(Model m) {
        return PixelFlipping.builder(m).perturbation(new Perturbation.Constant(0f)).region(1).steps(H * W)
                .orders(List.of(Order.MORF, Order.LERF));
    }

    /**
     * The closed form on a linear model with relevance w_i x_i and perturbation to 0: after t pixels (all channels) of
     * the order, the logit is b + the sum of w_i x_i over the other pixels.
     */
    static double[] closedForm(float[] wRow, float bias, float[] x, boolean morf) {
        int pixels = H * W;
        double[] pixelScore = new double[pixels];
        for (int c = 0; c < C; c++) {
            for (int p = 0; p < pixels; p++) {
                pixelScore[p] += (double) wRow[c * pixels + p] * x[c * pixels + p];
            }
        }
        Integer[] order = IntStream.range(0, pixels).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(p -> -pixelScore[p]).thenComparingInt(p -> p));
        if (!morf) {
            java.util.Collections.reverse(Arrays.asList(order));
        }
        double[] curve = new double[pixels + 1];
        double remaining = Arrays.stream(pixelScore).sum();
        curve[0] = bias + remaining;
        for (int t = 1; t <= pixels; t++) {
            remaining -= pixelScore[order[t - 1]];
            curve[t] = bias + remaining;
        }
        return curve;
    }

    @Test
    void morfAndLerfCurvesOfALinearModelEqualTheClosedForm() {
        float[] bias = {0.5f, -0.25f, 1f};
        Model m = linear(7, bias);
        Tensor x = images(11, 5);
        PixelFlipping.Result r = base(m).build().run(x, Targets.of(1), List.of(gxi(m)), null);
        float[] w = m.parameter(m.nodes().get(1).name(), "weight").value().toArray();
        float[] wRow = Arrays.copyOfRange(w, D, 2 * D);
        for (int i = 0; i < 5; i++) {
            float[] xi = x.select(i).toArray();
            for (Order o : List.of(Order.MORF, Order.LERF)) {
                double[] expected = closedForm(wRow, bias[1], xi, o == Order.MORF);
                double[] got = r.curves("gradient-x-input", o)[i];
                for (int t = 0; t < expected.length; t++) {
                    assertThat(got[t]).as("image %d %s step %d", i, o, t).isCloseTo(expected[t], within(1e-4));
                }
            }
        }
        assertThat(r.targets()).containsOnly(1);
    }

    @Test
    void theTargetIsFixedOnTheUnperturbedInput() {
        Model m = linear(3, new float[] {0, 0, 0});
        Tensor x = images(5, 6);
        PixelFlipping.Result r = base(m).build().run(x, Targets.predicted(), List.of(gxi(m)), null);
        Tensor logits = m.predict(x);
        for (int i = 0; i < 6; i++) {
            int best = 0;
            for (int k = 1; k < 3; k++) {
                if (logits.get(i, k) > logits.get(i, best)) {
                    best = k;
                }
            }
            assertThat(r.targets()[i]).isEqualTo(best);
            assertThat(r.curves("gradient-x-input", Order.MORF)[i][0]).isCloseTo(logits.get(i, best), within(1e-5));
        }
    }

    @Test
    void stepsPerturbRoundedSharesOfTheRegions() {
        assertThat(Regions.perturbedAt(0, 4, 1, 10)).isZero();
        assertThat(Regions.perturbedAt(1, 4, 1, 10)).isEqualTo(3);  // 2.5 rounds up
        assertThat(Regions.perturbedAt(3, 4, 0.5, 10)).isEqualTo(4); // 3.75
        assertThat(Regions.perturbedAt(4, 4, 1, 10)).isEqualTo(10);
        Regions regions = new Regions(5, 4, 2);
        assertThat(regions.count()).isEqualTo(3 * 2);
        float[] rel = new float[2 * 5 * 4];
        Arrays.fill(rel, 1f);
        // the bottom row of regions is cut by the border: 1 x 2 pixels in 2 channels
        assertThat(regions.scores(rel, 0, 2)).containsExactly(8, 8, 8, 8, 4, 4);
    }

    @Test
    void lerfIsMorfReversedTiesIncluded() {
        double[] s = {0.5, 2, -1, 2, 0, 0.5, 0};
        int[] morf = Regions.morf(s);
        assertThat(morf).containsExactly(1, 3, 0, 5, 4, 6, 2);
        int[] lerf = Regions.lerf(s);
        for (int i = 0; i < s.length; i++) {
            assertThat(lerf[i]).isEqualTo(morf[s.length - 1 - i]);
        }
    }

    @Test
    void theRandomOrderIsReproducibleBySeedAndChangesWithIt() {
        Model m = linear(9, new float[] {0, 0, 0});
        Tensor x = images(2, 4);
        PixelFlipping.Builder b = base(m).orders(List.of(Order.RANDOM)).perturbation(new Perturbation.Uniform())
                .range(new Perturbation.Range(-1, 1)).steps(5);
        double[][] a1 = b.seed(1).build().run(x, Targets.of(0), List.of(gxi(m)), null).curves("gradient-x-input",
                Order.RANDOM);
        double[][] a2 = b.seed(1).build().run(x, Targets.of(0), List.of(gxi(m)), null).curves("gradient-x-input",
                Order.RANDOM);
        double[][] other = b.seed(2).build().run(x, Targets.of(0), List.of(gxi(m)), null).curves("gradient-x-input",
                Order.RANDOM);
        assertThat(a1).isDeepEqualTo(a2);
        assertThat(Arrays.deepEquals(a1, other)).isFalse();
        // the random order does not depend on the method
        PixelFlipping.Result both = b.seed(1).build().run(x, Targets.of(0),
                List.of(gxi(m), Method.randomHeatmap("random", 4)), null);
        assertThat(both.curves("random", Order.RANDOM)).isDeepEqualTo(a1);
    }

    @Test
    void resultsDoNotDependOnBatchingOrThreads() {
        SplittableRandom r = new SplittableRandom(4);
        Model cnn = ModelBuilder.create("cnn").input("input", C, H, W).then(Conv2d.of(C, 3, 3, 1, 1, r))
                .then(new ReLU()).then(new Flatten()).then(Linear.of(3 * H * W, 3, r)).build();
        Tensor x = images(8, 9);
        List<Method> methods = List.of(gxi(cnn), Method.randomHeatmap("random", 1));
        PixelFlipping.Builder b = PixelFlipping.builder(cnn).perturbation(new Perturbation.Uniform())
                .range(new Perturbation.Range(-2, 2)).steps(7).region(2).seed(5);
        PixelFlipping.Result big = b.batch(256).build().run(x, Targets.predicted(), methods, null);
        PixelFlipping.Result small = Parallel.withThreads(1,
                () -> b.batch(5).build().run(x, Targets.predicted(), methods, null));
        for (String m : big.methods()) {
            for (Order o : big.orders()) {
                double[][] p = big.curves(m, o);
                double[][] q = small.curves(m, o);
                for (int i = 0; i < p.length; i++) {
                    for (int t = 0; t < p[i].length; t++) {
                        assertThat(q[i][t]).as("%s %s %d %d", m, o, i, t).isCloseTo(p[i][t], within(1e-4));
                    }
                }
            }
        }
    }

    @Test
    void aucAndAopcOfConstantAndLinearCurvesEqualTheirClosedForms() {
        int steps = 8;
        double f = 0.5;
        double[] x = new double[steps + 1];
        double[] constant = new double[steps + 1];
        double[] line = new double[steps + 1];
        for (int t = 0; t <= steps; t++) {
            x[t] = f * t / steps;
            constant[t] = 3;
            line[t] = 2 - 4 * x[t];
        }
        FlipCurve c = FlipCurve.of("c", Order.MORF, x, new double[][] {constant, constant}, false);
        assertThat(c.auc()).isCloseTo(3 * f, within(1e-12));
        assertThat(c.aopc()).isCloseTo(0, within(1e-12));
        assertThat(c.aucStderr()).isZero();
        FlipCurve l = FlipCurve.of("l", Order.MORF, x, new double[][] {line}, false);
        assertThat(l.auc()).isCloseTo(2 * f - 4 * f * f / 2, within(1e-12));
        assertThat(l.aopc()).isCloseTo(4 * f / 2, within(1e-12));
        // the mean curve, its standard error and the normalisation by the unperturbed score
        double[] a = {2, 1, 0};
        double[] b = {4, 1, 2};
        FlipCurve two = FlipCurve.of("two", Order.LERF, new double[] {0, 0.5, 1}, new double[][] {a, b}, false);
        assertThat(two.curve()).containsExactly(3, 1, 1);
        assertThat(two.stderr()[0]).isCloseTo(Math.sqrt(2) / Math.sqrt(2), within(1e-12));
        assertThat(two.stderr()[1]).isZero();
        FlipCurve norm = FlipCurve.of("n", Order.LERF, new double[] {0, 0.5, 1}, new double[][] {a, b}, true);
        assertThat(norm.curve()).containsExactly(1, (0.5 + 0.25) / 2, (0 + 0.5) / 2);
    }

    @Test
    void perturbationsGiveTheirReplacementValues() {
        float[] img = new float[2 * 3 * 3];
        for (int i = 0; i < img.length; i++) {
            img[i] = i < 9 ? i : 100;
        }
        float[] out = new float[img.length];
        new Perturbation.Mean().replacement(img, 0, 2, 3, 3, null, null, out);
        assertThat(Arrays.copyOfRange(out, 0, 9)).containsOnly(4f);
        assertThat(Arrays.copyOfRange(out, 9, 18)).containsOnly(100f);
        new Perturbation.Blur(1.5f).replacement(img, 0, 2, 3, 3, null, null, out);
        for (int i = 9; i < 18; i++) {
            assertThat(out[i]).isCloseTo(100f, within(1e-3f));
        }
        new Perturbation.Uniform().replacement(img, 0, 2, 3, 3, new Perturbation.Range(-2, 3),
                new SplittableRandom(1), out);
        for (float v : out) {
            assertThat(v).isBetween(-2f, 3f);
        }
        new Perturbation.Constant(-0.5f).replacement(img, 0, 2, 3, 3, null, null, out);
        assertThat(out).containsOnly(-0.5f);
        for (String s : List.of("uniform", "mean", "constant:-0.81", "blur:1.5")) {
            assertThat(Perturbation.parse(Perturbation.parse(s).describe())).isEqualTo(Perturbation.parse(s));
        }
        assertThat(Perturbation.parse("blur")).isEqualTo(new Perturbation.Blur(2f));
    }

    @Test
    void badOptionsAreRefusedWithOneClearLine() {
        Model m = linear(1, new float[] {0, 0, 0});
        assertThatThrownBy(() -> Order.parseList("morf,up")).hasMessageContaining("unknown order 'up'");
        assertThatThrownBy(() -> Order.parseList("morf,morf")).hasMessageContaining("twice");
        assertThatThrownBy(() -> Perturbation.parse("noise")).hasMessageContaining("unknown perturbation");
        assertThatThrownBy(() -> Perturbation.parse("constant:x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> Perturbation.parse("constant")).hasMessageContaining("constant:V");
        assertThatThrownBy(() -> Perturbation.parse("blur:-1")).hasMessageContaining("positive");
        assertThatThrownBy(() -> Score.parse("margin")).hasMessageContaining("logit, prob");
        assertThatThrownBy(() -> PixelFlipping.builder(m).steps(0)).hasMessageContaining("--steps");
        assertThatThrownBy(() -> PixelFlipping.builder(m).fraction(0)).hasMessageContaining("--fraction");
        assertThatThrownBy(() -> PixelFlipping.builder(m).fraction(1.5)).hasMessageContaining("--fraction");
        assertThatThrownBy(() -> PixelFlipping.builder(m).region(0)).hasMessageContaining("--region");
        assertThatThrownBy(() -> PixelFlipping.builder(m).build()).hasMessageContaining("data range");
        PixelFlipping pf = base(m).build();
        assertThatThrownBy(() -> pf.run(Tensor.zeros(2, D), Targets.predicted(), List.of(gxi(m)), null))
                .hasMessageContaining("[N, C, H, W]");
        assertThatThrownBy(() -> pf.run(images(1, 2), Targets.all(), List.of(gxi(m)), null))
                .hasMessageContaining("not all");
        assertThatThrownBy(() -> pf.run(images(1, 2), Targets.predicted(), List.of(gxi(m), gxi(m)), null))
                .hasMessageContaining("twice");
    }
}
