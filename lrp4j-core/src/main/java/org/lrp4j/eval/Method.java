package org.lrp4j.eval;

import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.Targets;
import org.lrp4j.tensor.Tensor;

/**
 * An attribution method under evaluation: a name (as the reports print it) and a function from a batch of inputs
 * [N, C, H, W] and one target class per image to an attribution [N, C', H, W] (C' = C, or 1 for methods that
 * give one map per image such as sensitivity and Grad-CAM).
 */
public record Method(String name, Attribution attribution) {

    /** The attribution function of a method. */
    @FunctionalInterface
    public interface Attribution {
        Tensor attribute(Tensor input, int[] targets);
    }

    public Method {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a method needs a name");
        }
    }

    /** An {@link Explainer} as a method: its attribution for the given per-image targets. */
    public static Method of(String name, Explainer explainer) {
        return new Method(name, (x, t) -> explainer.explain(x, Targets.perImage(t)).attribution());
    }

    /**
     * A random heatmap, the baseline every method must beat: independent uniform values in [0, 1) per pixel (one
     * channel), seeded by {@code seed} and the image's content so that it does not depend on how images are batched.
     */
    public static Method randomHeatmap(String name, long seed) {
        return new Method(name, (x, t) -> {
            int n = x.dim(0);
            int h = x.dim(2);
            int w = x.dim(3);
            int per = x.size() / n;
            float[] out = new float[n * h * w];
            float[] d = x.data();
            for (int i = 0; i < n; i++) {
                long key = seed;
                for (int j = 0; j < per; j++) {
                    key = key * 31 + Float.floatToIntBits(d[x.offset() + i * per + j]);
                }
                java.util.SplittableRandom rng = new java.util.SplittableRandom(key);
                for (int p = 0; p < h * w; p++) {
                    out[i * h * w + p] = (float) rng.nextDouble();
                }
            }
            return Tensor.wrap(out, n, 1, h, w);
        });
    }
}
