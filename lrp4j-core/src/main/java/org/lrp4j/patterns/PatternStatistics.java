package org.lrp4j.patterns;

import org.lrp4j.tensor.kernel.Parallel;

/**
 * The streaming sums of one Conv or Gemm node from which the patterns and the signal quality are computed, over
 * all observations seen so far (count-weighted: sums, never means of means), in double precision. Each neuron's
 * observations are split into two regimes by the sign of the real pre-activation z = w^T x + b: positive (z &gt; 0)
 * and negative (z &lt;= 0); y = w^T x is the pre-activation without bias. Per neuron k and regime r:
 * <pre>
 *   n_r,k = #obs      Sy_r,k = sum y      Syy_r,k = sum y^2      Sxy_r,k = sum x y   (D values)
 * </pre>
 * with sum x over the positive regime (Sx_+,k) per neuron, and over all observations Sx (D values) and, when asked
 * for, Sxx = sum x x^T (D x D, needed for the signal quality only).
 */
public final class PatternStatistics {
    private static final int ROW_BLOCK = 64;

    private final LinearNode node;
    private final int k;
    private final int d;
    private long count;
    private final double[] sx;
    private final double[] sxx;
    private final long[] nPos;
    private final long[] nNeg;
    private final double[] syPos;
    private final double[] syNeg;
    private final double[] syyPos;
    private final double[] syyNeg;
    private final double[] sxPos;
    private final double[] sxyPos;
    private final double[] sxyNeg;

    /** Empty sums for {@code node}; {@code secondMoments} also accumulates Sxx. */
    public PatternStatistics(LinearNode node, boolean secondMoments) {
        this.node = node;
        this.k = node.neurons();
        this.d = node.dimension();
        this.sx = new double[d];
        if (secondMoments && (long) d * d > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("node '" + node.name() + "' has " + d + " inputs per neuron: rho needs"
                    + " their " + d + " x " + d + " covariance, more than a Java array holds; measure a smaller model");
        }
        this.sxx = secondMoments ? new double[d * d] : null;
        this.nPos = new long[k];
        this.nNeg = new long[k];
        this.syPos = new double[k];
        this.syNeg = new double[k];
        this.syyPos = new double[k];
        this.syyNeg = new double[k];
        this.sxPos = new double[k * d];
        this.sxyPos = new double[k * d];
        this.sxyNeg = new double[k * d];
    }

    public LinearNode node() {
        return node;
    }

    /** Adds the observations of one batch. */
    public void add(LinearNode.Observations o) {
        double[] x = o.x();
        double[] z = o.z();
        int rows = o.rows();
        count += rows;
        for (int r = 0; r < rows; r++) {
            int xo = r * d;
            for (int i = 0; i < d; i++) {
                sx[i] += x[xo + i];
            }
        }
        double[] b = node.bias();
        Parallel.range(k, 1, (from, to) -> {
            for (int j = from; j < to; j++) {
                int ao = j * d;
                for (int r = 0; r < rows; r++) {
                    double zj = z[r * k + j];
                    double y = zj - b[j];
                    int xo = r * d;
                    if (zj > 0) {
                        nPos[j]++;
                        syPos[j] += y;
                        syyPos[j] += y * y;
                        for (int i = 0; i < d; i++) {
                            double xi = x[xo + i];
                            sxPos[ao + i] += xi;
                            sxyPos[ao + i] += xi * y;
                        }
                    } else {
                        nNeg[j]++;
                        syNeg[j] += y;
                        syyNeg[j] += y * y;
                        for (int i = 0; i < d; i++) {
                            sxyNeg[ao + i] += x[xo + i] * y;
                        }
                    }
                }
            }
        });
        if (sxx != null) {
            addOuterProducts(x, rows);
        }
    }

    /** Sxx += sum_r x_r x_r^T on the upper triangle, rows in blocks so that a row of Sxx stays in cache. */
    private void addOuterProducts(double[] x, int rows) {
        for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
            int r1 = Math.min(rows, r0 + ROW_BLOCK);
            int from = r0;
            Parallel.range(d, Math.max(1, 4096 / Math.max(1, d)), (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    int so = i * d;
                    for (int r = from; r < r1; r++) {
                        int xo = r * d;
                        double xi = x[xo + i];
                        if (xi == 0) {
                            continue;
                        }
                        for (int j = i; j < d; j++) {
                            sxx[so + j] += xi * x[xo + j];
                        }
                    }
                }
            });
        }
    }

    /** The number of observations N. */
    public long count() {
        return count;
    }

    public boolean hasSecondMoments() {
        return sxx != null;
    }

    /** The first and second moments of one neuron, divided by N (see {@link Neuron}). */
    public Neuron neuron(int j) {
        double total = count;
        double[] mx = new double[d];
        double[] mxPos = new double[d];
        double[] mxyPos = new double[d];
        double[] mxyNeg = new double[d];
        for (int i = 0; i < d; i++) {
            mx[i] = sx[i] / total;
            mxPos[i] = sxPos[j * d + i] / total;
            mxyPos[i] = sxyPos[j * d + i] / total;
            mxyNeg[i] = sxyNeg[j * d + i] / total;
        }
        return new Neuron(nPos[j] / total, nNeg[j] / total, syPos[j] / total, syNeg[j] / total, syyPos[j] / total,
                syyNeg[j] / total, mx, mxPos, mxyPos, mxyNeg);
    }

    /**
     * Sums of one neuron divided by the total count N, so each regime's term carries its share pi_r:
     * {@code pPos} = pi_+, {@code myPos} = E[y 1_+], {@code myyPos} = E[y^2 1_+], {@code mxPos} = E[x 1_+],
     * {@code mxyPos} = E[x y 1_+], likewise for the negative regime; {@code mx} = E[x] over all observations.
     */
    public record Neuron(double pPos, double pNeg, double myPos, double myNeg, double myyPos, double myyNeg,
                         double[] mx, double[] mxPos, double[] mxyPos, double[] mxyNeg) {
        public double my() {
            return myPos + myNeg;
        }

        public double varY() {
            double m = my();
            return myyPos + myyNeg - m * m;
        }
    }

    /** The input covariance cov[x] = Sxx / N - E[x] E[x]^T as a full symmetric D x D matrix, row-major. */
    public double[] inputCovariance() {
        if (sxx == null) {
            throw new IllegalStateException("these statistics were collected without second moments");
        }
        double total = count;
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            double mi = sx[i] / total;
            for (int j = i; j < d; j++) {
                double v = sxx[i * d + j] / total - mi * (sx[j] / total);
                c[i * d + j] = v;
                c[j * d + i] = v;
            }
        }
        return c;
    }
}
