package org.lrp4j.patterns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Trace;
import org.lrp4j.tensor.Tensor;

/** rho(S) from the streaming sums against the definition evaluated observation by observation. */
class SignalQualityTest {

    /** Rows [x (D values), z (K values)] of a node, as the node sees them. */
    private static double[][] rows(Model m, LinearNode n, Tensor x) {
        Trace t = m.trace(Variable.constant(x));
        LinearNode.Observations o = n.observations(t.inputs(n.node()).get(0).value(), t.output(n.node()).value());
        int d = n.dimension();
        int k = n.neurons();
        double[][] rows = new double[o.rows()][d + k];
        for (int r = 0; r < o.rows(); r++) {
            System.arraycopy(o.x(), r * d, rows[r], 0, d);
            System.arraycopy(o.z(), r * k, rows[r], d, k);
        }
        return rows;
    }

    private static double[] unit(double[] p, double[] w) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += p[i] * w[i];
        }
        double[] out = p.clone();
        for (int i = 0; i < p.length; i++) {
            out[i] /= s;
        }
        return out;
    }

    /** The residual d = x - p_r y of every row, r by the sign of z. */
    private static double[][] residuals(double[][] rows, int d, int j, double b, double[] w, double[] plus,
                                        double[] minus) {
        double[][] out = new double[rows.length][d];
        for (int r = 0; r < rows.length; r++) {
            double z = rows[r][d + j];
            double y = z - b;
            double[] p = z > 0 ? plus : minus;
            for (int i = 0; i < d; i++) {
                out[r][i] = rows[r][i] - p[i] * y;
            }
        }
        return out;
    }

    /** 1 - corr_B(y, v^T d) with v the (ridge lambda) least-squares fit of y on d over the rows of A. */
    private static double rhoByDefinition(double[][] dA, double[] yA, double[][] dB, double[] yB, double lambda) {
        int d = dA[0].length;
        double[] md = new double[d];
        double my = 0;
        for (int r = 0; r < dA.length; r++) {
            for (int i = 0; i < d; i++) {
                md[i] += dA[r][i] / dA.length;
            }
            my += yA[r] / dA.length;
        }
        double[][] c = new double[d][d];
        double[] cy = new double[d];
        for (int r = 0; r < dA.length; r++) {
            for (int i = 0; i < d; i++) {
                cy[i] += (dA[r][i] - md[i]) * (yA[r] - my) / dA.length;
                for (int l = 0; l < d; l++) {
                    c[i][l] += (dA[r][i] - md[i]) * (dA[r][l] - md[l]) / dA.length;
                }
            }
        }
        for (int i = 0; i < d; i++) {
            c[i][i] += lambda;
        }
        double[] v = SignalQuality.solveSmall(c, cy);
        double[] proj = new double[dB.length];
        for (int r = 0; r < dB.length; r++) {
            for (int i = 0; i < d; i++) {
                proj[r] += v[i] * dB[r][i];
            }
        }
        return 1 - correlation(proj, yB);
    }

    private static double correlation(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElse(0);
        double mb = Arrays.stream(b).average().orElse(0);
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
    }

    @Test
    void rhoFromStreamingSumsEqualsTheHeldOutCorrelationOfTheLeastSquaresFitOnTheResiduals() {
        Model m = PatternStatisticsTest.net(7);
        SplittableRandom r = new SplittableRandom(9);
        Tensor train = Tensor.randn(r, 1f, 60, 2, 7, 7).add(0.3f);
        Tensor a = Tensor.randn(r, 1f, 40, 2, 7, 7).add(0.3f);
        Tensor b = Tensor.randn(r, 1f, 30, 2, 7, 7).add(0.3f);
        Patterns p = new PatternFit(m, false).add(train).patterns();
        PatternFit fitA = new PatternFit(m, true).add(a.slice(0, 17)).add(a.slice(17, 40));
        PatternFit fitB = new PatternFit(m, true).add(b);
        List<SignalQuality.Rho> rhos = SignalQuality.measure(p, fitA, fitB, 1);
        double lowest = 1;
        for (LinearNode n : LinearNode.of(m)) {
            int d = n.dimension();
            double[][] rowsA = rows(m, n, a);
            double[][] rowsB = rows(m, n, b);
            double[] cov = fitA.statistics().get(n.name()).inputCovariance();
            double trace = 0;
            for (int i = 0; i < d; i++) {
                trace += cov[i * d + i];
            }
            double lambda = 1e-6 * trace / d;
            Patterns.NodePatterns np = p.nodes().get(n.name());
            for (SignalQuality.Estimator e : List.of(SignalQuality.Estimator.S_W, SignalQuality.Estimator.S_A,
                    SignalQuality.Estimator.S_A_PLUS_MINUS)) {
                double sum = 0;
                for (int j = 0; j < n.neurons(); j++) {
                    double[] w = Arrays.copyOfRange(n.weight(), j * d, (j + 1) * d);
                    double[] plus;
                    double[] minus;
                    if (e == SignalQuality.Estimator.S_W) {
                        plus = minus = unit(w, w);
                    } else {
                        Tensor tp = e == SignalQuality.Estimator.S_A || !np.rectified() ? np.a() : np.aPlus();
                        Tensor tm = e == SignalQuality.Estimator.S_A || !np.rectified() ? np.a() : np.aMinus();
                        plus = unit(row(tp, j, d), w);
                        minus = unit(row(tm, j, d), w);
                    }
                    double b0 = n.bias()[j];
                    sum += rhoByDefinition(residuals(rowsA, d, j, b0, w, plus, minus), ys(rowsA, d, j, b0),
                            residuals(rowsB, d, j, b0, w, plus, minus), ys(rowsB, d, j, b0), lambda);
                }
                double expected = sum / n.neurons();
                lowest = Math.min(lowest, expected);
                double got = rhos.stream().filter(x -> x.node().equals(n.name()) && x.estimator() == e).findFirst()
                        .orElseThrow().rho();
                assertThat(got).as("%s %s", n.name(), e).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
        // the residuals do carry information about y somewhere, so the comparison is not between ones
        assertThat(lowest).isLessThan(0.9);
        assertThat(rhos).filteredOn(x -> x.estimator() == SignalQuality.Estimator.S_X)
                .allSatisfy(x -> assertThat(x.rho()).isEqualTo(1.0))
                .allSatisfy(x -> assertThat(x.note()).contains("residual 0"));
    }

    private static double[] row(Tensor t, int j, int d) {
        double[] out = new double[d];
        for (int i = 0; i < d; i++) {
            out[i] = t.getFlat(j * d + i);
        }
        return out;
    }

    private static double[] ys(double[][] rows, int d, int j, double b) {
        double[] y = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            y[r] = rows[r][d + j] - b;
        }
        return y;
    }
}
