package org.lrp4j.svm;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Relevance of an SVM's input dimensions for f_c(x) = b + sum_s w_s k(u_s, x) (w_s = alpha_s y_s, summed over the
 * one-vs-one pairs for multi-class models; see {@link SvmModel}).
 *
 * <p><b>Additive kernels</b> (linear, intersection, chi-squared), k(u, x) = sum_d k_d(u_d, x_d):
 * R_d = sum_s w_s k_d(u_sd, x_d), so that sum_d R_d = f(x) - b exactly. The bias b is reported apart, or with
 * {@link SvmExplanation.BiasShare#EQUAL} spread as b / V over the V dimensions.
 *
 * <p><b>Other kernels</b> (RBF): a first-order Taylor expansion at a root x0 (f(x0) ~ 0),
 * f(x) = f(x0) + sum_d df/dx_d(x0) (x_d - x0_d) + remainder, R_d = df/dx_d(x0) (x_d - x0_d). The root is found by
 * bisection on the segment from x to the nearest support vector u with sign f(u) != sign f(x) (a point of the other
 * class); f(x0) and the remainder are reported. If no support vector is on the other side, x0 = x (all relevance is
 * f(x0)).
 */
public final class SvmRelevance {
    private static final int BISECTION_STEPS = 60;

    private SvmRelevance() {
    }

    /** The relevance of each dimension of x for score column {@code column}. */
    public static SvmExplanation explain(SvmModel model, double[] x, int column, SvmExplanation.BiasShare share) {
        model.checkWidth(x.length);
        if (model.kernel() instanceof Kernel.Additive k) {
            double[] r = new double[x.length];
            double[] w = model.weights(column);
            for (int s = 0; s < w.length; s++) {
                if (w[s] == 0) {
                    continue;
                }
                double[] u = model.supportVector(s);
                for (int d = 0; d < x.length; d++) {
                    r[d] += w[s] * k.term(d < u.length ? u[d] : 0, x[d]);
                }
            }
            double b = model.bias(column);
            double decision = model.decision(x, column);
            if (share == SvmExplanation.BiasShare.EQUAL) {
                for (int d = 0; d < r.length; d++) {
                    r[d] += b / r.length;
                }
                b = 0;
            }
            return new SvmExplanation(SvmExplanation.Method.DECOMPOSITION, decision, b, r, Double.NaN, Double.NaN);
        }
        return taylorAt(model, x, column, root(model, x, column));
    }

    /** The first-order Taylor decomposition of f_c(x) at the reference point x0. */
    public static SvmExplanation taylorAt(SvmModel model, double[] x, int column, double[] x0) {
        if (x0.length != x.length) {
            throw new IllegalArgumentException("the root has " + x0.length + " dimensions, x has " + x.length);
        }
        double fx = model.decision(x, column);
        double f0 = model.decision(x0, column);
        double[] g = model.gradient(x0, column);
        double[] r = new double[x.length];
        double sum = 0;
        for (int d = 0; d < x.length; d++) {
            r[d] = g[d] * (x[d] - x0[d]);
            sum += r[d];
        }
        return new SvmExplanation(SvmExplanation.Method.TAYLOR, fx, model.bias(column), r, f0, fx - f0 - sum);
    }

    /**
     * A root of f_c near x: bisection on the segment from x to the nearest support vector on the other side of the
     * decision boundary; x itself when f_c(x) = 0 or no support vector is on the other side.
     */
    public static double[] root(SvmModel model, double[] x, int column) {
        double fx = model.decision(x, column);
        if (fx == 0) {
            return x.clone();
        }
        Integer[] order = new Integer[model.supportVectorCount()];
        double[] dist = new double[order.length];
        for (int s = 0; s < order.length; s++) {
            order[s] = s;
            dist[s] = Kernel.distance2(model.supportVector(s), x);
        }
        Arrays.sort(order, Comparator.comparingDouble(s -> dist[s]));
        for (int s : order) {
            double[] u = Arrays.copyOf(model.supportVector(s), x.length);
            if (Math.signum(model.decision(u, column)) == -Math.signum(fx)) {
                return bisect(model, x, u, column, fx);
            }
        }
        return x.clone();
    }

    private static double[] bisect(SvmModel model, double[] x, double[] z, int column, double fx) {
        double lo = 0;
        double hi = 1;
        double[] p = x.clone();
        for (int i = 0; i < BISECTION_STEPS; i++) {
            double t = (lo + hi) / 2;
            for (int d = 0; d < x.length; d++) {
                p[d] = x[d] + t * (z[d] - x[d]);
            }
            double f = model.decision(p, column);
            if (f == 0) {
                return p;
            }
            if (Math.signum(f) == Math.signum(fx)) {
                lo = t;
            } else {
                hi = t;
            }
        }
        // the end of the bracket on x's side is the closer to x
        for (int d = 0; d < x.length; d++) {
            p[d] = x[d] + lo * (z[d] - x[d]);
        }
        return p;
    }
}
