package org.lrp4j.explain;

import java.util.Locale;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * Integrated gradients (Sundararajan et al. 2017) with the quadrature of the conformance fixtures: a right Riemann
 * sum over {@code steps} points,
 * IG = (x - b) * (1/n) * sum_{k=1..n} grad f_t(b + (k/n) (x - b)), where alpha = 0 is not evaluated and alpha = 1
 * is. The baseline b defaults to the all-zero tensor in the space the model sees (for normalized inputs that is
 * the mean, not a black image); a baseline may be given for the whole batch ([N, ...]) or one sample ([...] or
 * [1, ...]). Completeness, sum(IG) = f_t(x) - f_t(b), holds up to the quadrature error:
 * {@link #explainWithCompleteness} reports the gap per row, which shrinks as the steps grow.
 */
public final class IntegratedGradients extends TargetedExplainer {

    /** The explanation and, per row, f_t(x), f_t(b) and the gap sum(IG) - (f_t(x) - f_t(b)). */
    public record Result(Explanation explanation, double[] scoreAtInput, double[] scoreAtBaseline,
                         double[] completenessGap) {

        /** One line per row, for people. */
        public String format() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < completenessGap.length; i++) {
                sb.append(String.format(Locale.ROOT, "  row %d: target %d, f(x) %.6g, f(baseline) %.6g, sum(IG) %.6g,"
                                + " completeness gap %.3g%n", i, explanation.targets()[i], scoreAtInput[i],
                        scoreAtBaseline[i], scoreAtInput[i] - scoreAtBaseline[i] + completenessGap[i],
                        completenessGap[i]));
            }
            return sb.toString();
        }
    }

    private final Backprop backprop;
    private final int steps;
    private final Tensor baseline;

    /** @param baseline the baseline, or null for zeros */
    public IntegratedGradients(Model model, int steps, Tensor baseline) {
        super(model);
        if (steps < 1) {
            throw new IllegalArgumentException("integrated gradients: steps must be at least 1 but was " + steps);
        }
        this.backprop = new Backprop(model, Backprop.Relu.GRADIENT);
        this.steps = steps;
        this.baseline = baseline;
    }

    /** The conformance setting: 32 steps, zero baseline. */
    public IntegratedGradients(Model model) {
        this(model, 32, null);
    }

    public int steps() {
        return steps;
    }

    @Override
    public Explanation explain(Tensor input, Targets targets) {
        return explainWithCompleteness(input, targets).explanation();
    }

    /** The explanation with the completeness gap per row (image-major rows for all targets). */
    public Result explainWithCompleteness(Tensor input, Targets targets) {
        try (GradMode.Scope s = GradMode.disabled()) {
            Rows r = rows(input, targets);
            Result rr = integrate(r.input(), r.targets(), r.all() ? r.classes() : 0);
            Explanation e = rr.explanation();
            return new Result(new Explanation(r.withClassAxis(e.attribution()), e.targets(), e.output(), e.layers(),
                    null), rr.scoreAtInput(), rr.scoreAtBaseline(), rr.completenessGap());
        }
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        return integrate(input, targets, 0).explanation();
    }

    private Result integrate(Tensor x, int[] targets, int repeatedPerImage) {
        Tensor b = Baselines.broadcast("integrated gradients", baseline, x, repeatedPerImage);
        Tensor diff = x.sub(b);
        Tensor sum = Tensor.zeros(x.shape());
        for (int k = 1; k <= steps; k++) {
            float alpha = (float) k / steps;
            Tensor point = b.add(diff.mul(alpha));
            sum.addInPlace(backprop.run(point, targets).gradient());
        }
        Tensor ig = sum.mul(diff).div(steps);
        Tensor out = model.predict(x);
        double[] fx = Backprop.scores(out, targets);
        double[] fb = Backprop.scores(model.predict(b), targets);
        double[] total = Backprop.rowSums(ig);
        double[] gap = new double[fx.length];
        for (int i = 0; i < gap.length; i++) {
            gap[i] = total[i] - (fx[i] - fb[i]);
        }
        return new Result(plain(ig, targets, out), fx, fb, gap);
    }
}
