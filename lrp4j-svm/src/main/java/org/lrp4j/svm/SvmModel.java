package org.lrp4j.svm;

import java.util.Arrays;

/**
 * A trained kernel SVM classifier in LIBSVM's form: support vectors u_s, for k classes k - 1 coefficient rows and
 * k (k - 1) / 2 offsets rho, classes in LIBSVM's label order (the order of first appearance in the training data).
 * Binary models are the case k = 2.
 *
 * <p>LIBSVM's one-vs-one rule: the pairwise decision of classes i &lt; j is
 * f_ij(x) = sum_{s in i} coef[j-1][s] k(u_s, x) + sum_{s in j} coef[i][s] k(u_s, x) - rho_ij, a vote for i when
 * positive, for j otherwise; the predicted class has the most votes (ties: the first in label order).
 *
 * <p>What lrp4j explains for class c is the sum of the pairwise decisions that concern c, signed to favour c:
 * f_c(x) = sum_{j != c} sign_cj f_cj(x) = b_c + sum_s w_cs k(u_s, x). For a binary model f_c is LIBSVM's decision
 * value for the first label and its negative for the second. {@link #scores} returns f_c with the classes sorted by
 * label (column c is the c-th smallest label).
 */
public final class SvmModel {
    private final String svmType;
    private final Kernel kernel;
    private final int[] labels;
    private final int[] counts;
    private final double[][] supportVectors;
    private final double[][] coef;
    private final double[] rho;
    private final int width;
    /** Per sorted column: the class's index in label order. */
    private final int[] columnToClass;
    /** Per class (label order): w_cs and b_c of f_c. */
    private final double[][] weights;
    private final double[] biases;

    /**
     * @param svmType        c_svc or nu_svc (their decision functions have the same form)
     * @param labels         class labels in LIBSVM order
     * @param counts         support vectors per class (nr_sv), in the same order
     * @param supportVectors the support vectors, grouped by class in label order
     * @param coef           [k - 1][total_sv] coefficients (sv_coef)
     * @param rho            [k (k - 1) / 2] offsets
     * @param width          the input width (at least the longest support vector)
     */
    public SvmModel(String svmType, Kernel kernel, int[] labels, int[] counts, double[][] supportVectors,
                    double[][] coef, double[] rho, int width) {
        int k = labels.length;
        if (!svmType.equals("c_svc") && !svmType.equals("nu_svc")) {
            throw new IllegalArgumentException("unsupported svm_type '" + svmType + "'; lrp4j explains classifiers:"
                    + " c_svc or nu_svc");
        }
        if (k < 2) {
            throw new IllegalArgumentException("an SVM classifier needs at least 2 classes, not " + k);
        }
        if (counts.length != k || rho.length != k * (k - 1) / 2 || coef.length != k - 1) {
            throw new IllegalArgumentException("an SVM with " + k + " classes needs " + k + " support-vector counts, "
                    + k * (k - 1) / 2 + " rho and " + (k - 1) + " coefficient rows, not " + counts.length + ", "
                    + rho.length + " and " + coef.length);
        }
        int total = Arrays.stream(counts).sum();
        if (total != supportVectors.length) {
            throw new IllegalArgumentException("nr_sv adds up to " + total + " but there are "
                    + supportVectors.length + " support vectors");
        }
        for (double[] c : coef) {
            if (c.length != total) {
                throw new IllegalArgumentException("each coefficient row needs " + total + " values, not " + c.length);
            }
        }
        for (double[] s : supportVectors) {
            if (s.length > width) {
                throw new IllegalArgumentException("a support vector has " + s.length + " dimensions but the input"
                        + " width is " + width);
            }
        }
        this.svmType = svmType;
        this.kernel = kernel;
        this.labels = labels.clone();
        this.counts = counts.clone();
        this.supportVectors = deepCopy(supportVectors);
        this.coef = deepCopy(coef);
        this.rho = rho.clone();
        this.width = width;
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(labels[a], labels[b]));
        this.columnToClass = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        this.weights = new double[k][total];
        this.biases = new double[k];
        int[] start = starts(counts);
        int p = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                for (int s = start[i]; s < start[i] + counts[i]; s++) {
                    weights[i][s] += coef[j - 1][s];
                    weights[j][s] -= coef[j - 1][s];
                }
                for (int s = start[j]; s < start[j] + counts[j]; s++) {
                    weights[i][s] += coef[i][s];
                    weights[j][s] -= coef[i][s];
                }
                biases[i] -= rho[p];
                biases[j] += rho[p];
                p++;
            }
        }
    }

    private static int[] starts(int[] counts) {
        int[] start = new int[counts.length];
        for (int i = 1; i < counts.length; i++) {
            start[i] = start[i - 1] + counts[i - 1];
        }
        return start;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }

    public String svmType() {
        return svmType;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** Class labels in LIBSVM order. */
    public int[] labels() {
        return labels.clone();
    }

    /** Support vectors per class, LIBSVM order. */
    public int[] counts() {
        return counts.clone();
    }

    public int classes() {
        return labels.length;
    }

    public int width() {
        return width;
    }

    public int supportVectorCount() {
        return supportVectors.length;
    }

    public double[] supportVector(int s) {
        return supportVectors[s].clone();
    }

    public double[][] coefficients() {
        return deepCopy(coef);
    }

    public double[] rho() {
        return rho.clone();
    }

    /** The label of score column c (labels sorted ascending). */
    public int columnLabel(int column) {
        return labels[columnToClass[column]];
    }

    /** The score column of a label, or -1. */
    public int columnOf(int label) {
        for (int c = 0; c < labels.length; c++) {
            if (columnLabel(c) == label) {
                return c;
            }
        }
        return -1;
    }

    /** The bias b_c of f_c for score column c. */
    public double bias(int column) {
        return biases[columnToClass[column]];
    }

    /** The weights w_cs of f_c for score column c, one per support vector. */
    public double[] weights(int column) {
        return weights[columnToClass[column]].clone();
    }

    /** Throws unless x has a width this model can take. */
    public void checkWidth(int n) {
        if (n < maxIndex()) {
            throw new IllegalArgumentException("features of width " + n + " do not fit the SVM, whose support"
                    + " vectors use " + maxIndex() + " dimensions; give features of width " + width);
        }
    }

    /** The highest dimension any support vector uses (1-based, as in LIBSVM files). */
    public int maxIndex() {
        int m = 0;
        for (double[] s : supportVectors) {
            for (int d = s.length - 1; d >= 0; d--) {
                if (s[d] != 0) {
                    m = Math.max(m, d + 1);
                    break;
                }
            }
        }
        return m;
    }

    /** k(u_s, x) for every support vector s. */
    public double[] kernelValues(double[] x) {
        double[] k = new double[supportVectors.length];
        for (int s = 0; s < k.length; s++) {
            k[s] = kernel.value(supportVectors[s], x);
        }
        return k;
    }

    /** LIBSVM's pairwise decision values f_ij(x), pairs (i &lt; j) in label order, as svm_predict_values gives. */
    public double[] decisionValues(double[] x) {
        double[] kv = kernelValues(x);
        int k = labels.length;
        int[] start = starts(counts);
        double[] dec = new double[k * (k - 1) / 2];
        int p = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                double sum = 0;
                for (int s = start[i]; s < start[i] + counts[i]; s++) {
                    sum += coef[j - 1][s] * kv[s];
                }
                for (int s = start[j]; s < start[j] + counts[j]; s++) {
                    sum += coef[i][s] * kv[s];
                }
                dec[p] = sum - rho[p];
                p++;
            }
        }
        return dec;
    }

    /** LIBSVM's prediction by one-vs-one votes: the label. */
    public int predict(double[] x) {
        double[] dec = decisionValues(x);
        int k = labels.length;
        int[] votes = new int[k];
        int p = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                votes[dec[p++] > 0 ? i : j]++;
            }
        }
        int best = 0;
        for (int i = 1; i < k; i++) {
            if (votes[i] > votes[best]) {
                best = i;
            }
        }
        return labels[best];
    }

    /** f_c(x) for every score column c (labels sorted). */
    public double[] scores(double[] x) {
        double[] kv = kernelValues(x);
        double[] out = new double[labels.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = combine(kv, c);
        }
        return out;
    }

    /** f_c(x) for score column c. */
    public double decision(double[] x, int column) {
        return combine(kernelValues(x), column);
    }

    private double combine(double[] kv, int column) {
        double[] w = weights[columnToClass[column]];
        double s = biases[columnToClass[column]];
        for (int i = 0; i < kv.length; i++) {
            s += w[i] * kv[i];
        }
        return s;
    }

    /** The gradient of f_c at x. */
    public double[] gradient(double[] x, int column) {
        double[] g = new double[x.length];
        double[] w = weights[columnToClass[column]];
        for (int s = 0; s < w.length; s++) {
            if (w[s] != 0) {
                kernel.addGradient(supportVectors[s], x, w[s], g);
            }
        }
        return g;
    }
}
