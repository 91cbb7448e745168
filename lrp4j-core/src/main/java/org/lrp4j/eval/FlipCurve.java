package org.lrp4j.eval;

/**
 * The summary of one (method, order) pair over the images of a run.
 *
 * <p>With the per-image curves c_i[t], t = 0..T (c_i[0] the unperturbed score; divided by c_i[0] first when the run
 * normalises), and the fractions x_t = F t / T:
 * <ul>
 *   <li>{@code curve[t]} = (1/n) sum_i c_i[t], and {@code stderr[t]} = s_t / sqrt(n) with s_t the sample standard
 *       deviation (n - 1 in the denominator; 0 for one image);</li>
 *   <li>{@code auc} = sum_{t=1..T} (x_t - x_{t-1}) (curve[t-1] + curve[t]) / 2, the trapezoid rule with the
 *       unperturbed point included; {@code aucStderr} the standard error of the per-image AUCs (their mean is
 *       {@code auc});</li>
 *   <li>{@code aopc} = (1/(T+1)) sum_{t=0..T} (curve[0] - curve[t]), the area over the perturbation curve (Samek et
 *       al. 2017).</li>
 * </ul>
 */
public record FlipCurve(String method, Order order, double[] fractions, double[] curve, double[] stderr, double auc,
                        double aucStderr, double aopc, int images) {

    /** Summarises per-image curves {@code perImage[i][t]} (normalised by c_i[0] first when {@code normalize}). */
    public static FlipCurve of(String method, Order order, double[] fractions, double[][] perImage, boolean normalize) {
        int n = perImage.length;
        int points = fractions.length;
        if (n == 0) {
            throw new IllegalArgumentException("no images to summarise");
        }
        double[][] c = new double[n][];
        for (int i = 0; i < n; i++) {
            if (perImage[i].length != points) {
                throw new IllegalArgumentException("curve " + i + " has " + perImage[i].length + " points, expected "
                        + points);
            }
            c[i] = perImage[i].clone();
            if (normalize) {
                double base = c[i][0];
                for (int t = 0; t < points; t++) {
                    c[i][t] /= base;
                }
            }
        }
        double[] mean = new double[points];
        double[] se = new double[points];
        for (int t = 0; t < points; t++) {
            double[] col = new double[n];
            for (int i = 0; i < n; i++) {
                col[i] = c[i][t];
            }
            mean[t] = mean(col);
            se[t] = standardError(col);
        }
        double[] aucs = new double[n];
        for (int i = 0; i < n; i++) {
            aucs[i] = auc(fractions, c[i]);
        }
        return new FlipCurve(method, order, fractions.clone(), mean, se, auc(fractions, mean), standardError(aucs),
                aopc(mean), n);
    }

    /**
     * Sums over a part of the images of one (method, order), enough to summarise the whole after adding the parts:
     * per point the sum and the sum of squares of the (normalised) curves, and of the per-image AUCs.
     */
    public record Sums(double[] sum, double[] sumSquares, double aucSum, double aucSumSquares, long images)
            implements java.io.Serializable {

        /** The sums of per-image curves (normalised by c_i[0] first when {@code normalize}). */
        public static Sums of(double[] fractions, double[][] perImage, boolean normalize) {
            int points = fractions.length;
            double[] s = new double[points];
            double[] q = new double[points];
            double as = 0;
            double aq = 0;
            for (double[] curve : perImage) {
                double[] c = curve.clone();
                if (normalize) {
                    double base = c[0];
                    for (int t = 0; t < points; t++) {
                        c[t] /= base;
                    }
                }
                for (int t = 0; t < points; t++) {
                    s[t] += c[t];
                    q[t] += c[t] * c[t];
                }
                double a = auc(fractions, c);
                as += a;
                aq += a * a;
            }
            return new Sums(s, q, as, aq, perImage.length);
        }

        public Sums plus(Sums o) {
            double[] s = sum.clone();
            double[] q = sumSquares.clone();
            for (int t = 0; t < s.length; t++) {
                s[t] += o.sum[t];
                q[t] += o.sumSquares[t];
            }
            return new Sums(s, q, aucSum + o.aucSum, aucSumSquares + o.aucSumSquares, images + o.images);
        }
    }

    /** The summary from sums over all images: the same numbers as {@link #of}, up to the order of additions. */
    public static FlipCurve of(String method, Order order, double[] fractions, Sums s) {
        long n = s.images();
        if (n == 0) {
            throw new IllegalArgumentException("no images to summarise");
        }
        double[] mean = new double[fractions.length];
        double[] se = new double[fractions.length];
        for (int t = 0; t < mean.length; t++) {
            mean[t] = s.sum()[t] / n;
            se[t] = standardError(s.sum()[t], s.sumSquares()[t], n);
        }
        return new FlipCurve(method, order, fractions.clone(), mean, se, auc(fractions, mean),
                standardError(s.aucSum(), s.aucSumSquares(), n), aopc(mean), (int) n);
    }

    private static double standardError(double sum, double sumSquares, long n) {
        if (n < 2) {
            return 0;
        }
        double m = sum / n;
        double var = Math.max(0, (sumSquares - n * m * m) / (n - 1));
        return Math.sqrt(var) / Math.sqrt(n);
    }

    /** The trapezoid rule over the points (x_t, y_t). */
    public static double auc(double[] x, double[] y) {
        double a = 0;
        for (int t = 1; t < x.length; t++) {
            a += (x[t] - x[t - 1]) * (y[t - 1] + y[t]) / 2;
        }
        return a;
    }

    /** (1/(T+1)) sum_t (y_0 - y_t). */
    public static double aopc(double[] y) {
        double s = 0;
        for (double v : y) {
            s += y[0] - v;
        }
        return s / y.length;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    /** The sample standard deviation over sqrt(n); 0 for fewer than two values. */
    static double standardError(double[] v) {
        int n = v.length;
        if (n < 2) {
            return 0;
        }
        double m = mean(v);
        double ss = 0;
        for (double d : v) {
            ss += (d - m) * (d - m);
        }
        return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    }
}
