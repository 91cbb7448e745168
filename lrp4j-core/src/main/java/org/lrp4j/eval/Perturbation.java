package org.lrp4j.eval;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a perturbed pixel becomes. Each image gets one replacement image, computed once from the image and a seed
 * that depends only on the run's seed and the image's index; perturbing a region copies the replacement's values of
 * that region (every channel) into the image. So every method and every order of a run sees the same perturbations.
 * <ul>
 *   <li>{@code uniform}: independent uniform noise over the data range [low, high] (seeded);</li>
 *   <li>{@code mean}: the image's own per-channel mean;</li>
 *   <li>{@code constant:V}: the value V, in the model's input space (after normalisation);</li>
 *   <li>{@code blur} or {@code blur:S}: the image blurred by a Gaussian of standard deviation S pixels (default 2),
 *       per channel, truncated at 3 S, edges clamped.</li>
 * </ul>
 */
public sealed interface Perturbation {

    /** The data range that uniform noise spans (other perturbations ignore it). */
    record Range(float low, float high) {
        public Range {
            if (!(Float.isFinite(low) && Float.isFinite(high) && low <= high)) {
                throw new IllegalArgumentException("data range [" + low + ", " + high + "] must be finite with low <="
                        + " high");
            }
        }

        /** From the smallest value of {@code low} to the largest of {@code high} (e.g. per-channel input bounds). */
        public static Range spanning(org.lrp4j.tensor.Tensor low, org.lrp4j.tensor.Tensor high) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (float v : low.toArray()) {
                lo = Math.min(lo, v);
            }
            for (float v : high.toArray()) {
                hi = Math.max(hi, v);
            }
            return new Range(lo, hi);
        }
    }

    /**
     * Writes the replacement of one image, {@code c} channels of {@code h x w} starting at {@code x[offset]}, to
     * {@code out[0 .. c*h*w)}.
     */
    void replacement(float[] x, int offset, int c, int h, int w, Range range, SplittableRandom rng, float[] out);

    /** The name as written on the command line; {@link #parse} reads it back. */
    String describe();

    record Uniform() implements Perturbation {
        @Override
        public void replacement(float[] x, int offset, int c, int h, int w, Range range, SplittableRandom rng,
                                float[] out) {
            double span = (double) range.high() - range.low();
            for (int i = 0, n = c * h * w; i < n; i++) {
                out[i] = (float) (range.low() + span * rng.nextDouble());
            }
        }

        @Override
        public String describe() {
            return "uniform";
        }
    }

    record Mean() implements Perturbation {
        @Override
        public void replacement(float[] x, int offset, int c, int h, int w, Range range, SplittableRandom rng,
                                float[] out) {
            int plane = h * w;
            for (int ch = 0; ch < c; ch++) {
                double sum = 0;
                int base = offset + ch * plane;
                for (int i = 0; i < plane; i++) {
                    sum += x[base + i];
                }
                java.util.Arrays.fill(out, ch * plane, (ch + 1) * plane, (float) (sum / plane));
            }
        }

        @Override
        public String describe() {
            return "mean";
        }
    }

    record Constant(float value) implements Perturbation {
        public Constant {
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException("constant perturbation value must be finite, not " + value);
            }
        }

        @Override
        public void replacement(float[] x, int offset, int c, int h, int w, Range range, SplittableRandom rng,
                                float[] out) {
            java.util.Arrays.fill(out, 0, c * h * w, value);
        }

        @Override
        public String describe() {
            return "constant:" + value;
        }
    }

    record Blur(float sigma) implements Perturbation {
        public static final float DEFAULT_SIGMA = 2f;

        public Blur {
            if (!(sigma > 0 && Float.isFinite(sigma))) {
                throw new IllegalArgumentException("blur sigma must be a positive number of pixels, not " + sigma);
            }
        }

        @Override
        public void replacement(float[] x, int offset, int c, int h, int w, Range range, SplittableRandom rng,
                                float[] out) {
            int radius = (int) Math.ceil(3 * sigma);
            double[] k = new double[2 * radius + 1];
            double total = 0;
            for (int i = -radius; i <= radius; i++) {
                k[i + radius] = Math.exp(-0.5 * i * i / ((double) sigma * sigma));
                total += k[i + radius];
            }
            for (int i = 0; i < k.length; i++) {
                k[i] /= total;
            }
            double[] rows = new double[h * w];
            for (int ch = 0; ch < c; ch++) {
                int base = offset + ch * h * w;
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < w; xx++) {
                        double s = 0;
                        for (int d = -radius; d <= radius; d++) {
                            int xs = Math.min(w - 1, Math.max(0, xx + d));
                            s += k[d + radius] * x[base + y * w + xs];
                        }
                        rows[y * w + xx] = s;
                    }
                }
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < w; xx++) {
                        double s = 0;
                        for (int d = -radius; d <= radius; d++) {
                            int ys = Math.min(h - 1, Math.max(0, y + d));
                            s += k[d + radius] * rows[ys * w + xx];
                        }
                        out[ch * h * w + y * w + xx] = (float) s;
                    }
                }
            }
        }

        @Override
        public String describe() {
            return "blur:" + sigma;
        }
    }

    /** Reads {@code uniform}, {@code mean}, {@code constant:V}, {@code blur} or {@code blur:S}. */
    static Perturbation parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int colon = t.indexOf(':');
        String name = colon < 0 ? t : t.substring(0, colon);
        String arg = colon < 0 ? null : t.substring(colon + 1).trim();
        try {
            switch (name) {
                case "uniform", "mean" -> {
                    if (arg != null) {
                        throw new IllegalArgumentException("perturbation '" + name + "' takes no value: write '" + name
                                + "', not '" + text + "'");
                    }
                    return name.equals("uniform") ? new Uniform() : new Mean();
                }
                case "constant" -> {
                    if (arg == null || arg.isEmpty()) {
                        throw new IllegalArgumentException("perturbation 'constant' needs its value: constant:V, e.g."
                                + " constant:0");
                    }
                    return new Constant(Float.parseFloat(arg));
                }
                case "blur" -> {
                    return new Blur(arg == null ? Blur.DEFAULT_SIGMA : Float.parseFloat(arg));
                }
                default -> throw new IllegalArgumentException("unknown perturbation '" + text + "'; perturbations:"
                        + " uniform, mean, constant:V, blur[:SIGMA]");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("perturbation '" + text + "': '" + arg + "' is not a number");
        }
    }
}
