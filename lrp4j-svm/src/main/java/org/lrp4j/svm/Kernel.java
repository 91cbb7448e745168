package org.lrp4j.svm;

import java.util.List;
import java.util.Locale;

/**
 * The kernel k(u, x) of an SVM. Vectors of different lengths are compared as if the shorter one had zeros at the
 * end (LIBSVM's sparse vectors behave so).
 *
 * <p>The {@link Additive} kernels are sums over dimensions, k(u, x) = sum_d k_d(u_d, x_d); their decision
 * functions decompose exactly over the input dimensions. {@link Rbf} does not.
 */
public sealed interface Kernel {

    /** The names of {@link #parse}, as LIBSVM's {@code kernel_type} (intersection and chi2 are lrp4j's). */
    List<String> NAMES = List.of("linear", "hik", "chi2", "rbf");

    /** k(u, x). */
    double value(double[] u, double[] x);

    /** The gradient of x -&gt; k(u, x), added to {@code out} times {@code weight}. */
    void addGradient(double[] u, double[] x, double weight, double[] out);

    /** The name in a LIBSVM-style model file's {@code kernel_type} line. */
    String libsvmName();

    /** True for kernels that need non-negative inputs (histograms). */
    default boolean needsNonNegative() {
        return false;
    }

    /** A kernel that is a sum over dimensions: k(u, x) = sum_d term(u_d, x_d). */
    sealed interface Additive extends Kernel {
        double term(double u, double x);

        /** d term(u, x) / dx. */
        double termGradient(double u, double x);

        @Override
        default double value(double[] u, double[] x) {
            if (u.length == x.length) {
                double s = 0;
                for (int d = 0; d < x.length; d++) {
                    s += term(u[d], x[d]);
                }
                return s;
            }
            int n = Math.max(u.length, x.length);
            double s = 0;
            for (int d = 0; d < n; d++) {
                s += term(d < u.length ? u[d] : 0, d < x.length ? x[d] : 0);
            }
            return s;
        }

        @Override
        default void addGradient(double[] u, double[] x, double weight, double[] out) {
            for (int d = 0; d < x.length; d++) {
                out[d] += weight * termGradient(d < u.length ? u[d] : 0, x[d]);
            }
        }
    }

    /** k(u, x) = sum_d u_d x_d. */
    record Linear() implements Additive {
        @Override
        public double term(double u, double x) {
            return u * x;
        }

        @Override
        public double termGradient(double u, double x) {
            return u;
        }

        @Override
        public String libsvmName() {
            return "linear";
        }
    }

    /**
     * Histogram intersection, k(u, x) = sum_d min(u_d, x_d). Its derivative in x_d is 1 below u_d, 0 above, 1/2 at
     * u_d (the mean of the one-sided derivatives).
     */
    record Intersection() implements Additive {
        @Override
        public double term(double u, double x) {
            return Math.min(u, x);
        }

        @Override
        public double termGradient(double u, double x) {
            return x < u ? 1 : x > u ? 0 : 0.5;
        }

        @Override
        public String libsvmName() {
            return "intersection";
        }

        @Override
        public boolean needsNonNegative() {
            return true;
        }
    }

    /**
     * The additive chi-squared kernel, k(u, x) = sum_d 2 u_d x_d / (u_d + x_d) (a term is 0 where u_d + x_d = 0);
     * d/dx of a term is 2 u_d^2 / (u_d + x_d)^2.
     */
    record ChiSquared() implements Additive {
        @Override
        public double term(double u, double x) {
            double s = u + x;
            return s > 0 ? 2 * u * x / s : 0;
        }

        @Override
        public double termGradient(double u, double x) {
            double s = u + x;
            return s > 0 ? 2 * u * u / (s * s) : 0;
        }

        @Override
        public String libsvmName() {
            return "chi2";
        }

        @Override
        public boolean needsNonNegative() {
            return true;
        }
    }

    /** k(u, x) = exp(-gamma ||u - x||^2); gradient in x: -2 gamma (x - u) k(u, x). */
    record Rbf(double gamma) implements Kernel {
        public Rbf {
            if (!(gamma > 0) || Double.isInfinite(gamma)) {
                throw new IllegalArgumentException("the RBF kernel needs gamma > 0, not " + gamma);
            }
        }

        @Override
        public double value(double[] u, double[] x) {
            return Math.exp(-gamma * distance2(u, x));
        }

        @Override
        public void addGradient(double[] u, double[] x, double weight, double[] out) {
            double k = value(u, x);
            for (int d = 0; d < x.length; d++) {
                out[d] += weight * -2 * gamma * (x[d] - (d < u.length ? u[d] : 0)) * k;
            }
        }

        @Override
        public String libsvmName() {
            return "rbf";
        }
    }

    /** ||u - x||^2, the shorter vector padded with zeros. */
    static double distance2(double[] u, double[] x) {
        if (u.length == x.length) {
            double s = 0;
            for (int d = 0; d < x.length; d++) {
                double e = u[d] - x[d];
                s += e * e;
            }
            return s;
        }
        int n = Math.max(u.length, x.length);
        double s = 0;
        for (int d = 0; d < n; d++) {
            double e = (d < u.length ? u[d] : 0) - (d < x.length ? x[d] : 0);
            s += e * e;
        }
        return s;
    }

    /** linear, hik (or intersection), chi2, rbf (gamma needed). */
    static Kernel parse(String name, double gamma) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "linear":
                return new Linear();
            case "hik":
            case "intersection":
                return new Intersection();
            case "chi2":
                return new ChiSquared();
            case "rbf":
                return new Rbf(gamma);
            default:
                throw new IllegalArgumentException("unknown kernel '" + name + "'; use one of " + NAMES);
        }
    }
}
