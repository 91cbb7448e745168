package org.lrp4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

class Conv2dTest {

    /** One convolution configuration; {@code toString} names everything needed to reproduce a failure. */
    record Case(long seed, int n, int c, int h, int w, int cout, int kh, int kw, Conv2dSpec spec, int threads) {
        Shape inShape() {
            return Shape.of(n, c, h, w);
        }

        Shape wShape() {
            return Shape.of(cout, c / spec.groups(), kh, kw);
        }

        @Override
        public String toString() {
            return "seed=" + seed + " x=[" + n + "," + c + "," + h + "," + w + "] w=" + wShape() + " " + spec
                    + " threads=" + threads;
        }
    }

    private static Conv2dSpec spec(int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw, int g) {
        return new Conv2dSpec(sh, sw, pt, pl, pb, pr, dh, dw, g);
    }

    static Stream<Arguments> cases() {
        List<Case> base = new ArrayList<>();
        long seed = 1000;
        // n, c, h, w, cout, kh, kw, spec
        base.add(new Case(seed++, 1, 1, 1, 1, 1, 1, 1, Conv2dSpec.of(1, 0), 0));
        base.add(new Case(seed++, 2, 3, 1, 1, 7, 3, 3, Conv2dSpec.of(1, 1), 0));
        base.add(new Case(seed++, 1, 3, 7, 7, 7, 3, 3, Conv2dSpec.of(1, 1), 0));
        base.add(new Case(seed++, 2, 7, 7, 7, 3, 3, 2, spec(2, 2, 0, 1, 2, 1, 1, 1, 1), 0));
        base.add(new Case(seed++, 1, 3, 33, 33, 7, 3, 3, spec(3, 3, 1, 2, 0, 1, 2, 2, 1), 0));
        base.add(new Case(seed++, 1, 1, 33, 7, 3, 3, 3, spec(2, 1, 2, 0, 1, 2, 1, 2, 1), 0));
        base.add(new Case(seed++, 3, 6, 7, 7, 4, 3, 3, Conv2dSpec.of(1, 1, 1, 2), 0));
        base.add(new Case(seed++, 2, 3, 33, 7, 6, 3, 3, Conv2dSpec.of(2, 1, 1, 3), 0));
        base.add(new Case(seed++, 2, 7, 33, 33, 7, 3, 3, Conv2dSpec.of(2, 1, 2, 7), 0));
        base.add(new Case(seed++, 1, 7, 7, 7, 14, 3, 3, Conv2dSpec.of(1, 1, 1, 7), 0));
        base.add(new Case(seed++, 2, 3, 5, 5, 257, 3, 3, Conv2dSpec.of(1, 1), 0));
        base.add(new Case(seed++, 1, 7, 33, 33, 3, 1, 1, Conv2dSpec.of(1, 0), 0));
        base.add(new Case(seed++, 3, 7, 7, 7, 5, 1, 1, Conv2dSpec.of(1, 0), 0));
        base.add(new Case(seed++, 1, 6, 7, 33, 9, 1, 1, Conv2dSpec.of(1, 0, 1, 3), 0));
        base.add(new Case(seed++, 2, 3, 7, 7, 4, 1, 1, Conv2dSpec.of(2, 0), 0));
        base.add(new Case(seed++, 5, 3, 7, 7, 7, 3, 3, Conv2dSpec.of(1, 1), 0));
        base.add(new Case(seed++, 3, 3, 33, 33, 5, 5, 5, Conv2dSpec.of(1, 2), 0));
        base.add(new Case(seed++, 7, 1, 33, 33, 2, 3, 3, spec(1, 2, 1, 0, 0, 1, 1, 1, 1), 0));
        base.add(new Case(seed++, 2, 3, 3, 3, 2, 5, 5, Conv2dSpec.of(1, 1), 0));
        base.add(new Case(seed++, 1, 2, 1, 33, 3, 1, 3, spec(1, 3, 0, 0, 0, 0, 1, 1, 1), 0));
        base.add(new Case(seed++, 2, 6, 33, 7, 3, 3, 2, spec(2, 1, 1, 0, 2, 1, 2, 1, 3), 0));
        // taps that fall entirely into the right padding of the last plane (no input column at all)
        base.add(new Case(seed++, 2, 1, 3, 1, 2, 1, 3, spec(1, 1, 0, 0, 0, 2, 1, 1, 1), 0));
        // stride 1 with as many output as input columns: taps handled as shifted planes (dilated, asymmetric
        // padding, taps reaching past both edges, one-row and one-column kernels)
        base.add(new Case(seed++, 3, 2, 9, 8, 3, 3, 3, spec(1, 1, 2, 2, 2, 2, 2, 2, 1), 0));
        base.add(new Case(seed++, 2, 3, 6, 7, 2, 3, 3, spec(1, 1, 0, 0, 2, 2, 1, 1, 1), 0));
        base.add(new Case(seed++, 2, 2, 5, 6, 3, 3, 3, spec(1, 1, 2, 2, 0, 0, 1, 1, 1), 0));
        base.add(new Case(seed++, 4, 3, 4, 9, 2, 1, 5, spec(1, 1, 0, 2, 0, 2, 1, 1, 1), 0));
        base.add(new Case(seed++, 2, 2, 9, 4, 3, 5, 1, spec(1, 1, 2, 0, 2, 0, 1, 1, 1), 0));
        base.add(new Case(seed++, 2, 2, 3, 2, 2, 7, 5, spec(1, 1, 3, 2, 3, 2, 1, 1, 1), 0));
        List<Arguments> out = new ArrayList<>();
        for (Case c : base) {
            for (int t = 1; t <= 2; t++) {
                out.add(Arguments.of(new Case(c.seed, c.n, c.c, c.h, c.w, c.cout, c.kh, c.kw, c.spec, t)));
            }
        }
        return out.stream();
    }

    /** Large enough (OH * OW above the default block width) that each image is tiled into column blocks. */
    static Stream<Arguments> tiledCases() {
        return Stream.of(1, 2).map(t -> Arguments.of(
                new Case(77, 1, 64, 121, 121, 2, 3, 3, Conv2dSpec.of(1, 1), t)));
    }

    /**
     * 3x3 stride-1 convolutions with enough channels and tiles that the forward and the transposed pass take the
     * Winograd path (symmetric, asymmetric and no padding; odd and even map sizes).
     */
    static Stream<Arguments> winogradCases() {
        assertThat(Winograd.applies(128, 130, Winograd.tiles(1, 44, 47))).isTrue();
        List<Case> base = List.of(
                new Case(91, 1, 128, 45, 46, 130, 3, 3, spec(1, 1, 0, 2, 1, 1, 1, 1, 1), 0));
        return base.stream().flatMap(c -> Stream.of(1, 2).map(t -> Arguments.of(
                new Case(c.seed, c.n, c.c, c.h, c.w, c.cout, c.kh, c.kw, c.spec, t))));
    }

    // ------------------------------------------------------------------ reference loops (double)

    private static int outSize(int in, int k, int s, int pa, int pb, int d) {
        return (in + pa + pb - d * (k - 1) - 1) / s + 1;
    }

    /** Calls {@code body(n, co, oy, ox, ci, ky, kx, xIndex, wIndex, yIndex)} for every valid product term. */
    interface Term {
        void accept(int xi, int wi, int yi);
    }

    private static void forEachTerm(Case k, Term t) {
        Conv2dSpec s = k.spec;
        int oh = outSize(k.h, k.kh, s.strideH(), s.padTop(), s.padBottom(), s.dilationH());
        int ow = outSize(k.w, k.kw, s.strideW(), s.padLeft(), s.padRight(), s.dilationW());
        int cg = k.c / s.groups();
        int cog = k.cout / s.groups();
        for (int n = 0; n < k.n; n++) {
            for (int co = 0; co < k.cout; co++) {
                int g = co / cog;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int yi = ((n * k.cout + co) * oh + oy) * ow + ox;
                        for (int ci = 0; ci < cg; ci++) {
                            for (int ky = 0; ky < k.kh; ky++) {
                                int iy = oy * s.strideH() - s.padTop() + ky * s.dilationH();
                                if (iy < 0 || iy >= k.h) {
                                    continue;
                                }
                                for (int kx = 0; kx < k.kw; kx++) {
                                    int ix = ox * s.strideW() - s.padLeft() + kx * s.dilationW();
                                    if (ix < 0 || ix >= k.w) {
                                        continue;
                                    }
                                    int xi = ((n * k.c + g * cg + ci) * k.h + iy) * k.w + ix;
                                    int wi = ((co * cg + ci) * k.kh + ky) * k.kw + kx;
                                    t.accept(xi, wi, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Tensor random(SplittableRandom rng, Shape s) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return Tensor.wrap(d, s);
    }

    /** A tensor living at a non-zero offset of a larger array (a slice), to exercise offset handling. */
    private static Tensor randomWithOffset(SplittableRandom rng, Shape s) {
        int[] dims = s.toArray();
        int lead = dims[0];
        dims[0] = lead + 1;
        Tensor big = random(rng, Shape.of(dims));
        return big.slice(1, lead + 1);
    }

    private static void assertClose(String what, Case k, Tensor got, Shape shape, double[] ref, double[] abs) {
        assertThat(got.shape()).as("%s shape for %s", what, k).isEqualTo(shape);
        float[] g = got.data();
        int off = got.offset();
        for (int i = 0; i < ref.length; i++) {
            double tol = 1e-6 + 1e-5 * abs[i];
            double diff = Math.abs(g[off + i] - ref[i]);
            if (!(diff <= tol)) {
                assertThat(g[off + i]).as("%s[%d] for %s (reference %s, tolerance %s)", what, i, k, ref[i], tol)
                        .isEqualTo((float) ref[i]);
            }
        }
    }

    private static <T> T run(int threads, java.util.function.Supplier<T> s) {
        return Parallel.withThreads(threads, s);
    }

    // ------------------------------------------------------------------ tests

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "tiledCases", "winogradCases"})
    void matchesReferenceLoops(Case k) {
        SplittableRandom rng = new SplittableRandom(k.seed);
        Tensor x = randomWithOffset(rng, k.inShape());
        Tensor w = randomWithOffset(rng, k.wShape());
        Tensor b = random(rng, Shape.of(k.cout));
        Shape os = k.spec.outputShape(k.inShape(), k.wShape());
        Tensor gy = randomWithOffset(rng, os);
        float[] xd = x.toArray();
        float[] wd = w.toArray();
        float[] gd = gy.toArray();

        double[] y = new double[os.size()];
        double[] yAbs = new double[os.size()];
        double[] gx = new double[k.inShape().size()];
        double[] gxAbs = new double[gx.length];
        double[] gw = new double[k.wShape().size()];
        double[] gwAbs = new double[gw.length];
        forEachTerm(k, (xi, wi, yi) -> {
            double p = (double) xd[xi] * wd[wi];
            y[yi] += p;
            yAbs[yi] += Math.abs(p);
            double q = (double) gd[yi] * wd[wi];
            gx[xi] += q;
            gxAbs[xi] += Math.abs(q);
            double r = (double) gd[yi] * xd[xi];
            gw[wi] += r;
            gwAbs[wi] += Math.abs(r);
        });
        int plane = os.dim(2) * os.dim(3);
        double[] gb = new double[k.cout];
        double[] gbAbs = new double[k.cout];
        for (int i = 0; i < y.length; i++) {
            int co = (i / plane) % k.cout;
            y[i] += b.data()[co];
            yAbs[i] += Math.abs(b.data()[co]);
            gb[co] += gd[i];
            gbAbs[co] += Math.abs(gd[i]);
        }

        Tensor gotY = run(k.threads, () -> Conv2d.forward(x, w, b, k.spec));
        assertClose("forward", k, gotY, os, y, yAbs);
        Tensor gotGx = run(k.threads, () -> Conv2d.backwardInput(gy, w, k.inShape(), k.spec));
        assertClose("backwardInput", k, gotGx, k.inShape(), gx, gxAbs);
        Tensor gotGw = run(k.threads, () -> Conv2d.backwardWeight(x, gy, k.wShape(), k.spec));
        assertClose("backwardWeight", k, gotGw, k.wShape(), gw, gwAbs);
        // tiny block plans: images tiled into blocks of a few columns (crossing output rows), or batched 2-3 at a time
        for (int minCols : new int[] {5, 2 * os.dim(2) * os.dim(3) + 1}) {
            String plan = "forced block plan minCols=" + minCols;
            assertClose("forward, " + plan, k, run(k.threads, () -> Conv2d.forward(x, w, b, k.spec, 1, minCols)),
                    os, y, yAbs);
            assertClose("backwardInput, " + plan, k, run(k.threads,
                    () -> Conv2d.backwardInput(gy, w, k.inShape(), k.spec, 1, minCols)), k.inShape(), gx, gxAbs);
            assertClose("backwardWeight, " + plan, k, run(k.threads,
                    () -> Conv2d.backwardWeight(x, gy, k.wShape(), k.spec, 1, minCols)), k.wShape(), gw, gwAbs);
        }
        Tensor gotGb = run(k.threads, () -> Conv2d.backwardBias(gy));
        assertClose("backwardBias", k, gotGb, Shape.of(k.cout), gb, gbAbs);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void adjointIdentity(Case k) {
        SplittableRandom rng = new SplittableRandom(k.seed + 17);
        Tensor x = random(rng, k.inShape());
        Tensor w = random(rng, k.wShape());
        Shape os = k.spec.outputShape(k.inShape(), k.wShape());
        Tensor g = random(rng, os);
        Tensor y = run(k.threads, () -> Conv2d.forward(x, w, null, k.spec));
        Tensor gx = run(k.threads, () -> Conv2d.backwardInput(g, w, k.inShape(), k.spec));
        Tensor gw = run(k.threads, () -> Conv2d.backwardWeight(x, g, k.wShape(), k.spec));
        double[] yg = dot(y, g);
        double[] xgx = dot(x, gx);
        double[] wgw = dot(w, gw);
        double tol = 1e-4 * (yg[1] + xgx[1] + wgw[1]) + 1e-6;
        assertThat(xgx[0]).as("<x, backwardInput(g, w)> vs <conv(x, w), g> for %s", k)
                .isCloseTo(yg[0], org.assertj.core.data.Offset.offset(tol));
        assertThat(wgw[0]).as("<w, backwardWeight(x, g)> vs <conv(x, w), g> for %s", k)
                .isCloseTo(yg[0], org.assertj.core.data.Offset.offset(tol));
    }

    /** {dot product, sum of |terms|} in double. */
    private static double[] dot(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        double s = 0;
        double abs = 0;
        for (int i = 0; i < a.size(); i++) {
            double p = (double) a.data()[a.offset() + i] * b.data()[b.offset() + i];
            s += p;
            abs += Math.abs(p);
        }
        return new double[] {s, abs};
    }

    @Test
    void outputShapeFollowsPyTorchFormula() {
        Conv2dSpec s = new Conv2dSpec(2, 3, 1, 0, 2, 1, 2, 1, 1);
        // H: (10 + 1 + 2 - 2*2 - 1) / 2 + 1 = 5; W: (11 + 0 + 1 - 1*1 - 1) / 3 + 1 = 4
        assertThat(s.outputShape(Shape.of(2, 4, 10, 11), Shape.of(5, 4, 3, 2))).isEqualTo(Shape.of(2, 5, 5, 4));
        assertThat(Conv2dSpec.of(1, 1)).isEqualTo(new Conv2dSpec(1, 1, 1, 1, 1, 1, 1, 1, 1));
        assertThat(Conv2dSpec.of(2, 3, 2, 4)).isEqualTo(new Conv2dSpec(2, 2, 3, 3, 3, 3, 2, 2, 4));
    }

    @Test
    void rejectsWrongRank() {
        Tensor x = Tensor.zeros(1, 3, 8);
        Tensor w = Tensor.zeros(4, 3, 3, 3);
        assertThatThrownBy(() -> Conv2d.forward(x, w, null, Conv2dSpec.of(1, 1)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("rank 4").hasMessageContaining("[1, 3, 8]");
        assertThatThrownBy(() -> Conv2d.forward(Tensor.zeros(1, 3, 8, 8), Tensor.zeros(4, 3, 3), null,
                Conv2dSpec.of(1, 1)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("weight").hasMessageContaining("[4, 3, 3]");
    }

    @Test
    void rejectsMismatchedChannels() {
        assertThatThrownBy(() -> Conv2d.forward(Tensor.zeros(1, 5, 8, 8), Tensor.zeros(4, 3, 3, 3), null,
                Conv2dSpec.of(1, 1, 1, 2)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessage("conv2d: input channels must be 6 (weight [4, 3, 3, 3] with groups 2) but input has shape"
                        + " [1, 5, 8, 8]");
        assertThatThrownBy(() -> Conv2d.forward(Tensor.zeros(1, 3, 8, 8), Tensor.zeros(4, 3, 3, 3),
                Tensor.zeros(5), Conv2dSpec.of(1, 1)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("bias").hasMessageContaining("[4]")
                .hasMessageContaining("[5]");
    }

    @Test
    void rejectsGroupsNotDividing() {
        assertThatThrownBy(() -> Conv2d.forward(Tensor.zeros(1, 6, 8, 8), Tensor.zeros(5, 3, 3, 3), null,
                Conv2dSpec.of(1, 1, 1, 2)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("groups 2")
                .hasMessageContaining("[5, 3, 3, 3]");
        // 5 input channels cannot be split into 2 groups: no weight fits
        assertThatThrownBy(() -> Conv2d.forward(Tensor.zeros(1, 5, 8, 8), Tensor.zeros(4, 2, 3, 3), null,
                Conv2dSpec.of(1, 1, 1, 2)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("must be 4")
                .hasMessageContaining("[1, 5, 8, 8]");
    }

    @Test
    void rejectsKernelLargerThanPaddedInput() {
        assertThatThrownBy(() -> Conv2d.forward(Tensor.zeros(1, 3, 2, 8), Tensor.zeros(4, 3, 3, 3), null,
                Conv2dSpec.of(1, 0)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("must fit")
                .hasMessageContaining("[1, 3, 2, 8]");
        // dilation 2 makes a 3x3 kernel span 5
        assertThatThrownBy(() -> Conv2d.forward(Tensor.zeros(1, 3, 4, 4), Tensor.zeros(4, 3, 3, 3), null,
                Conv2dSpec.of(1, 0, 2, 1)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("conv2d");
    }

    @Test
    void rejectsBadSpec() {
        assertThatThrownBy(() -> Conv2dSpec.of(0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("strides").hasMessageContaining("0");
        assertThatThrownBy(() -> Conv2dSpec.of(1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("pads").hasMessageContaining("-1");
        assertThatThrownBy(() -> Conv2dSpec.of(1, 0, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("dilations");
        assertThatThrownBy(() -> Conv2dSpec.of(1, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("groups");
    }

    @Test
    void rejectsWrongGradientShapes() {
        Tensor w = Tensor.zeros(4, 3, 3, 3);
        assertThatThrownBy(() -> Conv2d.backwardInput(Tensor.zeros(1, 4, 7, 8), w, Shape.of(1, 3, 8, 8),
                Conv2dSpec.of(1, 1)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("[1, 4, 8, 8]")
                .hasMessageContaining("[1, 4, 7, 8]");
        assertThatThrownBy(() -> Conv2d.backwardWeight(Tensor.zeros(1, 3, 8, 8), Tensor.zeros(1, 5, 8, 8),
                w.shape(), Conv2dSpec.of(1, 1)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("conv2d").hasMessageContaining("[1, 5, 8, 8]");
        assertThatThrownBy(() -> Conv2d.backwardBias(Tensor.zeros(4, 3)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("conv2d")
                .hasMessageContaining("[4, 3]");
    }
}
