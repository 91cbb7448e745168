package org.lrp4j.svm;

import java.util.Arrays;

import org.lrp4j.tensor.kernel.Parallel;

import libsvm.svm;
import libsvm.svm_model;
import libsvm.svm_node;
import libsvm.svm_parameter;
import libsvm.svm_problem;

/**
 * Trains a C-SVM with LIBSVM (one-vs-one for more than two classes). Every kernel goes through LIBSVM's precomputed
 * kernel: lrp4j computes the Gram matrix K_ij = k(x_i, x_j) (in parallel), LIBSVM solves the dual and names the
 * support vectors by their training index, and the model keeps those rows of x. This is how the histogram
 * intersection and chi-squared kernels, which LIBSVM lacks, are trained; linear and RBF give the same solution as
 * LIBSVM's own kernels.
 */
public final class SvmTrainer {
    private SvmTrainer() {
    }

    /** Told how many Gram-matrix rows are done. */
    @FunctionalInterface
    public interface Progress {
        void rows(int done, int total);
    }

    /**
     * Trains on rows {@code x} with labels {@code y}; {@code c} is the cost C, {@code tolerance} LIBSVM's stopping
     * epsilon (1e-3 is its default).
     */
    public static SvmModel train(double[][] x, int[] y, Kernel kernel, double c, double tolerance, Progress progress) {
        int n = x.length;
        if (n != y.length) {
            throw new IllegalArgumentException(n + " rows but " + y.length + " labels");
        }
        if (Arrays.stream(y).distinct().count() < 2) {
            throw new IllegalArgumentException("training needs at least 2 classes");
        }
        if (!(c > 0)) {
            throw new IllegalArgumentException("C must be > 0, not " + c);
        }
        int width = 0;
        for (double[] r : x) {
            width = Math.max(width, r.length);
            if (kernel.needsNonNegative()) {
                for (double v : r) {
                    if (v < 0) {
                        throw new IllegalArgumentException("the " + kernel.libsvmName() + " kernel needs non-negative"
                                + " features (histograms), but a training row has " + v);
                    }
                }
            }
        }
        svm_node[][] rows = new svm_node[n][n + 1];
        int[] done = {0};
        Parallel.forEach(n, i -> {
            svm_node[] r = rows[i];
            r[0] = node(0, i + 1);
            for (int j = 0; j < n; j++) {
                r[j + 1] = node(j + 1, kernel.value(x[i], x[j]));
            }
            if (progress != null) {
                synchronized (done) {
                    progress.rows(++done[0], n);
                }
            }
        });
        svm_problem prob = new svm_problem();
        prob.l = n;
        prob.x = rows;
        prob.y = Arrays.stream(y).asDoubleStream().toArray();
        svm_parameter p = new svm_parameter();
        p.svm_type = svm_parameter.C_SVC;
        p.kernel_type = svm_parameter.PRECOMPUTED;
        p.C = c;
        p.eps = tolerance;
        p.cache_size = 100;
        p.shrinking = 1;
        p.probability = 0;
        p.nr_weight = 0;
        p.weight_label = new int[0];
        p.weight = new double[0];
        String error = svm.svm_check_parameter(prob, p);
        if (error != null) {
            throw new IllegalArgumentException("LIBSVM refused the parameters: " + error);
        }
        svm.svm_set_print_string_function(s -> { });
        svm_model m = svm.svm_train(prob, p);
        double[][] sv = new double[m.l][];
        for (int s = 0; s < m.l; s++) {
            sv[s] = Arrays.copyOf(x[(int) m.SV[s][0].value - 1], width);
        }
        return new SvmModel("c_svc", kernel, m.label, m.nSV, sv, m.sv_coef, m.rho, width);
    }

    private static svm_node node(int index, double value) {
        svm_node nd = new svm_node();
        nd.index = index;
        nd.value = value;
        return nd;
    }
}
