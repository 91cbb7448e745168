package org.lrp4j.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.ReLU;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/** The streaming estimators against the batch formulas, and their recovery of a known signal. */
class PatternStatisticsTest {

    /** Conv(2->3, 3x3, stride 2, pad 1) ReLU Flatten Gemm(3*4*4 -> 4) ReLU Gemm(4 -> 2), seeded. */
    static Model net(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Conv2d conv = new Conv2d(Conv2dSpec.of(2, 1), Variable.parameter(Tensor.randn(r, 0.5f, 3, 2, 3, 3)),
                Variable.parameter(Tensor.randn(r, 0.1f, 3)));
        return ModelBuilder.create("net").input("input", 2, 7, 7)
                .then(conv).then(new ReLU()).then(new Flatten())
                .then(Linear.of(3 * 4 * 4, 4, r)).then(new ReLU())
                .then(Linear.of(4, 2, r))
                .build();
    }

    /** Every observation of every node, by brute force: [node][row] -> x (D values) then z (K values). */
    private static double[][] observationsByDefinition(Model m, LinearNode n, Tensor inputs) {
        var t = m.trace(Variable.constant(inputs));
        Tensor in = t.inputs(n.node()).get(0).value();
        Tensor out = t.output(n.node()).value();
        int d = n.dimension();
        int k = n.neurons();
        if (n.conv() == null) {
            double[][] rows = new double[in.dim(0)][d + k];
            for (int r = 0; r < rows.length; r++) {
                for (int i = 0; i < d; i++) {
                    rows[r][i] = in.get(r, i);
                }
                for (int j = 0; j < k; j++) {
                    rows[r][d + j] = out.get(r, j);
                }
            }
            return rows;
        }
        int oh = out.dim(2);
        int ow = out.dim(3);
        int c = in.dim(1);
        int kh = n.kernel()[0];
        int kw = n.kernel()[1];
        double[][] rows = new double[in.dim(0) * oh * ow][d + k];
        int r = 0;
        for (int img = 0; img < in.dim(0); img++) {
            for (int py = 0; py < oh; py++) {
                for (int px = 0; px < ow; px++) {
                    for (int ch = 0; ch < c; ch++) {
                        for (int ky = 0; ky < kh; ky++) {
                            for (int kx = 0; kx < kw; kx++) {
                                int iy = py * 2 - 1 + ky;
                                int ix = px * 2 - 1 + kx;
                                boolean inside = iy >= 0 && iy < in.dim(2) && ix >= 0 && ix < in.dim(3);
                                rows[r][(ch * kh + ky) * kw + kx] = inside ? in.get(img, ch, iy, ix) : 0;
                            }
                        }
                    }
                    for (int j = 0; j < k; j++) {
                        rows[r][d + j] = out.get(img, j, py, px);
                    }
                    r++;
                }
            }
        }
        return rows;
    }

    /** a, a+ and a- of neuron j straight from the formulas over all observations at once. */
    private static double[][] patternsByDefinition(double[][] rows, LinearNode n, int j) {
        int d = n.dimension();
        double[] w = java.util.Arrays.copyOfRange(n.weight(), j * d, (j + 1) * d);
        double b = n.bias()[j];
        int total = rows.length;
        double ey = 0;
        for (double[] row : rows) {
            ey += row[d + j] - b;
        }
        ey /= total;
        double[] cov = new double[d];
        double var = 0;
        double[][] num = new double[2][d];
        double[][] ex = new double[2][d];
        double[][] exy = new double[2][d];
        int[] cnt = new int[2];
        double[] mx = new double[d];
        for (double[] row : rows) {
            double y = row[d + j] - b;
            int reg = row[d + j] > 0 ? 0 : 1;
            cnt[reg]++;
            var += (y - ey) * (y - ey);
            for (int i = 0; i < d; i++) {
                mx[i] += row[i] / total;
                ex[reg][i] += row[i];
                exy[reg][i] += row[i] * y;
            }
        }
        var /= total;
        for (double[] row : rows) {
            double y = row[d + j] - b;
            for (int i = 0; i < d; i++) {
                cov[i] += (row[i] - mx[i]) * (y - ey) / total;
            }
        }
        double[][] out = new double[3][d];
        for (int i = 0; i < d; i++) {
            out[0][i] = cov[i] / var;
        }
        for (int reg = 0; reg < 2; reg++) {
            double den = 0;
            for (int i = 0; i < d; i++) {
                num[reg][i] = exy[reg][i] / cnt[reg] - ex[reg][i] / cnt[reg] * ey;
                den += w[i] * num[reg][i];
            }
            for (int i = 0; i < d; i++) {
                out[1 + reg][i] = num[reg][i] / den;
            }
        }
        return out;
    }

    @Test
    void streamingInUnevenBatchesEqualsTheBatchFormulasForConvAndGemm() {
        Model m = net(3);
        Tensor x = Tensor.randn(new SplittableRandom(5), 1f, 37, 2, 7, 7);
        PatternFit fit = new PatternFit(m, false);
        fit.add(x.slice(0, 5)).add(x.slice(5, 6)).add(x.slice(6, 37));
        Patterns p = fit.patterns();
        assertThat(p.warnings()).isEmpty();
        for (LinearNode n : LinearNode.of(m)) {
            double[][] rows = observationsByDefinition(m, n, x);
            assertThat(fit.statistics().get(n.name()).count()).as(n.name()).isEqualTo(rows.length);
            Patterns.NodePatterns np = p.nodes().get(n.name());
            assertThat(np.rectified()).as(n.name()).isEqualTo(!n.name().equals(m.nodes().get(m.nodes().size() - 1).name()));
            for (int j = 0; j < n.neurons(); j++) {
                double[][] expected = patternsByDefinition(rows, n, j);
                Tensor[] got = {np.a(), np.aPlus(), np.aMinus()};
                for (int e = 0; e < (np.rectified() ? 3 : 1); e++) {
                    for (int i = 0; i < n.dimension(); i++) {
                        double want = expected[e][i];
                        assertThat((double) got[e].getFlat(j * n.dimension() + i)).as("%s neuron %d pattern %d [%d]",
                                n.name(), j, e, i).isCloseTo(want, org.assertj.core.data.Offset.offset(
                                        1e-5 * Math.max(1, Math.abs(want))));
                    }
                }
            }
        }
    }

    @Test
    void twoComponentEstimatorRecoversTheSignalDirectionOfEachRegime() {
        // x = a_p y (y > 0) or a_m y (y <= 0), plus a distractor a_d eps; w^T a_p = w^T a_m = 1, w^T a_d = 0
        double[] w = {1, 1, 0};
        double[] ap = {1, 0, 1};
        double[] am = {0, 1, -2};
        double[] ad = {1, -1, 0.5};
        Model m = ModelBuilder.create("regimes").input("input", 3)
                .then(new Linear(Variable.parameter(Tensor.of(new float[] {1, 1, 0}, 1, 3)), null))
                .then(new ReLU()).then(new Linear(Variable.parameter(Tensor.of(new float[] {1}, 1, 1)), null))
                .build();
        int n = 40_000;
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[n * 3];
        for (int s = 0; s < n; s++) {
            double y = r.nextGaussian();
            double eps = 2 * r.nextGaussian();
            double[] a = y > 0 ? ap : am;
            for (int i = 0; i < 3; i++) {
                x[s * 3 + i] = (float) (a[i] * y + ad[i] * eps);
            }
        }
        Patterns p = new PatternFit(m, false).addAll(Tensor.of(x, n, 3), 1000, done -> { }).patterns();
        Patterns.NodePatterns first = p.nodes().values().iterator().next();
        assertThat(first.rectified()).isTrue();
        assertThat(w[0] * ap[0] + w[1] * ap[1]).isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            assertThat((double) first.aPlus().getFlat(i)).as("a+[%d]", i).isCloseTo(ap[i],
                    org.assertj.core.data.Offset.offset(0.05));
            assertThat((double) first.aMinus().getFlat(i)).as("a-[%d]", i).isCloseTo(am[i],
                    org.assertj.core.data.Offset.offset(0.05));
        }
        // the linear estimator mixes the two regimes and is not either direction
        assertThat(Math.abs(first.a().getFlat(2) - ap[2])).isGreaterThan(0.5);
    }

    @Test
    void aNeuronWithoutVarianceGetsAZeroPatternAndAWarning() {
        Model m = ModelBuilder.create("dead").input("input", 2)
                .then(new Linear(Variable.parameter(Tensor.of(new float[] {1, -1, 0, 0}, 2, 2)), null))
                .build();
        Tensor x = Tensor.randn(new SplittableRandom(1), 1f, 50, 2);
        Patterns p = new PatternFit(m, false).add(x).patterns();
        Tensor a = p.nodes().get(m.nodes().get(0).name()).a();
        assertThat(a.getFlat(2)).isZero();
        assertThat(a.getFlat(3)).isZero();
        assertThat(a.getFlat(0)).isNotZero();
        assertThat(p.warnings()).singleElement().asString().contains("1 of 2 neurons get a zero pattern a (var(y) = 0)");
    }

    @Test
    void secondMomentsTooLargeForAnArrayAreRefusedBeforeAllocating() {
        Model m = ModelBuilder.create("wide").input("input", 50_000)
                .then(new Linear(Variable.parameter(Tensor.zeros(1, 50_000)), null)).build();
        assertThat(new PatternFit(m, false).statistics()).hasSize(1);
        assertThatThrownBy(() -> new PatternFit(m, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("50000 x 50000 covariance");
    }

    @Test
    void aGroupedConvolutionIsRefusedWithAClearMessage() {
        Conv2d grouped = new Conv2d(Conv2dSpec.of(1, 0, 1, 2), Variable.parameter(Tensor.ones(2, 1, 1, 1)), null);
        Model m = ModelBuilder.create("grouped").input("input", 2, 3, 3).then(grouped).build();
        assertThatThrownBy(() -> new PatternFit(m, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grouped convolution (groups 2)");
    }
}
