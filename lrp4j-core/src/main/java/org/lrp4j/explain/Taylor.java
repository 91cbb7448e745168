package org.lrp4j.explain;

import java.util.Locale;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * First-order Taylor decomposition at a root point (Bach et al. 2015, seed 004): f(x) ~ f(x0) + sum_i
 * (x_i - x0_i) d f / d x_i (x0), with x0 chosen so that f(x0) ~ 0, which makes the attribution
 * R = (x - x0) * grad f(x0) an approximate decomposition of f(x). The root point is searched by bisection on the
 * segment from x towards a reference point r: x0 = x + t (r - x), t in [0, 1]. The reference is a user baseline
 * (e.g. an image of another class) or, by default, the all-zero input. f is the target logit ({@link Score#LOGIT},
 * default) or the margin f_t - max_{c != t} f_c ({@link Score#MARGIN}: its roots lie on the decision boundary, and
 * a reference of another class always gives one). When f has the same sign at x and r there is no root on the
 * segment: x0 = r is used and reported as not found. {@link #explainWithRoots} reports, per row, t, f(x0), whether
 * a root was found, and the remainder f(x) - f(x0) - sum(R) (the part the first-order expansion misses).
 */
public final class Taylor extends TargetedExplainer {

    /** What is decomposed. */
    public enum Score {
        LOGIT, MARGIN;

        public static Score parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "logit" -> LOGIT;
                case "margin" -> MARGIN;
                default -> throw new IllegalArgumentException("taylor score '" + s + "' must be logit or margin");
            };
        }
    }

    /** The explanation, the root points [rows, ...] and per row the facts of the expansion. */
    public record Result(Explanation explanation, Tensor rootPoints, double[] t, double[] scoreAtInput,
                         double[] scoreAtRoot, double[] remainder, boolean[] rootFound) {

        public String format() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < t.length; i++) {
                sb.append(String.format(Locale.ROOT, "  row %d: target %d, f(x) %.6g, root at t = %.6g (%s),"
                                + " f(x0) %.3g, remainder f(x) - f(x0) - sum(R) %.3g%n", i,
                        explanation.targets()[i], scoreAtInput[i], t[i], rootFound[i] ? "found"
                                : "no sign change: x0 = reference", scoreAtRoot[i], remainder[i]));
            }
            return sb.toString();
        }
    }

    private static final int ITERATIONS = 40;

    private final Backprop backprop;
    private final Tensor reference;
    private final Score score;

    /** @param reference the end of the search segment ([N, ...] or one sample), or null for zeros */
    public Taylor(Model model, Tensor reference, Score score) {
        super(model);
        this.backprop = new Backprop(model, Backprop.Relu.GRADIENT);
        this.reference = reference;
        this.score = score;
    }

    public Taylor(Model model) {
        this(model, null, Score.LOGIT);
    }

    @Override
    public Explanation explain(Tensor input, Targets targets) {
        return explainWithRoots(input, targets).explanation();
    }

    public Result explainWithRoots(Tensor input, Targets targets) {
        try (GradMode.Scope s = GradMode.disabled()) {
            Rows r = rows(input, targets);
            Result rr = decompose(r.input(), r.targets(), r.all() ? r.classes() : 0);
            Explanation e = rr.explanation();
            return new Result(new Explanation(r.withClassAxis(e.attribution()), e.targets(), e.output(), e.layers(),
                    null), rr.rootPoints(), rr.t(), rr.scoreAtInput(), rr.scoreAtRoot(), rr.remainder(),
                    rr.rootFound());
        }
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        return decompose(input, targets, 0).explanation();
    }

    private Result decompose(Tensor x, int[] targets, int repeatedPerImage) {
        int n = x.dim(0);
        int per = x.size() / Math.max(1, n);
        Tensor ref = Baselines.broadcast("taylor", reference, x, repeatedPerImage);
        Tensor dir = ref.sub(x);
        Tensor out = model.predict(x);
        double[] fx = f(out, targets);
        double[] fr = f(model.predict(ref), targets);
        double[] lo = new double[n];
        double[] hi = new double[n];
        boolean[] found = new boolean[n];
        for (int i = 0; i < n; i++) {
            found[i] = fx[i] == 0 || fr[i] == 0 || Math.signum(fx[i]) != Math.signum(fr[i]);
            lo[i] = 0;
            hi[i] = fx[i] == 0 ? 0 : 1;
        }
        for (int it = 0; it < ITERATIONS; it++) {
            double[] mid = new double[n];
            for (int i = 0; i < n; i++) {
                mid[i] = 0.5 * (lo[i] + hi[i]);
            }
            double[] fm = f(model.predict(point(x, dir, mid, per)), targets);
            for (int i = 0; i < n; i++) {
                if (!found[i]) {
                    continue;
                }
                if (fm[i] == 0 || Math.signum(fm[i]) == Math.signum(fx[i])) {
                    lo[i] = mid[i];
                } else {
                    hi[i] = mid[i];
                }
            }
        }
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            // the end of the bracket on the far side of the sign change (hi), or the reference when none was found
            t[i] = found[i] ? hi[i] : 1;
        }
        Tensor x0 = point(x, dir, t, per);
        Backprop.Result g = backprop.run(x0, o -> seed(o, targets), java.util.Set.of());
        double[] f0 = f(g.output(), targets);
        Tensor attribution = x.sub(x0).mul(g.gradient());
        double[] sum = Backprop.rowSums(attribution);
        double[] remainder = new double[n];
        for (int i = 0; i < n; i++) {
            remainder[i] = fx[i] - f0[i] - sum[i];
        }
        return new Result(plain(attribution, targets, out), x0, t, fx, f0, remainder, found);
    }

    private static Tensor point(Tensor x, Tensor dir, double[] t, int per) {
        float[] p = new float[x.size()];
        for (int i = 0; i < t.length; i++) {
            for (int j = 0; j < per; j++) {
                int q = i * per + j;
                p[q] = (float) (x.getFlat(q) + t[i] * dir.getFlat(q));
            }
        }
        return Tensor.wrap(p, x.dims());
    }

    /** The decomposed score per row. */
    private double[] f(Tensor out, int[] targets) {
        double[] s = Backprop.scores(out, targets);
        if (score == Score.MARGIN) {
            int k = out.size() / out.dim(0);
            for (int i = 0; i < s.length; i++) {
                s[i] -= out.getFlat(i * k + other(out, i, k, targets[i]));
            }
        }
        return s;
    }

    /** The seed whose gradient is the gradient of the score. */
    private Tensor seed(Tensor out, int[] targets) {
        Tensor s = Backprop.oneHot(out.shape(), targets);
        if (score == Score.MARGIN) {
            int k = out.size() / out.dim(0);
            for (int i = 0; i < targets.length; i++) {
                s.setFlat(i * k + other(out, i, k, targets[i]), -1f);
            }
        }
        return s;
    }

    /** The largest class other than the target. */
    private static int other(Tensor out, int row, int k, int target) {
        int best = -1;
        for (int c = 0; c < k; c++) {
            if (c != target && (best < 0 || out.getFlat(row * k + c) > out.getFlat(row * k + best))) {
                best = c;
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("taylor: the margin score needs a model with at least 2 outputs");
        }
        return best;
    }
}
