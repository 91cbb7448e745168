package org.lrp4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.Function;

import org.lrp4j.tensor.Tensor;

/**
 * Compares the gradients of {@code sum(f(inputs) * seed)} from {@link Variable#backward} with central finite
 * differences. The outputs are contracted with the seed in double so that float32 round-off stays well below
 * the tolerance.
 */
public final class GradCheck {
    private GradCheck() {
    }

    static final double EPS = 1e-2;

    /** Checks every input (at most {@code maxProbes} elements each, chosen at random). */
    public static void check(String what, long seed, Function<Variable[], Variable> f, Tensor... inputs) {
        check(what, seed, 1e-2, f, inputs);
    }

    public static void check(String what, long seed, double tolerance, Function<Variable[], Variable> f, Tensor... inputs) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Variable[] params = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            params[i] = Variable.parameter(inputs[i].copy());
        }
        Variable out = f.apply(params);
        Tensor outSeed = Tensor.randn(rng, 1f, out.shape().toArray());
        out.backward(outSeed);
        for (int i = 0; i < inputs.length; i++) {
            Tensor analytic = params[i].grad();
            assertThat(analytic.shape()).as("%s: gradient shape of input %d (seed %d)", what, i, seed)
                    .isEqualTo(inputs[i].shape());
            int n = inputs[i].size();
            int probes = Math.min(n, 64);
            double maxErr = 0;
            double maxAna = 0;
            int worst = -1;
            double worstNum = 0;
            for (int p = 0; p < probes; p++) {
                int j = probes == n ? p : rng.nextInt(n);
                double num = (evaluate(f, inputs, i, j, EPS, outSeed) - evaluate(f, inputs, i, j, -EPS, outSeed))
                        / (2 * EPS);
                double ana = analytic.getFlat(j);
                double err = Math.abs(num - ana);
                maxAna = Math.max(maxAna, Math.abs(ana));
                if (err > maxErr) {
                    maxErr = err;
                    worst = j;
                    worstNum = num;
                }
            }
            double scale = Math.max(1.0, maxAna);
            assertThat(maxErr / scale)
                    .as("%s: d/d input %d (shape %s), seed %d: worst element %d analytic %s vs numeric %s",
                            what, i, inputs[i].shape(), seed, worst, worst < 0 ? "-" : analytic.getFlat(worst), worstNum)
                    .isLessThanOrEqualTo(tolerance);
        }
    }

    private static double evaluate(Function<Variable[], Variable> f, Tensor[] inputs, int which, int element,
                                   double delta, Tensor outSeed) {
        Variable[] vs = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (i == which) {
                t = t.copy();
                t.setFlat(element, (float) (t.getFlat(element) + delta));
            }
            vs[i] = Variable.constant(t);
        }
        Tensor out;
        try (GradMode.Scope s = GradMode.disabled()) {
            out = f.apply(vs).value();
        }
        double acc = 0;
        for (int k = 0; k < out.size(); k++) {
            acc += (double) out.getFlat(k) * outSeed.getFlat(k);
        }
        return acc;
    }

    /** Random values with |x| >= margin, so finite differences do not cross kinks at 0. */
    public static Tensor awayFromZero(SplittableRandom rng, float margin, int... dims) {
        Tensor t = Tensor.randn(rng, 1f, dims);
        for (int i = 0; i < t.size(); i++) {
            float v = t.getFlat(i);
            t.setFlat(i, v >= 0 ? v + margin : v - margin);
        }
        return t;
    }

    /** A random permutation of well separated values (spacing {@code step}), so maxima never tie. */
    public static Tensor distinct(SplittableRandom rng, float step, int... dims) {
        Tensor t = Tensor.zeros(dims);
        int n = t.size();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        for (int i = 0; i < n; i++) {
            t.setFlat(i, (perm[i] - n / 2f) * step);
        }
        return t;
    }
}
