package org.lrp4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SgemmTest {

    /** m, n, k: edge sizes, sizes below and above the tiles and the K/M blocks, and skinny shapes. */
    private static final int[][] SIZES = {
        {1, 1, 1}, {7, 7, 7}, {33, 33, 33}, {257, 257, 257}, {257, 33, 7}, {1, 257, 33},
        {3, 700, 50}, {130, 97, 600}, {6, 32, 300}, {12, 64, 256},
        {1, 300, 200}, {4, 1000, 40}, {2, 77, 400}, {5, 100, 100},
        {300, 1, 200}, {1000, 4, 40}, {77, 2, 400}, {100, 5, 100}, {2, 3, 9000}, {3, 120, 100}, {200, 60, 520},
    };
    private static final float[][] SCALARS = {{1.5f, 0f}, {-0.75f, 0.5f}};
    private static final float SENTINEL = -12345.5f;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String kernel : new String[] {"scalar", "best"}) {
            for (int[] size : SIZES) {
                for (int t = 0; t < 4; t++) {
                    for (float[] ab : SCALARS) {
                        for (int threads = 1; threads <= 2; threads++) {
                            out.add(Arguments.of(kernel, size[0], size[1], size[2], (t & 2) != 0, (t & 1) != 0,
                                    ab[0], ab[1], threads));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    private static GemmKernel kernel(String name) {
        return name.equals("scalar") ? Sgemm.scalar() : Sgemm.best();
    }

    @Test
    void bestIsTheVectorKernelWhenTheModuleIsPresent() {
        if (VectorSupport.available()) {
            assertThat(Sgemm.best()).isInstanceOf(VectorSgemm.class);
            assertThat(Sgemm.best().name()).startsWith("vector");
        } else {
            assertThat(Sgemm.best()).isSameAs(Sgemm.scalar());
        }
        assertThat(Sgemm.scalar().name()).isEqualTo("scalar");
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3} tA={4} tB={5} alpha={6} beta={7} threads={8}")
    @MethodSource("cases")
    void matchesTripleLoop(String kernelName, int m, int n, int k, boolean transA, boolean transB,
                           float alpha, float beta, int threads) {
        long seed = 31L * (31L * (31L * m + n) + k) + (transA ? 2 : 0) + (transB ? 1 : 0);
        Random rnd = new Random(seed);
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        int aOff = 3;
        int lda = aCols + 5;
        int bOff = 1;
        int ldb = bCols + 2;
        int cOff = 7;
        int ldc = n + 3;
        float[] a = random(rnd, aOff + aRows * lda);
        float[] b = random(rnd, bOff + bRows * ldb);
        float[] c = new float[cOff + m * ldc + 4];
        Arrays.fill(c, SENTINEL);
        float[] c0 = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c0[i * n + j] = beta == 0f ? Float.NaN : rnd.nextFloat() * 2 - 1;
                c[cOff + i * ldc + j] = c0[i * n + j];
            }
        }
        GemmKernel g = kernel(kernelName);
        Parallel.withThreads(threads, () -> g.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb,
                beta, c, cOff, ldc));

        String what = g.name() + " seed=" + seed + " m=" + m + " n=" + n + " k=" + k + " transA=" + transA
                + " transB=" + transB + " alpha=" + alpha + " beta=" + beta + " threads=" + threads;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double mag = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += x * y;
                    mag += Math.abs(x * y);
                }
                double expected = alpha * sum;
                mag *= Math.abs(alpha);
                if (beta != 0f) {
                    expected += beta * (double) c0[i * n + j];
                    mag += Math.abs(beta * c0[i * n + j]);
                }
                double tol = (k + 4) * 1.2e-7 * mag + 1e-30;
                float actual = c[cOff + i * ldc + j];
                assertThat((double) actual).as("%s at C[%d][%d]", what, i, j).isCloseTo(expected,
                        org.assertj.core.data.Offset.offset(tol));
            }
        }
        // Nothing outside the m x n window of C was written.
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - cOff;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) {
                assertThat(c[idx]).as("%s: C[%d] outside the matrix was written", what, idx).isEqualTo(SENTINEL);
            }
        }
    }

    private static float[] random(Random rnd, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    static Stream<String> kernels() {
        return Stream.of("scalar", "best");
    }

    /** The vector kernel's cases (the scalar kernel prepares nothing), op(B) as stored or transposed. */
    static Stream<Arguments> preparedCases() {
        return cases().filter(c -> c.get()[0].equals("best") && !((int) c.get()[8] == 1 && (boolean) c.get()[5]));
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3} tA={4} tB={5} alpha={6} beta={7} threads={8}")
    @MethodSource("preparedCases")
    void preparedAGivesTheSameBitsAsThePlainProduct(String kernelName, int m, int n, int k, boolean transA,
                                                    boolean transB, float alpha, float beta, int threads) {
        Random rnd = new Random(17L * m + 5L * n + k);
        int lda = (transA ? m : k) + 5;
        int ldb = (transB ? k : n) + 2;
        int ldc = n + 3;
        float[] a = random(rnd, 3 + (transA ? k : m) * lda);
        float[] b = random(rnd, 1 + (transB ? n : k) * ldb);
        float[] plain = random(rnd, 7 + m * ldc + 4);
        float[] original = plain.clone();
        GemmKernel g = kernel(kernelName);
        Parallel.withThreads(threads, () -> {
            g.gemm(transA, transB, m, n, k, alpha, a, 3, lda, b, 1, ldb, beta, plain, 7, ldc);
            PreparedA pa = g.prepare(transA, m, k, a, 3, lda);
            // the preparation serves several products, as a convolution's column blocks
            for (int rep = 0; rep < 2; rep++) {
                float[] c = original.clone();
                g.gemm(pa, transB, n, alpha, b, 1, ldb, beta, c, 7, ldc);
                // bit for bit (Arrays.equals compares the float bits), and fast on large arrays
                assertThat(Arrays.equals(c, plain)).as("product %d", rep).isTrue();
            }
        });
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void zeroKScalesC(String kernelName) {
        GemmKernel g = kernel(kernelName);
        float[] c = {1f, 2f, 3f, 4f};
        g.gemm(false, false, 2, 2, 0, 1f, new float[0], 0, 0, new float[0], 0, 2, 0.5f, c, 0, 2);
        assertThat(c).as(g.name()).containsExactly(0.5f, 1f, 1.5f, 2f);
        float[] nan = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        g.gemm(false, false, 2, 2, 0, 1f, new float[0], 0, 0, new float[0], 0, 2, 0f, nan, 0, 2);
        assertThat(nan).as(g.name()).containsExactly(0f, 0f, 0f, 0f);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void emptyOutputIsANoOp(String kernelName) {
        GemmKernel g = kernel(kernelName);
        float[] c = {7f};
        g.gemm(false, false, 0, 5, 3, 1f, new float[0], 0, 3, new float[15], 0, 5, 0f, c, 0, 5);
        g.gemm(false, false, 5, 0, 3, 1f, new float[15], 0, 3, new float[0], 0, 0, 0f, c, 0, 0);
        assertThat(c).containsExactly(7f);
    }

    @Test
    void staticEntryPointUsesBest() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = new float[4];
        Sgemm.gemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertThat(c).containsExactly(19f, 22f, 43f, 50f);
        Sgemm.gemm(true, true, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        // A^T = [[1,3],[2,4]], B^T = [[5,7],[6,8]]
        assertThat(c).containsExactly(23f, 31f, 34f, 46f);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void rejectsNegativeSizes(String kernelName) {
        GemmKernel g = kernel(kernelName);
        float[] x = new float[16];
        assertThatThrownBy(() -> g.gemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sgemm")
                .hasMessageContaining("m=-1");
        assertThatThrownBy(() -> g.gemm(false, false, 2, 2, -3, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sgemm")
                .hasMessageContaining("k=-3");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void rejectsShortArraysAndSmallLeadingDimensions(String kernelName) {
        GemmKernel g = kernel(kernelName);
        int m = 40;
        int n = 50;
        int k = 60;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        float[] c = new float[m * n];
        // Sanity: the valid call passes.
        g.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);

        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, new float[m * k - 1], 0, k, b, 0, n, 0f, c, 0, n),
                "A");
        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, a, 1, k, b, 0, n, 0f, c, 0, n), "A");
        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, a, 0, k - 1, b, 0, n, 0f, c, 0, n), "A");
        assertRejected(() -> g.gemm(true, false, m, n, k, 1f, a, 0, m - 1, b, 0, n, 0f, c, 0, n), "A");
        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, a, -1, k, b, 0, n, 0f, c, 0, n), "A");
        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n - 1, 0f, c, 0, n), "B");
        assertRejected(() -> g.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k - 1, 0f, c, 0, n), "B");
        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, a, 0, k, new float[10], 0, n, 0f, c, 0, n), "B");
        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n - 1), "C");
        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 5, n), "C");
        assertRejected(() -> g.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, new float[m * n - 1], 0, n),
                "C");
    }

    private static void assertRejected(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String matrix) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sgemm")
                .hasMessageMatching("(?s).*\\b" + matrix + "\\b.*");
    }
}
