package org.lrp4j.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Flops;
import org.lrp4j.graph.Model;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Parallel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j bench}: seconds per call of forward, gradient or LRP on a built-in architecture or a model file. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time forward, gradient or LRP on a built-in architecture (random seeded weights) or a model file.",
                "Effective GFLOP/s counts the forward pass's multiply-adds (x2) per image, whatever the method.",
                "For gradient and LRP, the forward pass is timed too, alternating call by call with the method, and",
                "the ratio of the two medians is printed (alternating keeps drifting machine speed out of it)."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true,
            description = "vgg16, vgg16-bn, resnet18, resnet50, small-cnn, cnn, mlp, or a model file (.onnx/.lrp4j)")
    String model;

    @Option(names = "--method", defaultValue = "lrp:epsilon-plus-flat",
            description = "forward, gradient or lrp:COMPOSITE, COMPOSITE one of epsilon, epsilon-plus,"
                    + " epsilon-plus-flat, epsilon-gamma-box (bounds of the input domain), epsilon-alpha2-beta1,"
                    + " epsilon-alpha2-beta1-flat (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--batch", defaultValue = "1", description = "images per call (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--size", description = "input height/width of a built-in architecture (default: 224, 28 for"
            + " the small ones)")
    Integer size;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed calls first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--reps", defaultValue = "5", description = "timed calls (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--threads", description = "threads for the kernels (default: all cores)")
    Integer threads;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || reps < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch and --reps must be >= 1 and --warmup >= 0");
        }
        Model m;
        Shape sample;
        if (Files.exists(Path.of(model))) {
            m = ModelLoader.load(Path.of(model));
            sample = m.inputs().get(0).sampleShape();
        } else {
            boolean small = Arrays.asList("small-cnn", "cnn", "mlp").contains(model);
            int s = size != null ? size : small ? 28 : 224;
            int c = small ? 1 : 3;
            m = Architectures.create(model, c, s, small ? 10 : 1000, 1);
            sample = Shape.of(c, s, s);
        }
        int[] dims = new int[sample.rank() + 1];
        dims[0] = batch;
        System.arraycopy(sample.toArray(), 0, dims, 1, sample.rank());
        Tensor x = Tensor.randn(new SplittableRandom(1), 1f, dims);
        Supplier<Object> call = callFor(m, x, sample.dim(0));
        Supplier<Object> forward = method.equals("forward") ? null : () -> m.predict(x);
        long flops = Flops.perSample(m, sample) * batch;
        Supplier<double[][]> run = () -> measure(call, forward);
        double[][] seconds = threads == null ? run.get() : Parallel.withThreads(threads, run);
        long peak = peakHeapAfter();
        double[] sorted = sorted(seconds[0]);
        double median = sorted[sorted.length / 2];
        double forwardMedian = forward == null ? median : sorted(seconds[1])[reps / 2];
        int usedThreads = threads == null ? Parallel.threads() : threads;
        if (json) {
            System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"method\":\"%s\",\"batch\":%d,\"threads\":%d,"
                            + "\"min_s\":%.6f,\"median_s\":%.6f,\"max_s\":%.6f,\"images_per_s\":%.3f,"
                            + "\"gflops_per_s\":%.2f,\"forward_median_s\":%.6f,\"over_forward\":%.3f,"
                            + "\"peak_heap_mb\":%.1f,\"java\":\"%s\"}%n", model, method, batch,
                    usedThreads, sorted[0], median, sorted[sorted.length - 1], batch / median, flops / median / 1e9,
                    forwardMedian, median / forwardMedian, peak / 1048576.0, System.getProperty("java.version"));
        } else {
            System.out.printf(Locale.ROOT, "%s %s batch %d, %d thread(s), %d reps after %d warm-up%n", model, method,
                    batch, usedThreads, reps, warmup);
            System.out.printf(Locale.ROOT, "  seconds per call: min %.4f  median %.4f  max %.4f%n", sorted[0], median,
                    sorted[sorted.length - 1]);
            System.out.printf(Locale.ROOT, "  %.2f images/s, %.1f effective GFLOP/s (forward %.4g GFLOP per image)%n",
                    batch / median, flops / median / 1e9, flops / 1e9 / batch);
            if (forward != null) {
                System.out.printf(Locale.ROOT, "  %.2f x the forward pass (forward median %.4f s, timed alternately)%n",
                        median / forwardMedian, forwardMedian);
            }
            System.out.printf(Locale.ROOT, "  peak heap %.0f MB (max heap %.0f MB)%n", peak / 1048576.0,
                    Runtime.getRuntime().maxMemory() / 1048576.0);
        }
        return 0;
    }

    /** Seconds per call of {@code call} and, when given, of {@code forward} timed in alternation with it. */
    private double[][] measure(Supplier<Object> call, Supplier<Object> forward) {
        for (int i = 0; i < warmup; i++) {
            call.get();
            if (forward != null) {
                forward.get();
            }
        }
        System.gc();
        resetPeaks();
        double[] s = new double[reps];
        double[] f = new double[forward == null ? 0 : reps];
        for (int i = 0; i < reps; i++) {
            s[i] = seconds(call);
            if (forward != null) {
                f[i] = seconds(forward);
            }
        }
        return new double[][] {s, f};
    }

    private static double seconds(Supplier<Object> call) {
        long t0 = System.nanoTime();
        call.get();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double[] sorted(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s;
    }

    private Supplier<Object> callFor(Model m, Tensor x, int channels) {
        if (method.equals("forward")) {
            return () -> m.predict(x);
        }
        if (method.equals("gradient")) {
            return () -> {
                Variable in = Variable.parameter(x);
                Variable out = m.forward(in, ForwardContext.inference());
                int k = out.shape().dim(1);
                float[] seed = new float[out.shape().size()];
                for (int i = 0; i < x.dim(0); i++) {
                    seed[i * k] = 1f;
                }
                out.backward(Tensor.wrap(seed, out.shape()));
                return in.grad();
            };
        }
        if (method.startsWith("lrp:")) {
            String name = method.substring(4);
            Tensor[] bounds = bounds(channels);
            Explainer e = LrpExplainer.builder(m, Composites.byName(name, bounds[0], bounds[1])).build();
            return () -> {
                try (GradMode.Scope s = GradMode.disabled()) {
                    return e.explain(x, Targets.predicted()).attribution();
                }
            };
        }
        throw new IllegalArgumentException("--method must be forward, gradient or lrp:COMPOSITE, not '" + method + "'");
    }

    /** The box of normalised pixel values: ImageNet normalisation for 3 channels, Fashion-MNIST's for 1. */
    private static Tensor[] bounds(int channels) {
        if (channels == 3) {
            float[] mean = {0.485f, 0.456f, 0.406f};
            float[] std = {0.229f, 0.224f, 0.225f};
            float[] lo = new float[3];
            float[] hi = new float[3];
            for (int c = 0; c < 3; c++) {
                lo[c] = -mean[c] / std[c];
                hi[c] = (1 - mean[c]) / std[c];
            }
            return new Tensor[] {Tensor.wrap(lo, 3, 1, 1), Tensor.wrap(hi, 3, 1, 1)};
        }
        return new Tensor[] {Tensor.scalar(-0.2860f / 0.3530f), Tensor.scalar((1 - 0.2860f) / 0.3530f)};
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    private static long peakHeapAfter() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
