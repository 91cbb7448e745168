package org.lrp4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;
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
 * Local response normalisation (size 5, alpha 1, beta 0.75, bias 1) of the first LRN of {@code lrp4j train --arch
 * lrn-cnn} at batch 64 ([64, 32, 28, 28], 1.6 M values), forward and backward: the fused kernel
 * ({@link Ops#localResponseNorm}) against the textbook composition of seven differentiable ops it replaced.
 *
 * <p>Run: {@code java -jar lrp4j-bench/target/benchmarks.jar LrnBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class LrnBenchmark {

    @Param({"fused", "textbook"})
    public String kernel;

    Tensor x;
    Tensor g;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rng = new SplittableRandom(3);
        x = Tensor.randn(rng, 1f, 64, 32, 28, 28);
        g = Tensor.randn(rng, 1f, 64, 32, 28, 28);
    }

    private Variable forward(Variable v) {
        if (kernel.equals("fused")) {
            return Ops.localResponseNorm(v, 5, 1f, 0.75f, 1f);
        }
        Variable sum = Ops.channelWindowSum(Ops.square(v), 2, 2);
        return Ops.div(v, Ops.pow(Ops.add(Ops.mul(sum, 1f / 5), 1f), 0.75f));
    }

    @Benchmark
    public Tensor forwardOnly() {
        try (GradMode.Scope off = GradMode.disabled()) {
            return forward(Variable.constant(x)).value();
        }
    }

    @Benchmark
    public Tensor forwardAndBackward() {
        Variable v = Variable.parameter(x);
        try (GradMode.Scope on = GradMode.enabled()) {
            forward(v).backward(g);
        }
        return v.grad();
    }
}
