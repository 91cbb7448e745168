package org.lrp4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Winograd F(2x2, 3x3) against the convolution summed in double, forward and transposed, on shapes the heuristic
 * would not send it (few channels, single tiles) as well as larger ones. The stated bound: every output within
 * {@code 16 * 2^-24 * sum_c |d_c|_1 |g_c|_1} of the exact value, where d_c is the output's 4x4 input tile in
 * channel c and g_c its 3x3 kernel. Winograd's error scales with the tile and kernel norms rather than with the
 * products that reach the output (the transforms mix all nine weights and sixteen inputs, which cancel only in
 * exact arithmetic), so on a tile where one large input meets small weights its relative error exceeds the
 * direct convolution's; {@code Conv2dTest} checks the Winograd path of {@code Conv2d} with that test's own
 * tolerance too.
 */
class WinogradTest {

    @ParameterizedTest(name = "n={0} c={1} {2}x{3} cout={4} pad={5},{6} threads={7}")
    @CsvSource({
            "1, 1, 2, 2, 1, 0, 0, 1",
            "1, 1, 1, 1, 1, 1, 1, 1",
            "2, 3, 5, 4, 2, 1, 1, 1",
            "1, 2, 7, 9, 3, 2, 0, 2",
            "3, 5, 9, 6, 4, 0, 2, 2",
            "2, 64, 28, 28, 48, 1, 1, 2",
            "1, 256, 14, 14, 64, 1, 1, 2",
    })
    void matchesTheExactConvolutionWithinTheStatedBound(int n, int c, int h, int w, int cout, int pt, int pl,
                                                        int threads) {
        SplittableRandom rng = new SplittableRandom(31L * c + h);
        float[] x = random(rng, 1 + n * c * h * w);
        float[] wt = random(rng, cout * c * 9);
        int pb = pt;
        int pr = pl;
        int oh = h + pt + pb - 2;
        int ow = w + pl + pr - 2;
        if (oh < 1 || ow < 1) {
            return;
        }
        double[][] exact = exact(x, 1, n, c, h, w, wt, cout, pt, pl, oh, ow);
        float[] got = new float[n * cout * oh * ow];
        Parallel.withThreads(threads, () -> Winograd.convolve(Winograd.weights(wt, 0, cout, c, false), x, 1, n, c,
                h, w, pt, pl, got, cout, oh, ow));
        check(got, exact);

        // the transposed convolution: gy [n, cout, oh, ow] back to [n, c, h, w]
        float[] gy = random(rng, n * cout * oh * ow);
        float[] gx = new float[n * c * h * w];
        Parallel.withThreads(threads, () -> Winograd.convolve(Winograd.weights(wt, 0, cout, c, true), gy, 0, n,
                cout, oh, ow, 2 - pt, 2 - pl, gx, c, h, w));
        float[] rotated = new float[wt.length];
        for (int o = 0; o < cout; o++) {
            for (int i = 0; i < c; i++) {
                for (int k = 0; k < 9; k++) {
                    rotated[(i * cout + o) * 9 + k] = wt[(o * c + i) * 9 + 8 - k];
                }
            }
        }
        check(gx, exact(gy, 0, n, cout, oh, ow, rotated, c, 2 - pt, 2 - pl, h, w));
    }

    /** Checks every output against the bound. */
    private static void check(float[] got, double[][] exact) {
        for (int i = 0; i < got.length; i++) {
            double err = Math.abs(got[i] - exact[0][i]);
            double bound = 0x1p-24 * 16 * exact[1][i];
            assertThat(err).as("output %d: %s against exact %s (scale %s)", i, got[i], exact[0][i], exact[1][i])
                    .isLessThanOrEqualTo(bound);
        }
    }

    /**
     * The 3x3 stride-1 correlation in double: {value, scale} per output, the scale being sum over the input
     * channels of |its 4x4 input tile|_1 * |its kernel|_1 (zeros outside the image).
     */
    private static double[][] exact(float[] x, int xo, int n, int c, int h, int w, float[] wt, int cout, int pt,
                                    int pl, int oh, int ow) {
        double[] y = new double[n * cout * oh * ow];
        double[] abs = new double[y.length];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < cout; o++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int yi = ((b * cout + o) * oh + oy) * ow + ox;
                        for (int i = 0; i < c; i++) {
                            for (int ky = 0; ky < 3; ky++) {
                                int iy = oy - pt + ky;
                                for (int kx = 0; kx < 3; kx++) {
                                    int ix = ox - pl + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                        continue;
                                    }
                                    y[yi] += (double) x[xo + ((b * c + i) * h + iy) * w + ix]
                                            * wt[((o * c + i) * 3 + ky) * 3 + kx];
                                }
                            }
                            double tile = 0;
                            double kernel = 0;
                            for (int dy = 0; dy < 4; dy++) {
                                for (int dx = 0; dx < 4; dx++) {
                                    int iy = oy / 2 * 2 - pt + dy;
                                    int ix = ox / 2 * 2 - pl + dx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                        tile += Math.abs(x[xo + ((b * c + i) * h + iy) * w + ix]);
                                    }
                                }
                            }
                            for (int k = 0; k < 9; k++) {
                                kernel += Math.abs(wt[(o * c + i) * 9 + k]);
                            }
                            abs[yi] += tile * kernel;
                        }
                    }
                }
            }
        }
        return new double[][] {y, abs};
    }

    private static float[] random(SplittableRandom rng, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }
}
