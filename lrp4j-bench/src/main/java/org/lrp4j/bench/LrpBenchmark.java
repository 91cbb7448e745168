package org.lrp4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.composites.Composites;
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
 * LRP on the {@code small-cnn} (Conv(1,32,3,p1) ReLU MaxPool2 Conv(32,64,3,p1) ReLU MaxPool2 Flatten
 * Linear(3136,128) ReLU Linear(128,10), random seeded weights) for a batch of 1x28x28 inputs, next to the plain
 * forward pass, so the ratio LRP / forward can be read off.
 *
 * <p>Run: {@code java -jar lrp4j-bench/target/benchmarks.jar LrpBenchmark -wi 3 -i 5 -f 1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class LrpBenchmark {

    @Param({"256"})
    public int batch;

    @Param({"epsilon-plus-flat", "epsilon-gamma-box", "epsilon-alpha2-beta1-flat"})
    public String composite;

    private Model model;
    private Tensor input;
    private Explainer explainer;

    @Setup(Level.Trial)
    public void setup() {
        model = Architectures.create("small-cnn", 1, 28, 10, 1);
        input = Tensor.randn(new SplittableRandom(7), 1f, batch, 1, 28, 28);
        float low = (0f - 0.2860f) / 0.3530f;
        float high = (1f - 0.2860f) / 0.3530f;
        explainer = LrpExplainer.builder(model, Composites.byName(composite, Tensor.scalar(low), Tensor.scalar(high)))
                .build();
    }

    @Benchmark
    public Tensor lrp() {
        return explainer.explain(input, Targets.predicted()).attribution();
    }

    @Benchmark
    public Tensor forward() {
        return model.predict(input);
    }
}
