package org.lrp4j.explain;

import java.util.SplittableRandom;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * SmoothGrad (Smilkov et al. 2017) around any explainer: the average of the explanations of {@code samples} noisy
 * copies of the input, x + N(0, (sigma * (max(x_i) - min(x_i)))^2), where the noise level is a fraction
 * {@code sigma} of each image's value range (max - min over that image's elements). The noise comes from a
 * {@link SplittableRandom} with the given seed, so results repeat. The targets are resolved on the clean input
 * (one extra explanation of the clean input, which also gives {@link Explanation#output()}), so a noisy copy
 * never switches the explained class. With sigma = 0 the result equals the wrapped explainer's.
 * {@link #over} wraps LRP or any other method; {@link #of} is the classic SmoothGrad of the gradient.
 */
public final class SmoothGrad implements Explainer {
    private final Explainer inner;
    private final int samples;
    private final float sigma;
    private final long seed;

    private SmoothGrad(Explainer inner, int samples, float sigma, long seed) {
        if (samples < 1) {
            throw new IllegalArgumentException("smoothgrad: samples must be at least 1 but was " + samples);
        }
        if (!(sigma >= 0) || Float.isInfinite(sigma)) {
            throw new IllegalArgumentException("smoothgrad: the noise level must be a finite number >= 0 but was "
                    + sigma);
        }
        this.inner = inner;
        this.samples = samples;
        this.sigma = sigma;
        this.seed = seed;
    }

    /** SmoothGrad around {@code explainer} (e.g. LRP, integrated gradients). */
    public static SmoothGrad over(Explainer explainer, int samples, float sigma, long seed) {
        return new SmoothGrad(explainer, samples, sigma, seed);
    }

    /** The classic SmoothGrad: the averaged gradient. */
    public static SmoothGrad of(Model model, int samples, float sigma, long seed) {
        return over(new GradientExplainer(model), samples, sigma, seed);
    }

    public Explainer inner() {
        return inner;
    }

    @Override
    public Explanation explain(Tensor input, Targets targets) {
        Explanation clean = inner.explain(input, targets);
        Targets fixed = targets instanceof Targets.All ? targets : Targets.perImage(clean.targets());
        int n = input.dim(0);
        int per = input.size() / Math.max(1, n);
        float[] std = new float[n];
        for (int i = 0; i < n; i++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < per; j++) {
                float v = input.getFlat(i * per + j);
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            std[i] = sigma * (hi - lo);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor sum = null;
        for (int s = 0; s < samples; s++) {
            Tensor noise = Tensor.randn(rng, 1f, input.dims());
            float[] d = noise.data();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < per; j++) {
                    d[noise.offset() + i * per + j] *= std[i];
                }
            }
            Tensor a = inner.explain(input.add(noise), fixed).attribution();
            sum = sum == null ? a.copy() : sum.addInPlace(a);
        }
        return new Explanation(sum.div(samples), clean.targets(), clean.output(), clean.layers(), null);
    }
}
