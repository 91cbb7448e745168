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

class PoolingTest {

    record Case(long seed, int n, int c, int h, int w, Pool2dSpec spec, int threads) {
        Shape inShape() {
            return Shape.of(n, c, h, w);
        }

        @Override
        public String toString() {
            return "seed=" + seed + " x=[" + n + "," + c + "," + h + "," + w + "] " + spec + " threads=" + threads;
        }
    }

    private static Pool2dSpec spec(int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr) {
        return new Pool2dSpec(kh, kw, sh, sw, pt, pl, pb, pr, false, false);
    }

    static Stream<Arguments> cases() {
        List<Object[]> base = new ArrayList<>();
        // n, c, h, w, spec
        base.add(new Object[] {1, 1, 1, 1, Pool2dSpec.of(1, 1, 0)});
        base.add(new Object[] {2, 3, 1, 1, spec(2, 2, 1, 1, 1, 0, 1, 1)});
        base.add(new Object[] {2, 3, 7, 7, Pool2dSpec.of(2, 2, 0)});
        base.add(new Object[] {1, 7, 7, 7, Pool2dSpec.of(3, 2, 1)});
        base.add(new Object[] {2, 3, 33, 33, Pool2dSpec.of(3, 3, 1)});
        base.add(new Object[] {1, 3, 33, 7, spec(3, 2, 2, 3, 2, 0, 1, 1)});
        base.add(new Object[] {3, 1, 7, 33, spec(2, 3, 1, 2, 0, 2, 1, 0)});
        base.add(new Object[] {1, 7, 33, 33, spec(3, 3, 3, 1, 1, 2, 0, 1)});
        base.add(new Object[] {1, 2, 6, 6, Pool2dSpec.of(3, 2, 0)});
        base.add(new Object[] {1, 2, 5, 5, Pool2dSpec.of(2, 2, 1)});
        base.add(new Object[] {2, 257, 5, 5, Pool2dSpec.of(3, 2, 1)});
        List<Arguments> out = new ArrayList<>();
        long seed = 500;
        for (Object[] b : base) {
            seed++;
            Pool2dSpec s = (Pool2dSpec) b[4];
            for (boolean ceil : new boolean[] {false, true}) {
                for (boolean inc : new boolean[] {false, true}) {
                    for (int t = 1; t <= 2; t++) {
                        out.add(Arguments.of(new Case(seed, (int) b[0], (int) b[1], (int) b[2], (int) b[3],
                                s.withCeilMode(ceil).withCountIncludePad(inc), t)));
                    }
                }
            }
        }
        return out.stream();
    }

    // ------------------------------------------------------------------ reference

    /** Output size: floor mode counts the windows inside the padded input; ceil mode adds one partial window
     *  when there is a remainder and that window starts inside the input (or the leading padding). */
    private static int refOut(int in, int k, int s, int pa, int pb, boolean ceil) {
        int span = in + pa + pb - k;
        int out = span / s + 1;
        if (ceil && span % s != 0 && out * s - pa < in) {
            out++;
        }
        return out;
    }

    private static Tensor random(SplittableRandom rng, Shape s, boolean coarse) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            // coarse values produce many ties
            d[i] = coarse ? rng.nextInt(4) : (float) (rng.nextDouble() * 2 - 1);
        }
        return Tensor.wrap(d, s);
    }

    private static <T> T run(int threads, java.util.function.Supplier<T> s) {
        return Parallel.withThreads(threads, s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void maxPoolMatchesReference(Case k) {
        Pool2dSpec s = k.spec;
        int oh = refOut(k.h, s.kernelH(), s.strideH(), s.padTop(), s.padBottom(), s.ceilMode());
        int ow = refOut(k.w, s.kernelW(), s.strideW(), s.padLeft(), s.padRight(), s.ceilMode());
        Shape os = Shape.of(k.n, k.c, oh, ow);
        assertThat(s.outputShape(k.inShape())).as("output shape for %s", k).isEqualTo(os);
        SplittableRandom rng = new SplittableRandom(k.seed);
        for (boolean coarse : new boolean[] {false, true}) {
            Tensor x = random(rng, k.inShape(), coarse);
            Tensor gy = random(rng, os, false);
            float[] xd = x.data();
            float[] ref = new float[os.size()];
            int[] refArg = new int[os.size()];
            double[] refGx = new double[x.size()];
            for (int p = 0; p < k.n * k.c; p++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int arg = -1;
                        for (int r = 0; r < s.kernelH(); r++) {
                            for (int c = 0; c < s.kernelW(); c++) {
                                int y = i * s.strideH() - s.padTop() + r;
                                int xx = j * s.strideW() - s.padLeft() + c;
                                if (y < 0 || y >= k.h || xx < 0 || xx >= k.w) {
                                    continue;
                                }
                                int idx = (p * k.h + y) * k.w + xx;
                                if (arg < 0 || xd[idx] > best) {
                                    best = xd[idx];
                                    arg = idx;
                                }
                            }
                        }
                        int o = (p * oh + i) * ow + j;
                        ref[o] = best;
                        refArg[o] = arg;
                        refGx[arg] += gy.data()[o];
                    }
                }
            }
            Pooling.MaxPoolResult res = run(k.threads, () -> Pooling.maxPool(x, s));
            assertThat(res.output().shape()).as("shape %s", k).isEqualTo(os);
            assertThat(res.output().toArray()).as("maxPool values for %s coarse=%s", k, coarse).containsExactly(ref);
            assertThat(res.argmax()).as("maxPool argmax for %s coarse=%s", k, coarse).containsExactly(refArg);
            Tensor gx = run(k.threads, () -> Pooling.maxPoolBackward(gy, res.argmax(), k.inShape()));
            assertThat(gx.shape()).isEqualTo(k.inShape());
            for (int i = 0; i < refGx.length; i++) {
                assertThat((double) gx.getFlat(i)).as("maxPoolBackward[%d] for %s coarse=%s", i, k, coarse)
                        .isCloseTo(refGx[i], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void avgPoolMatchesReference(Case k) {
        Pool2dSpec s = k.spec;
        Shape os = s.outputShape(k.inShape());
        int oh = os.dim(2);
        int ow = os.dim(3);
        SplittableRandom rng = new SplittableRandom(k.seed + 1);
        Tensor x = random(rng, k.inShape(), false);
        Tensor gy = random(rng, os, false);
        double[] ref = new double[os.size()];
        double[] refGx = new double[x.size()];
        for (int p = 0; p < k.n * k.c; p++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double sum = 0;
                    int real = 0;
                    int padded = 0;
                    for (int r = 0; r < s.kernelH(); r++) {
                        for (int c = 0; c < s.kernelW(); c++) {
                            int y = i * s.strideH() - s.padTop() + r;
                            int xx = j * s.strideW() - s.padLeft() + c;
                            if (y < k.h + s.padBottom() && xx < k.w + s.padRight()) {
                                padded++; // inside the padded input (never below -pad by construction)
                            }
                            if (y >= 0 && y < k.h && xx >= 0 && xx < k.w) {
                                real++;
                                sum += x.data()[(p * k.h + y) * k.w + xx];
                            }
                        }
                    }
                    int div = s.countIncludePad() ? padded : real;
                    int o = (p * oh + i) * ow + j;
                    ref[o] = sum / div;
                    double g = gy.data()[o] / (double) div;
                    for (int r = 0; r < s.kernelH(); r++) {
                        for (int c = 0; c < s.kernelW(); c++) {
                            int y = i * s.strideH() - s.padTop() + r;
                            int xx = j * s.strideW() - s.padLeft() + c;
                            if (y >= 0 && y < k.h && xx >= 0 && xx < k.w) {
                                refGx[(p * k.h + y) * k.w + xx] += g;
                            }
                        }
                    }
                }
            }
        }
        Tensor y = run(k.threads, () -> Pooling.avgPool(x, s));
        assertThat(y.shape()).isEqualTo(os);
        for (int i = 0; i < ref.length; i++) {
            assertThat((double) y.getFlat(i)).as("avgPool[%d] for %s", i, k)
                    .isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-5));
        }
        Tensor gx = run(k.threads, () -> Pooling.avgPoolBackward(gy, k.inShape(), s));
        assertThat(gx.shape()).isEqualTo(k.inShape());
        for (int i = 0; i < refGx.length; i++) {
            assertThat((double) gx.getFlat(i)).as("avgPoolBackward[%d] for %s", i, k)
                    .isCloseTo(refGx[i], org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @ParameterizedTest(name = "threads={0}")
    @MethodSource("threadCounts")
    void globalAvgPoolMatchesReference(int threads) {
        for (int[] d : new int[][] {{1, 1, 1, 1}, {2, 3, 7, 7}, {3, 7, 33, 1}, {1, 257, 5, 5}}) {
            SplittableRandom rng = new SplittableRandom(42 + d[1]);
            Shape in = Shape.of(d);
            Tensor x = random(rng, in, false);
            Tensor gy = random(rng, Shape.of(d[0], d[1], 1, 1), false);
            int plane = d[2] * d[3];
            Tensor y = run(threads, () -> Pooling.globalAvgPool(x));
            Tensor gx = run(threads, () -> Pooling.globalAvgPoolBackward(gy, in));
            assertThat(y.shape()).isEqualTo(Shape.of(d[0], d[1], 1, 1));
            for (int p = 0; p < d[0] * d[1]; p++) {
                double s = 0;
                for (int i = 0; i < plane; i++) {
                    s += x.data()[p * plane + i];
                    assertThat((double) gx.getFlat(p * plane + i)).as("globalAvgPoolBackward %s threads=%d", in,
                            threads).isCloseTo(gy.data()[p] / (double) plane,
                            org.assertj.core.data.Offset.offset(1e-7));
                }
                assertThat((double) y.getFlat(p)).as("globalAvgPool %s plane %d threads=%d", in, p, threads)
                        .isCloseTo(s / plane, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    static Stream<Integer> threadCounts() {
        return Stream.of(1, 2);
    }

    @Test
    void maxPoolTiesPickFirstMaximumAndRouteGradientThere() {
        // constant input: every window's first real cell wins
        Tensor x = Tensor.full(2f, 1, 1, 4, 4);
        Pooling.MaxPoolResult r = Pooling.maxPool(x, Pool2dSpec.of(2, 1, 1));
        assertThat(r.output().shape()).isEqualTo(Shape.of(1, 1, 5, 5));
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                int y = Math.max(0, i - 1);
                int xx = Math.max(0, j - 1);
                assertThat(r.argmax()[i * 5 + j]).as("argmax of window (%d, %d)", i, j).isEqualTo(y * 4 + xx);
                assertThat(r.output().getFlat(i * 5 + j)).isEqualTo(2f);
            }
        }
        Tensor g = Pooling.maxPoolBackward(Tensor.ones(1, 1, 5, 5), r.argmax(), x.shape());
        // cell (y, x) receives from windows whose first real cell it is
        assertThat(g.get(0, 0, 0, 0)).isEqualTo(4f);
        assertThat(g.get(0, 0, 0, 1)).isEqualTo(2f);
        assertThat(g.get(0, 0, 1, 0)).isEqualTo(2f);
        assertThat(g.get(0, 0, 1, 1)).isEqualTo(1f);
        assertThat(g.get(0, 0, 3, 3)).isEqualTo(1f);

        Tensor t = Tensor.of(new float[] {1, 3, 3, 1}, 1, 1, 2, 2);
        Pooling.MaxPoolResult r2 = Pooling.maxPool(t, Pool2dSpec.of(2, 2, 0));
        assertThat(r2.argmax()).containsExactly(1);
        assertThat(Pooling.maxPoolBackward(Tensor.full(5f, 1, 1, 1, 1), r2.argmax(), t.shape()).toArray())
                .containsExactly(0f, 5f, 0f, 0f);
    }

    @Test
    void maxPoolArgmaxIsRelativeToTheInputOffset() {
        Tensor big = Tensor.arange(2 * 4 * 4).reshape(2, 1, 4, 4);
        Tensor x = big.slice(1, 2);
        Pooling.MaxPoolResult r = Pooling.maxPool(x, Pool2dSpec.of(2, 2, 0));
        assertThat(r.argmax()).containsExactly(5, 7, 13, 15);
        assertThat(r.output().toArray()).containsExactly(21f, 23f, 29f, 31f);
    }

    @Test
    void maxPoolPropagatesNaN() {
        Tensor x = Tensor.of(new float[] {1, Float.NaN, 3, 0}, 1, 1, 2, 2);
        Pooling.MaxPoolResult r = Pooling.maxPool(x, Pool2dSpec.of(2, 2, 0));
        assertThat(r.output().getFlat(0)).isNaN();
        assertThat(r.argmax()).containsExactly(1);
        // the 2x2 stride-2 fast path: first NaN in row-major order, also in the second row
        Tensor y = Tensor.of(new float[] {1, 5, 2, 0, 7, Float.NaN, Float.NaN, Float.NaN, 0, 3, 9, 9, 3, 3, 9, 9},
                1, 1, 4, 4);
        Pooling.MaxPoolResult r2 = Pooling.maxPool(y, Pool2dSpec.of(2, 2, 0));
        assertThat(r2.argmax()).containsExactly(5, 6, 9, 10);
        assertThat(r2.output().getFlat(0)).isNaN();
        assertThat(r2.output().getFlat(1)).isNaN();
        assertThat(r2.output().getFlat(2)).isEqualTo(3f);
        assertThat(r2.output().getFlat(3)).isEqualTo(9f);
        // the generic path (3x3 window)
        Tensor z = Tensor.of(new float[] {1, 2, 3, 4, Float.NaN, 6, Float.NaN, 8, 9}, 1, 1, 3, 3);
        Pooling.MaxPoolResult r3 = Pooling.maxPool(z, Pool2dSpec.of(3, 1, 0));
        assertThat(r3.argmax()).containsExactly(4);
        assertThat(r3.output().getFlat(0)).isNaN();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void valuesOnlyMaxPoolEqualsTheValuesOfMaxPoolWithArgmax(Case k) {
        SplittableRandom rng = new SplittableRandom(k.seed + 11);
        for (int variant = 0; variant < 3; variant++) {
            Tensor x = random(rng, k.inShape(), variant == 1);
            if (variant == 2) {
                float[] d = x.data();
                for (int i = 0; i < d.length; i += 7) {
                    d[i] = i % 3 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
                }
            }
            Tensor expected = Parallel.withThreads(k.threads, () -> Pooling.maxPool(x, k.spec).output());
            Tensor values = Parallel.withThreads(k.threads, () -> Pooling.maxPoolValues(x, k.spec));
            assertThat(values.shape()).isEqualTo(expected.shape());
            assertThat(values.toArray()).as("%s variant %d", k, variant).containsExactly(expected.toArray());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void routingWithoutArgmaxEqualsRoutingByArgmax(Case k) {
        SplittableRandom rng = new SplittableRandom(k.seed + 5);
        Shape os = k.spec.outputShape(k.inShape());
        for (boolean coarse : new boolean[] {false, true}) {
            Tensor x = random(rng, k.inShape(), coarse);
            Tensor r = random(rng, os, false);
            Tensor expected = Parallel.withThreads(k.threads, () -> Pooling.maxPoolBackward(r,
                    Pooling.maxPool(x, k.spec).argmax(), x.shape()));
            Tensor routed = Parallel.withThreads(k.threads, () -> Pooling.maxPoolRoute(x, r, k.spec));
            assertThat(routed.maxAbsDiff(expected)).as("%s coarse=%s", k, coarse).isZero();
        }
    }

    @Test
    void routingWithoutArgmaxPicksTheFirstMaximumOrNaN() {
        float nan = Float.NaN;
        Tensor x = Tensor.of(new float[] {0, 4, 4, 1, /**/ -0f, 0f, 0f, -0f, /**/ 1, nan, 2, nan, /**/ 3, 3, 3, 3},
                1, 4, 2, 2);
        Tensor r = Tensor.of(new float[] {10, 20, 30, 40}, 1, 4, 1, 1);
        Tensor g = Pooling.maxPoolRoute(x, r, Pool2dSpec.of(2, 2, 0));
        assertThat(g.data()).containsExactly(0, 10, 0, 0, /**/ 20, 0, 0, 0, /**/ 0, 30, 0, 0, /**/ 40, 0, 0, 0);
        assertThatThrownBy(() -> Pooling.maxPoolRoute(x, r.reshape(4, 1, 1, 1), Pool2dSpec.of(2, 2, 0)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("maxPool route");
    }

    @Test
    void maxPool2x2FastPathTiesPickFirst() {
        Tensor x = Tensor.full(1f, 1, 2, 4, 4);
        Pooling.MaxPoolResult r = Pooling.maxPool(x, Pool2dSpec.of(2, 2, 0));
        assertThat(r.argmax()).containsExactly(0, 2, 8, 10, 16, 18, 24, 26);
        Tensor g = Pooling.maxPoolBackward(Tensor.ones(1, 2, 2, 2), r.argmax(), x.shape());
        assertThat(g.get(0, 1, 0, 0)).isEqualTo(1f);
        assertThat(g.get(0, 1, 1, 1)).isEqualTo(0f);
        // ties between the rows of a window: the first row wins
        Tensor y = Tensor.of(new float[] {0, 4, 4, 1}, 1, 1, 2, 2);
        assertThat(Pooling.maxPool(y, Pool2dSpec.of(2, 2, 0)).argmax()).containsExactly(1);
        Tensor z = Tensor.of(new float[] {0, 1, 4, 4}, 1, 1, 2, 2);
        assertThat(Pooling.maxPool(z, Pool2dSpec.of(2, 2, 0)).argmax()).containsExactly(2);
    }

    @Test
    void ceilModeDropsWindowStartingInBottomPadding() {
        // H = 5, k 2, s 2, pad 1: ceil((5 + 2 - 2) / 2) + 1 = 4, but the 4th window starts at 5 (padding) -> 3
        Pool2dSpec s = Pool2dSpec.of(2, 2, 1).withCeilMode(true);
        assertThat(s.outputShape(Shape.of(1, 1, 5, 5))).isEqualTo(Shape.of(1, 1, 3, 3));
        // H = 6, k 3, s 2: floor 2, ceil 3 (last window starts at 4, inside the input)
        assertThat(Pool2dSpec.of(3, 2, 0).outputShape(Shape.of(1, 1, 6, 6))).isEqualTo(Shape.of(1, 1, 2, 2));
        assertThat(Pool2dSpec.of(3, 2, 0).withCeilMode(true).outputShape(Shape.of(1, 1, 6, 6)))
                .isEqualTo(Shape.of(1, 1, 3, 3));
        // the partial window averages over its real cells only / over the padded-clipped window
        Tensor x = Tensor.arange(36).reshape(1, 1, 6, 6);
        Tensor y = Pooling.avgPool(x, Pool2dSpec.of(3, 2, 0).withCeilMode(true));
        // window rows 4..5, cols 4..5: (28 + 29 + 34 + 35) / 4
        assertThat(y.get(0, 0, 2, 2)).isEqualTo(31.5f);
        Tensor yi = Pooling.avgPool(x, Pool2dSpec.of(3, 2, 0).withCeilMode(true).withCountIncludePad(true));
        // no padding: the window is clipped to the input bounds (hend = min(4 + 3, 6 + 0)) -> also 4 cells
        assertThat(yi.get(0, 0, 2, 2)).isEqualTo(31.5f);
        Tensor yp = Pooling.avgPool(Tensor.ones(1, 1, 2, 2), Pool2dSpec.of(2, 1, 1).withCountIncludePad(true));
        assertThat(yp.toArray()).containsExactly(0.25f, 0.5f, 0.25f, 0.5f, 1f, 0.5f, 0.25f, 0.5f, 0.25f);
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> Pooling.maxPool(Tensor.zeros(1, 4, 4), Pool2dSpec.of(2, 2, 0)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("maxPool").hasMessageContaining("rank 4").hasMessageContaining("[1, 4, 4]");
        assertThatThrownBy(() -> Pooling.avgPool(Tensor.zeros(1, 4, 4), Pool2dSpec.of(2, 2, 0)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("avgPool").hasMessageContaining("rank 4");
        assertThatThrownBy(() -> Pooling.avgPool(Tensor.zeros(1, 1, 2, 5), Pool2dSpec.of(5, 1, 1)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("avgPool").hasMessageContaining("must fit")
                .hasMessageContaining("[1, 1, 2, 5]");
        assertThatThrownBy(() -> Pooling.maxPool(Tensor.zeros(1, 1, 2, 2), Pool2dSpec.of(3, 1, 0)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("maxPool");
        assertThatThrownBy(() -> Pool2dSpec.of(2, 2, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pads").hasMessageContaining("-1");
        assertThatThrownBy(() -> Pool2dSpec.of(2, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("strides");
        assertThatThrownBy(() -> Pool2dSpec.of(0, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kernel");
        assertThatThrownBy(() -> Pool2dSpec.of(2, 1, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("smaller than the kernel");
        assertThatThrownBy(() -> Pooling.avgPoolBackward(Tensor.zeros(1, 1, 3, 3), Shape.of(1, 1, 4, 4),
                Pool2dSpec.of(2, 2, 0)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("avgPool")
                .hasMessageContaining("[1, 1, 2, 2]").hasMessageContaining("[1, 1, 3, 3]");
        assertThatThrownBy(() -> Pooling.maxPoolBackward(Tensor.zeros(1, 2, 2, 2), new int[8], Shape.of(1, 1, 4, 4)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("maxPool");
        assertThatThrownBy(() -> Pooling.globalAvgPool(Tensor.zeros(3, 3)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("globalAvgPool");
    }
}
