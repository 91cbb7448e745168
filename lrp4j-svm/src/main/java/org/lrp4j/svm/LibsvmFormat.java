package org.lrp4j.svm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * LIBSVM's text model format, as {@code svm-train} and {@code svm_save_model} write it: header lines
 * ({@code svm_type}, {@code kernel_type}, {@code gamma}, {@code nr_class}, {@code total_sv}, {@code rho},
 * {@code label}, {@code nr_sv}, optionally {@code degree}, {@code coef0}, {@code probA}, {@code probB}), then
 * {@code SV} and one line per support vector: its k - 1 coefficients, then {@code index:value} pairs (1-based
 * indices, zeros left out).
 *
 * <p>Read: svm_type c_svc or nu_svc; kernel_type linear or rbf, and lrp4j's own {@code intersection} and
 * {@code chi2} (which LIBSVM itself cannot load: lrp4j trains them through LIBSVM's precomputed kernel).
 */
public final class LibsvmFormat {
    private LibsvmFormat() {
    }

    /** True when the text starts like a LIBSVM model ({@code svm_type ...}). */
    public static boolean looksLikeModel(String firstLine) {
        return firstLine != null && firstLine.trim().startsWith("svm_type");
    }

    /**
     * Reads a model; its input width is the largest of {@code minWidth} and the highest index of a support vector.
     * {@code source} names the file in messages.
     */
    public static SvmModel read(BufferedReader in, String source, int minWidth) throws IOException {
        String svmType = null;
        String kernelType = null;
        double gamma = Double.NaN;
        int nrClass = -1;
        int totalSv = -1;
        double[] rho = null;
        int[] label = null;
        int[] nrSv = null;
        String line;
        int lineNo = 0;
        while (true) {
            line = in.readLine();
            lineNo++;
            if (line == null) {
                throw bad(source, lineNo, "the file ends before the 'SV' line");
            }
            String[] t = line.trim().split("\\s+");
            if (t[0].isEmpty()) {
                continue;
            }
            if (t[0].equals("SV")) {
                break;
            }
            try {
                switch (t[0]) {
                    case "svm_type" -> svmType = one(t);
                    case "kernel_type" -> kernelType = one(t);
                    case "gamma" -> gamma = Double.parseDouble(one(t));
                    case "degree", "coef0", "probA", "probB", "prob_density_marks" -> {
                        // read past: probabilities and other kernels' parameters are not needed (or refused below)
                    }
                    case "nr_class" -> nrClass = Integer.parseInt(one(t));
                    case "total_sv" -> totalSv = Integer.parseInt(one(t));
                    case "rho" -> rho = doubles(t);
                    case "label" -> label = ints(t);
                    case "nr_sv" -> nrSv = ints(t);
                    default -> throw bad(source, lineNo, "unknown header '" + t[0] + "'");
                }
            } catch (NumberFormatException e) {
                throw bad(source, lineNo, "'" + line.trim() + "' has a missing or malformed value");
            }
        }
        if (svmType == null || kernelType == null || nrClass < 0 || totalSv < 0 || rho == null) {
            throw bad(source, lineNo, "the header needs svm_type, kernel_type, nr_class, total_sv and rho");
        }
        if (!svmType.equals("c_svc") && !svmType.equals("nu_svc")) {
            throw new SvmFormatException(source + ": unsupported svm_type '" + svmType + "'; lrp4j explains"
                    + " classifiers (c_svc or nu_svc), not regression or one-class models");
        }
        Kernel kernel = switch (kernelType) {
            case "linear" -> new Kernel.Linear();
            case "intersection" -> new Kernel.Intersection();
            case "chi2" -> new Kernel.ChiSquared();
            case "rbf" -> {
                if (Double.isNaN(gamma)) {
                    throw bad(source, lineNo, "kernel_type rbf needs a 'gamma' line");
                }
                yield new Kernel.Rbf(gamma);
            }
            default -> throw new SvmFormatException(source + ": unsupported kernel_type '" + kernelType + "'; lrp4j"
                    + " explains linear and rbf LIBSVM models (and its own intersection and chi2); retrain with"
                    + " -t 0 or -t 2");
        };
        if (label == null || nrSv == null) {
            throw bad(source, lineNo, "a classifier's header needs 'label' and 'nr_sv' lines");
        }
        if (nrClass < 2 || label.length != nrClass || nrSv.length != nrClass
                || rho.length != nrClass * (nrClass - 1) / 2) {
            throw bad(source, lineNo, "nr_class " + nrClass + " needs " + nrClass + " labels, " + nrClass
                    + " nr_sv and " + nrClass * (nrClass - 1) / 2 + " rho values");
        }
        double[][] coef = new double[nrClass - 1][totalSv];
        double[][] sv = new double[totalSv][];
        int maxIndex = 0;
        for (int s = 0; s < totalSv; s++) {
            line = in.readLine();
            lineNo++;
            if (line == null) {
                throw bad(source, lineNo, "total_sv is " + totalSv + " but the file has " + s + " support vectors");
            }
            String[] t = line.trim().split("\\s+");
            if (t.length < nrClass - 1) {
                throw bad(source, lineNo, "a support vector line needs " + (nrClass - 1) + " coefficients first");
            }
            List<double[]> pairs = new ArrayList<>();
            int last = 0;
            try {
                for (int c = 0; c < nrClass - 1; c++) {
                    coef[c][s] = Double.parseDouble(t[c]);
                }
                for (int i = nrClass - 1; i < t.length; i++) {
                    if (t[i].isEmpty()) {
                        continue;
                    }
                    int colon = t[i].indexOf(':');
                    if (colon <= 0) {
                        throw bad(source, lineNo, "'" + t[i] + "' is not index:value");
                    }
                    int idx = Integer.parseInt(t[i].substring(0, colon));
                    if (idx == 0) {
                        throw new SvmFormatException(source + ": line " + lineNo + " has index 0: a precomputed-kernel"
                                + " model, which has no support vectors to explain; retrain with -t 0 or -t 2");
                    }
                    if (idx <= last) {
                        throw bad(source, lineNo, "indices must increase and be at least 1 ('" + t[i] + "')");
                    }
                    last = idx;
                    pairs.add(new double[] {idx, Double.parseDouble(t[i].substring(colon + 1))});
                }
            } catch (NumberFormatException e) {
                throw bad(source, lineNo, "a support vector has a value that is not a number");
            }
            sv[s] = new double[last];
            for (double[] p : pairs) {
                sv[s][(int) p[0] - 1] = p[1];
            }
            maxIndex = Math.max(maxIndex, last);
        }
        int sum = 0;
        for (int n : nrSv) {
            sum += n;
        }
        if (sum != totalSv) {
            throw bad(source, lineNo, "nr_sv adds up to " + sum + " but total_sv is " + totalSv);
        }
        int width = Math.max(minWidth, maxIndex);
        for (int s = 0; s < totalSv; s++) {
            sv[s] = java.util.Arrays.copyOf(sv[s], width);
        }
        return new SvmModel(svmType, kernel, label, nrSv, sv, coef, rho, width);
    }

    /** Writes {@code model} in LIBSVM's format (linear and rbf models load in LIBSVM too). */
    public static void write(SvmModel model, Writer out) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("svm_type ").append(model.svmType()).append('\n');
        sb.append("kernel_type ").append(model.kernel().libsvmName()).append('\n');
        if (model.kernel() instanceof Kernel.Rbf r) {
            sb.append("gamma ").append(num(r.gamma())).append('\n');
        }
        int k = model.classes();
        sb.append("nr_class ").append(k).append('\n');
        sb.append("total_sv ").append(model.supportVectorCount()).append('\n');
        sb.append("rho");
        for (double r : model.rho()) {
            sb.append(' ').append(num(r));
        }
        sb.append("\nlabel");
        for (int l : model.labels()) {
            sb.append(' ').append(l);
        }
        sb.append("\nnr_sv");
        for (int n : model.counts()) {
            sb.append(' ').append(n);
        }
        sb.append("\nSV\n");
        double[][] coef = model.coefficients();
        for (int s = 0; s < model.supportVectorCount(); s++) {
            for (int c = 0; c < k - 1; c++) {
                sb.append(num(coef[c][s])).append(' ');
            }
            double[] v = model.supportVector(s);
            for (int d = 0; d < v.length; d++) {
                if (v[d] != 0) {
                    sb.append(d + 1).append(':').append(num(v[d])).append(' ');
                }
            }
            sb.append('\n');
        }
        out.write(sb.toString());
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.17g", v).replaceFirst("(\\.\\d*?)0+(e|$)", "$1$2")
                .replaceFirst("\\.(e|$)", "$1");
    }

    private static String one(String[] t) {
        if (t.length != 2) {
            throw new NumberFormatException();
        }
        return t[1];
    }

    private static double[] doubles(String[] t) {
        double[] v = new double[t.length - 1];
        for (int i = 1; i < t.length; i++) {
            v[i - 1] = Double.parseDouble(t[i]);
        }
        return v;
    }

    private static int[] ints(String[] t) {
        int[] v = new int[t.length - 1];
        for (int i = 1; i < t.length; i++) {
            v[i - 1] = Integer.parseInt(t[i]);
        }
        return v;
    }

    private static SvmFormatException bad(String source, int line, String what) {
        return new SvmFormatException("malformed LIBSVM model " + source + " (line " + line + "): " + what);
    }
}
