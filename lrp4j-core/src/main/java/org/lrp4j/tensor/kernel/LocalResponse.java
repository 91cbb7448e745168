package org.lrp4j.tensor.kernel;

/**
 * Fused local response normalisation across channels (ONNX LRN) on [N, C, inner] data, forward and backward in one
 * pass each instead of the seven elementwise ops of the textbook form:
 * <pre>
 *   D_c = bias + a S_c,  S_c = sum_{i = c - before}^{c + after} x_i^2 (within [0, C)),   y_c = x_c D_c^-beta,
 *   dx_j = g_j D_j^-beta - 2 beta a x_j sum_{k = j - after}^{j + before} x_k g_k D_k^(-beta-1).
 * </pre>
 * The window sums are added in channel order (as the textbook form does) on blocks of {@link #BLOCK} pixels
 * (contiguous rows, so the inner loops vectorise), blocks in parallel. The forward keeps D^-beta and 1/D for the backward.
 */
public final class LocalResponse {
    private LocalResponse() {
    }

    /** Pixels per task: the working set (a few rows of BLOCK floats) stays in L1. */
    static final int BLOCK = 512;

    /** The geometry and constants of one LRN: {@code a = alpha / size}. */
    public record Spec(int batch, int channels, int inner, int before, int after, float a, float beta, float bias) {
        int size() {
            return batch * channels * inner;
        }
    }

    /**
     * Writes y = x D^-beta, scale = D^-beta and inverse = 1 / D (all [N, C, inner], offset 0 except {@code x}).
     */
    public static void forward(Spec s, float[] x, int xOff, float[] y, float[] scale, float[] inverse) {
        int blocks = (s.inner() + BLOCK - 1) / BLOCK;
        Parallel.range(s.batch() * blocks, 1, (from, to) -> {
            float[] squares = new float[s.channels() * BLOCK];
            float[] sum = new float[BLOCK];
            for (int t = from; t < to; t++) {
                int b = t / blocks;
                int p0 = (t % blocks) * BLOCK;
                int len = Math.min(BLOCK, s.inner() - p0);
                int base = b * s.channels() * s.inner() + p0;
                for (int c = 0; c < s.channels(); c++) {
                    int o = xOff + base + c * s.inner();
                    int r = c * BLOCK;
                    for (int i = 0; i < len; i++) {
                        squares[r + i] = x[o + i] * x[o + i];
                    }
                }
                for (int c = 0; c < s.channels(); c++) {
                    windowSum(sum, squares, c - s.before(), c + s.after(), s.channels(), len);
                    ROW.normalize(s, sum, len, x, xOff + base + c * s.inner(), y, scale, inverse, base + c * s.inner());
                }
            }
        });
    }

    /** Writes dx from the upstream gradient g and what {@link #forward} kept. */
    public static void backward(Spec s, float[] x, int xOff, float[] g, int gOff, float[] scale, float[] inverse,
            float[] dx) {
        int blocks = (s.inner() + BLOCK - 1) / BLOCK;
        float twoBetaA = 2f * s.beta() * s.a();
        Parallel.range(s.batch() * blocks, 1, (from, to) -> {
            float[] u = new float[s.channels() * BLOCK]; // u_k = x_k g_k D_k^(-beta-1), one row per channel
            float[] sum = new float[BLOCK];
            for (int t = from; t < to; t++) {
                int b = t / blocks;
                int p0 = (t % blocks) * BLOCK;
                int len = Math.min(BLOCK, s.inner() - p0);
                int base = b * s.channels() * s.inner() + p0;
                for (int c = 0; c < s.channels(); c++) {
                    int o = base + c * s.inner();
                    int r = c * BLOCK;
                    for (int i = 0; i < len; i++) {
                        u[r + i] = x[xOff + o + i] * g[gOff + o + i] * scale[o + i] * inverse[o + i];
                    }
                }
                for (int j = 0; j < s.channels(); j++) {
                    windowSum(sum, u, j - s.after(), j + s.before(), s.channels(), len); // the transposed window
                    int o = base + j * s.inner();
                    for (int i = 0; i < len; i++) {
                        dx[o + i] = g[gOff + o + i] * scale[o + i] - twoBetaA * x[xOff + o + i] * sum[i];
                    }
                }
            }
        });
    }

    /** sum = rows[lo] + ... + rows[hi] (rows of BLOCK floats, clipped to [0, channels)), in channel order. */
    private static void windowSum(float[] sum, float[] rows, int lo, int hi, int channels, int len) {
        java.util.Arrays.fill(sum, 0, len, 0f);
        for (int k = Math.max(0, lo); k <= Math.min(channels - 1, hi); k++) {
            AddKernel.BEST.add(sum, 0, rows, k * BLOCK, len);
        }
    }

    /** One channel row of the forward: D = bias + a sum, scale = D^-beta, inverse = 1 / D, y = x scale. */
    interface Row {
        void normalize(Spec s, float[] sum, int len, float[] x, int xo, float[] y, float[] scale, float[] inverse,
                int o);
    }

    /** The Vector API row where the module is there (the JIT does not vectorise the square roots itself). */
    static final Row ROW = VectorSupport.available() ? VectorSupport.vectorLocalResponse() : new ScalarRow();

    /** The plain loop. */
    static final class ScalarRow implements Row {
        @Override
        public void normalize(Spec s, float[] sum, int len, float[] x, int xo, float[] y, float[] scale,
                float[] inverse, int o) {
            for (int i = 0; i < len; i++) {
                float d = s.bias() + s.a() * sum[i];
                float p = negativePower(d, s.beta());
                scale[o + i] = p;
                inverse[o + i] = 1f / d;
                y[o + i] = x[xo + i] * p;
            }
        }
    }

    /** d^-beta for d &gt; 0, with square roots for the common exponents (AlexNet's 0.75, 0.5, 1). */
    static float negativePower(float d, float beta) {
        if (beta == 0.75f) {
            float r = (float) Math.sqrt(d);
            return 1f / (r * (float) Math.sqrt(r));
        }
        if (beta == 0.5f) {
            return 1f / (float) Math.sqrt(d);
        }
        if (beta == 1f) {
            return 1f / d;
        }
        return (float) Math.pow(d, -beta);
    }
}
