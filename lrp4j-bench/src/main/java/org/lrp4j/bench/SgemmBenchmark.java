package org.lrp4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.lrp4j.tensor.kernel.GemmKernel;
import org.lrp4j.tensor.kernel.Parallel;
import org.lrp4j.tensor.kernel.Sgemm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM C = A * B on square row-major matrices (default 1024 x 1024 x 1024).
 *
 * <p>The score is in milliseconds per multiply; GFLOP/s = 2 * size^3 / (score * 1e6), which {@link TearDown}
 * also prints (mean over the last iteration of the fork) for convenience. For 1024: GFLOP/s = 2147.48 / ms.
 *
 * <p>Run: {@code java -jar lrp4j-bench/target/benchmarks.jar SgemmBenchmark -wi 3 -i 5 -f 1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class SgemmBenchmark {

    @Param({"vector", "scalar"})
    public String kernel;

    @Param({"1", "2"})
    public int threads;

    @Param({"1024"})
    public int size;

    private GemmKernel gemm;
    private float[] a;
    private float[] b;
    private float[] c;
    private long calls;
    private long nanos;

    @Setup(Level.Trial)
    public void setup() {
        gemm = kernel.equals("scalar") ? Sgemm.scalar() : Sgemm.best();
        if (kernel.equals("vector") && !gemm.name().startsWith("vector")) {
            throw new IllegalStateException("the Vector API kernel is not available (add jdk.incubator.vector)");
        }
        Random rnd = new Random(42);
        a = random(rnd, size * size);
        b = random(rnd, size * size);
        c = new float[size * size];
    }

    @Setup(Level.Iteration)
    public void resetCounters() {
        calls = 0;
        nanos = 0;
    }

    @TearDown(Level.Iteration)
    public void report() {
        if (calls > 0) {
            double gflops = 2.0 * size * size * size * calls / nanos;
            System.out.printf(" [%s, %d thread(s): %.1f GFLOP/s]", gemm.name(), threads, gflops);
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    @Benchmark
    public float[] sgemm() {
        long t0 = System.nanoTime();
        int s = size;
        Parallel.withThreads(threads, () -> gemm.gemm(false, false, s, s, s, 1f, a, 0, s, b, 0, s, 0f, c, 0, s));
        nanos += System.nanoTime() - t0;
        calls++;
        return c;
    }
}
