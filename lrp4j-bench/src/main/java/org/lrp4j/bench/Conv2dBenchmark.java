package org.lrp4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2d;
import org.lrp4j.tensor.kernel.Conv2dSpec;
import org.lrp4j.tensor.kernel.Parallel;
import org.lrp4j.tensor.kernel.Sgemm;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * 3x3 convolution 256 -> 256 channels on a 56x56 map, batch 1, pad 1 (a VGG16 conv3 layer): forward, gradient
 * w.r.t. the input and w.r.t. the weight, each on {@code threads} threads. Every operation is
 * 2 * 256 * 256 * 9 * 56 * 56 = 3.70 GFLOP; the primary score is operations per second and the {@code gflops}
 * secondary result the achieved GFLOP/s.
 *
 * <p>Run: {@code java -jar lrp4j-bench/target/benchmarks.jar Conv2dBenchmark -wi 2 -i 3 -f 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class Conv2dBenchmark {
    static final int C = 256;
    static final int HW = 56;
    static final double GFLOP = 2.0 * C * C * 9 * HW * HW / 1e9;

    @Param({"1", "2"})
    public int threads;

    Tensor x;
    Tensor w;
    Tensor b;
    Tensor gy;
    final Conv2dSpec spec = Conv2dSpec.of(1, 1);

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rng = new SplittableRandom(7);
        x = random(rng, 1, C, HW, HW);
        w = random(rng, C, C, 3, 3);
        b = random(rng, C);
        gy = random(rng, 1, C, HW, HW);
        System.out.println("\nSGEMM kernel: " + Sgemm.best().name() + ", " + GFLOP + " GFLOP per op");
    }

    private static Tensor random(SplittableRandom rng, int... dims) {
        Shape s = Shape.of(dims);
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return Tensor.wrap(d, s);
    }

    /** Counts GFLOP done; JMH reports it per second, i.e. as GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflops;

        @Setup(Level.Iteration)
        public void reset() {
            gflops = 0;
        }
    }

    @Benchmark
    public Tensor forward(Flops f) {
        Tensor y = Parallel.withThreads(threads, () -> Conv2d.forward(x, w, b, spec));
        f.gflops += GFLOP;
        return y;
    }

    @Benchmark
    public Tensor backwardInput(Flops f) {
        Tensor g = Parallel.withThreads(threads, () -> Conv2d.backwardInput(gy, w, x.shape(), spec));
        f.gflops += GFLOP;
        return g;
    }

    @Benchmark
    public Tensor backwardWeight(Flops f) {
        Tensor g = Parallel.withThreads(threads, () -> Conv2d.backwardWeight(x, gy, w.shape(), spec));
        f.gflops += GFLOP;
        return g;
    }
}
