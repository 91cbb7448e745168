package org.lrp4j.patterns;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.lrp4j.tensor.kernel.Parallel;

/**
 * The quality of a signal estimator S for a neuron y = w^T x (Kindermans et al. 2018, eq. 2):
 * <pre>
 *   rho(S) = 1 - max_v corr(w^T x, v^T (x - S(x)))
 * </pre>
 * how much of y a linear projection can still read from the residual d = x - S(x): a good estimator leaves none
 * (rho near 1). v is the least-squares fit of y on d on one split of the data (the maximiser of the correlation),
 * the correlation is measured on another split; a layer's rho is the mean over its neurons (neurons with var(y) = 0
 * on the report split are left out).
 *
 * <p>Every estimator compared is S(x) = p_r y with a direction per regime r (z = y + b &gt; 0 or not) and w^T p_r = 1,
 * so the residual's moments follow from the streaming sums without a pass per estimator: with x~ = x - E[x],
 * c_r = E[x~ y 1_r], m_r = E[y 1_r], s_r = E[y^2 1_r] and q = p_+ m_+ + p_- m_-,
 * <pre>
 *   cov[d]    = cov[x] - sum_r (c_r p_r^T + p_r c_r^T) + sum_r s_r p_r p_r^T - q q^T
 *   cov[d, y] = sum_r c_r - sum_r s_r p_r + q E[y]
 * </pre>
 * a low-rank change of cov[x] in the span of B = [c_+, c_-, p_+, p_-]; v = cov[d]^-1 cov[d, y] by the Woodbury
 * identity on one Cholesky factor of cov[x] + lambda I per layer (lambda = 1e-6 times the mean input variance, as
 * cov[d] is singular along w and on constant inputs).
 */
public final class SignalQuality {
    private SignalQuality() {
    }

    /** The estimators compared. */
    public enum Estimator {
        /** S_x(x) = x: the residual is 0, nothing can be read from it; rho = 1 by definition, not measured. */
        S_X("S_x"),
        /** S_w(x) = w w^T x / w^T w: the signal along the filter (what gradient-like methods assume). */
        S_W("S_w"),
        /** S_a(x) = a w^T x, a = cov[x, y] / var(y). */
        S_A("S_a"),
        /** S_a+-(x) = a+ w^T x if z &gt; 0, else a- w^T x; S_a for nodes not read by ReLUs only. */
        S_A_PLUS_MINUS("S_a+-"),
        /** S(x) = u w^T x with u = r / w^T r, r a seeded standard normal direction per neuron. */
        RANDOM("random");

        private final String label;

        Estimator(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One layer's rho for one estimator.
     *
     * @param neurons the neurons averaged (var(y) &gt; 0 on the report split)
     * @param note    what to know about the number ("residual 0", "S_a: not followed by a ReLU"), or empty
     */
    public record Rho(String node, Estimator estimator, double rho, int neurons, String note) {
    }

    /**
     * rho of every estimator for every node of {@code patterns}: v fitted on {@code fit}, correlation on
     * {@code report} (both collected with second moments, on different data).
     */
    public static List<Rho> measure(Patterns patterns, PatternFit fit, PatternFit report, long seed) {
        List<Rho> out = new ArrayList<>();
        for (Patterns.NodePatterns np : patterns.nodes().values()) {
            PatternStatistics f = fit.statistics().get(np.node());
            PatternStatistics r = report.statistics().get(np.node());
            if (f == null || r == null) {
                throw new IllegalArgumentException("no statistics for node '" + np.node() + "'");
            }
            out.addAll(measure(np, f, r, seed));
        }
        return out;
    }

    /** rho of every estimator for one node. */
    public static List<Rho> measure(Patterns.NodePatterns np, PatternStatistics fit, PatternStatistics report,
                                    long seed) {
        LinearNode node = fit.node();
        int k = node.neurons();
        int d = node.dimension();
        double[] cov = fit.inputCovariance();
        double trace = 0;
        for (int i = 0; i < d; i++) {
            trace += cov[i * d + i];
        }
        double lambda = trace > 0 ? 1e-6 * trace / d : 1e-12;
        for (int i = 0; i < d; i++) {
            cov[i * d + i] += lambda;
        }
        double[] chol = cholesky(cov, d);
        double[] cholT = transpose(chol, d);
        double[] covReport = report.inputCovariance();
        Estimator[] measured = {Estimator.S_W, Estimator.S_A, Estimator.S_A_PLUS_MINUS, Estimator.RANDOM};
        double[][] corr = new double[measured.length][k];
        boolean[] live = new boolean[k];
        float[] a = np.a().toArray();
        float[] plus = np.rectified() ? np.aPlus().toArray() : a;
        float[] minus = np.rectified() ? np.aMinus().toArray() : a;
        Parallel.range(k, 1, (from, to) -> {
            for (int j = from; j < to; j++) {
                PatternStatistics.Neuron mf = fit.neuron(j);
                PatternStatistics.Neuron mr = report.neuron(j);
                live[j] = mr.varY() > 0;
                double[] w = Arrays.copyOfRange(node.weight(), j * d, (j + 1) * d);
                double[][] basis = {centred(mf.mxyPos(), mf.mx(), mf.myPos()),
                    centred(mf.mxyNeg(), mf.mx(), mf.myNeg())};
                double[][] solved = {solve(chol, cholT, d, basis[0]), solve(chol, cholT, d, basis[1])};
                SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + node.name().hashCode() * 31L + j);
                for (int e = 0; e < measured.length; e++) {
                    double[][] p = directions(measured[e], w, a, plus, minus, j * d, rng);
                    corr[e][j] = correlation(mf, mr, basis, solved, p, chol, cholT, covReport, d);
                }
            }
        });
        List<Rho> out = new ArrayList<>();
        int count = 0;
        for (boolean l : live) {
            count += l ? 1 : 0;
        }
        out.add(new Rho(node.name(), Estimator.S_X, 1.0, count, "residual 0: rho = 1 by definition"));
        for (int e = 0; e < measured.length; e++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += live[j] ? corr[e][j] : 0;
            }
            double rho = count == 0 ? Double.NaN : 1 - sum / count;
            String note = measured[e] == Estimator.S_A_PLUS_MINUS && !np.rectified()
                    ? "S_a: not followed by a ReLU" : "";
            out.add(new Rho(node.name(), measured[e], rho, count, note));
        }
        return out;
    }

    /** The two regimes' directions p_+, p_- of an estimator for neuron j, scaled to w^T p = 1 (when w^T p != 0). */
    private static double[][] directions(Estimator e, double[] w, float[] a, float[] plus, float[] minus, int at,
                                         SplittableRandom rng) {
        int d = w.length;
        double[] p = new double[d];
        double[] q;
        switch (e) {
            case S_W -> {
                System.arraycopy(w, 0, p, 0, d);
                q = p;
            }
            case S_A -> {
                copy(a, at, p);
                q = p;
            }
            case S_A_PLUS_MINUS -> {
                copy(plus, at, p);
                q = new double[d];
                copy(minus, at, q);
            }
            case RANDOM -> {
                for (int i = 0; i < d; i++) {
                    p[i] = rng.nextGaussian();
                }
                q = p;
            }
            default -> throw new IllegalArgumentException("no directions for " + e);
        }
        double[] up = unitOutput(p, w);
        return new double[][] {up, q == p ? up : unitOutput(q, w)};
    }

    private static void copy(float[] src, int at, double[] dst) {
        for (int i = 0; i < dst.length; i++) {
            dst[i] = src[at + i];
        }
    }

    private static double[] unitOutput(double[] p, double[] w) {
        double wp = dot(w, p);
        double[] out = p.clone();
        if (wp != 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] /= wp;
            }
        }
        return out;
    }

    /** c_r = E[x y 1_r] - E[x] E[y 1_r]. */
    private static double[] centred(double[] mxy, double[] mx, double my) {
        double[] c = new double[mxy.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = mxy[i] - mx[i] * my;
        }
        return c;
    }

    /** M of cov[d] = cov[x] + B M B^T, B = [c_+, c_-, p_+, p_-]. */
    private static double[][] lowRank(PatternStatistics.Neuron m) {
        double[][] mm = new double[4][4];
        mm[0][2] = mm[2][0] = -1;
        mm[1][3] = mm[3][1] = -1;
        mm[2][2] = m.myyPos() - m.myPos() * m.myPos();
        mm[3][3] = m.myyNeg() - m.myNeg() * m.myNeg();
        mm[2][3] = mm[3][2] = -m.myPos() * m.myNeg();
        return mm;
    }

    /** cov[d, y] = B e. */
    private static double[] crossCoefficients(PatternStatistics.Neuron m) {
        double my = m.my();
        return new double[] {1, 1, -m.myyPos() + m.myPos() * my, -m.myyNeg() + m.myNeg() * my};
    }

    /**
     * corr(y, v^T d) on the report split for v = cov_fit[d]^-1 cov_fit[d, y]. With Z = A^-1 B and G = B^T Z,
     * (A + B M B^T)^-1 B e = Z (e - M (I + G M)^-1 G e).
     */
    private static double correlation(PatternStatistics.Neuron fit, PatternStatistics.Neuron report, double[][] basis,
                                      double[][] solved, double[][] p, double[] chol, double[] cholT,
                                      double[] covReport, int d) {
        double[][] b = {basis[0], basis[1], p[0], p[1]};
        double[] zp = solve(chol, cholT, d, p[0]);
        double[][] z = {solved[0], solved[1], zp, p[1] == p[0] ? zp : solve(chol, cholT, d, p[1])};
        double[][] g = new double[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                g[i][j] = dot(b[i], z[j]);
            }
        }
        double[][] m = lowRank(fit);
        double[] e = crossCoefficients(fit);
        double[] ge = multiply(g, e);
        double[][] igm = new double[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                double s = i == j ? 1 : 0;
                for (int l = 0; l < 4; l++) {
                    s += g[i][l] * m[l][j];
                }
                igm[i][j] = s;
            }
        }
        double[] t = multiply(m, solveSmall(igm, ge));
        double[] h = new double[4];
        for (int i = 0; i < 4; i++) {
            h[i] = e[i] - t[i];
        }
        double[] v = new double[d];
        for (int i = 0; i < 4; i++) {
            for (int l = 0; l < d; l++) {
                v[l] += z[i][l] * h[i];
            }
        }
        // the report split: cov_R[d] = cov_R[x] + B_R M_R B_R^T, cov_R[d, y] = B_R e_R
        double[][] br = {centred(report.mxyPos(), report.mx(), report.myPos()),
            centred(report.mxyNeg(), report.mx(), report.myNeg()), p[0], p[1]};
        double[] bv = new double[4];
        for (int i = 0; i < 4; i++) {
            bv[i] = dot(br[i], v);
        }
        double num = dot(bv, crossCoefficients(report));
        double var = quadratic(covReport, v, d) + dot(bv, multiply(lowRank(report), bv));
        double vy = report.varY();
        if (!(var > 0) || !(vy > 0)) {
            return 0;
        }
        return num / Math.sqrt(var * vy);
    }

    private static double quadratic(double[] a, double[] v, int d) {
        double s = 0;
        for (int i = 0; i < d; i++) {
            double r = 0;
            int o = i * d;
            for (int j = 0; j < d; j++) {
                r += a[o + j] * v[j];
            }
            s += v[i] * r;
        }
        return s;
    }

    private static double[] multiply(double[][] m, double[] v) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = dot(m[i], v);
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Gaussian elimination with partial pivoting for a small system. */
    static double[] solveSmall(double[][] a0, double[] b0) {
        int n = b0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = a0[i].clone();
        }
        double[] b = b0.clone();
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] tr = a[c];
            a[c] = a[piv];
            a[piv] = tr;
            double tb = b[c];
            b[c] = b[piv];
            b[piv] = tb;
            if (a[c][c] == 0) {
                continue;
            }
            for (int r = c + 1; r < n; r++) {
                double f = a[r][c] / a[c][c];
                for (int j = c; j < n; j++) {
                    a[r][j] -= f * a[c][j];
                }
                b[r] -= f * b[c];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = b[r];
            for (int j = r + 1; j < n; j++) {
                s -= a[r][j] * x[j];
            }
            x[r] = a[r][r] == 0 ? 0 : s / a[r][r];
        }
        return x;
    }

    /** The lower Cholesky factor L (row-major, D x D) of a symmetric positive definite matrix. */
    static double[] cholesky(double[] a, int d) {
        double[] l = new double[d * d];
        for (int j = 0; j < d; j++) {
            int jo = j * d;
            double s = a[jo + j];
            for (int q = 0; q < j; q++) {
                s -= l[jo + q] * l[jo + q];
            }
            if (!(s > 0)) {
                throw new IllegalStateException("the input covariance is not positive definite (pivot " + s + " at "
                        + j + ")");
            }
            double diag = Math.sqrt(s);
            l[jo + j] = diag;
            int jj = j;
            Parallel.range(d - j - 1, Math.max(1, 65536 / Math.max(1, j + 1)), (from, to) -> {
                for (int i = jj + 1 + from; i < jj + 1 + to; i++) {
                    int io = i * d;
                    double t = a[io + jj];
                    for (int q = 0; q < jj; q++) {
                        t -= l[io + q] * l[jo + q];
                    }
                    l[io + jj] = t / diag;
                }
            });
        }
        return l;
    }

    static double[] transpose(double[] a, int d) {
        double[] t = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                t[j * d + i] = a[i * d + j];
            }
        }
        return t;
    }

    /** x with L L^T x = b ({@code lt} = L^T, row-major, for the backward pass). */
    static double[] solve(double[] l, double[] lt, int d, double[] b) {
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            double s = b[i];
            int io = i * d;
            for (int q = 0; q < i; q++) {
                s -= l[io + q] * y[q];
            }
            y[i] = s / l[io + i];
        }
        double[] x = new double[d];
        for (int i = d - 1; i >= 0; i--) {
            double s = y[i];
            int io = i * d;
            for (int q = i + 1; q < d; q++) {
                s -= lt[io + q] * x[q];
            }
            x[i] = s / lt[io + i];
        }
        return x;
    }
}
