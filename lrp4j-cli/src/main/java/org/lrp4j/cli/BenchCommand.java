package org.lrp4j.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.lrp4j.eval.MethodSpecs;
import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.Explainers;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Flops;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.FmaPeak;
import org.lrp4j.tensor.kernel.Parallel;
import org.lrp4j.train.Adam;
import org.lrp4j.train.Optimizer;
import org.lrp4j.train.Trainer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lrp4j bench}: seconds per call of the forward pass or of any {@code explain} method on a built-in
 * architecture or a model file, and the machine's measured FMA peak that the achieved rate is set against.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time the forward pass, a training step or an explain method on a built-in architecture (random seeded weights)"
                + " or a model file.",
                "Effective GFLOP/s counts the forward pass's multiply-adds (x2) per image, whatever the method, and is"
                        + " set against the machine's FMA peak, measured before and after the timed calls, the higher"
                        + " kept (a Vector API FMA loop on all threads; --peak prints it alone).",
                "For the explain methods, the forward pass is timed too, alternating call by call with the method, and",
                "the ratio of the two medians is printed (alternating keeps drifting machine speed out of it)."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model",
            description = "vgg16, vgg16-bn, resnet18, resnet50, small-cnn, cnn, mlp, or a model file (.onnx/.lrp4j)")
    String model;

    @Option(names = "--peak", description = "measure the machine's FMA peak (GFLOP/s on --threads threads) and print"
            + " it; without --model nothing else is timed")
    boolean peak;

    @Option(names = "--method", defaultValue = "lrp:epsilon-plus-flat", completionCandidates = Methods.class,
            description = "forward, train (one step of 'lrp4j train': forward in training mode, cross-entropy,"
                    + " backward to the weights, Adam), a method of 'lrp4j explain' (with its options below),"
                    + " lrp:PRESET or lrp:RULE as in 'lrp4j pixel-flipping --methods'; one of: ${COMPLETION-CANDIDATES} (default:"
                    + " ${DEFAULT-VALUE}); epsilon-gamma-box and deep-taylor use the box of normalised pixel values")
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

    @CommandLine.Mixin
    MethodOptionsMixin methodOptions;

    /** The accepted --method names: forward, the explain methods of {@link Explainers}, and lrp:PRESET. */
    static final class Methods implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            List<String> all = new ArrayList<>();
            all.add("forward");
            all.add("train");
            all.addAll(Explainers.NAMES);
            for (String c : Composites.NAMES) {
                all.add("lrp:" + c);
            }
            return all.iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || reps < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch and --reps must be >= 1 and --warmup >= 0");
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, not " + threads);
        }
        if (model == null && !peak) {
            throw new IllegalArgumentException("give --model NAME|FILE to time a method, or --peak to measure the"
                    + " machine's FMA peak");
        }
        int usedThreads = threads == null ? Parallel.threads() : threads;
        if (model == null) {
            FmaPeak.Result p = measurePeak(usedThreads);
            if (json) {
                System.out.printf(Locale.ROOT, "{\"peak_gflops\":%.2f,\"peak_gflops_per_thread\":%.2f,\"threads\":%d,"
                                + "\"kernel\":\"%s\",\"java\":\"%s\"}%n", p.gflops(), p.gflopsPerThread(), p.threads(),
                        p.kernel(), System.getProperty("java.version"));
            } else {
                System.out.printf(Locale.ROOT, "FMA peak: %.1f GFLOP/s on %d thread(s) (%.1f per thread, %s FMA loop)%n",
                        p.gflops(), p.threads(), p.gflopsPerThread(), p.kernel());
            }
            return 0;
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
        FmaPeak.Result before = measurePeak(usedThreads);
        Supplier<double[][]> run = () -> measure(call, forward);
        double[][] seconds = threads == null ? run.get() : Parallel.withThreads(threads, run);
        // measured again after the timed calls and the higher kept: a busy machine or a late JIT compilation can
        // only make a peak measurement too low (one such run read 13.5 of 435 GFLOP/s)
        FmaPeak.Result after = FmaPeak.measure(usedThreads);
        FmaPeak.Result p = after.gflops() > before.gflops() ? after : before;
        long peakHeap = peakHeapAfter();
        double[] sorted = sorted(seconds[0]);
        double median = sorted[sorted.length / 2];
        double forwardMedian = forward == null ? median : sorted(seconds[1])[reps / 2];
        double gflops = flops / median / 1e9;
        if (json) {
            System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"method\":\"%s\",\"batch\":%d,\"threads\":%d,"
                            + "\"min_s\":%.6f,\"median_s\":%.6f,\"max_s\":%.6f,\"images_per_s\":%.3f,"
                            + "\"gflops_per_s\":%.5g,\"peak_gflops\":%.5g,\"peak_fraction\":%.5g,"
                            + "\"forward_median_s\":%.6f,\"over_forward\":%.3f,"
                            + "\"peak_heap_mb\":%.1f,\"java\":\"%s\"}%n", model, method, batch,
                    usedThreads, sorted[0], median, sorted[sorted.length - 1], batch / median, gflops, p.gflops(),
                    gflops / p.gflops(), forwardMedian, median / forwardMedian, peakHeap / 1048576.0,
                    System.getProperty("java.version"));
        } else {
            System.out.printf(Locale.ROOT, "%s %s batch %d, %d thread(s), %d reps after %d warm-up%n", model, method,
                    batch, usedThreads, reps, warmup);
            System.out.printf(Locale.ROOT, "  seconds per call: min %.4f  median %.4f  max %.4f%n", sorted[0], median,
                    sorted[sorted.length - 1]);
            System.out.printf(Locale.ROOT, "  %.2f images/s, %.1f effective GFLOP/s (forward %.4g GFLOP per image)"
                    + " = %.1f%% of the FMA peak (%.1f GFLOP/s measured on %d thread(s), %s)%n", batch / median, gflops,
                    flops / 1e9 / batch, 100 * gflops / p.gflops(), p.gflops(), p.threads(), p.kernel());
            if (forward != null) {
                System.out.printf(Locale.ROOT, "  %.2f x the forward pass (forward median %.4f s, timed alternately,"
                                + " %.1f%% of the FMA peak)%n", median / forwardMedian, forwardMedian,
                        100 * flops / forwardMedian / 1e9 / p.gflops());
            }
            System.out.printf(Locale.ROOT, "  peak heap %.0f MB (max heap %.0f MB)%n", peakHeap / 1048576.0,
                    Runtime.getRuntime().maxMemory() / 1048576.0);
        }
        return 0;
    }

    /** The FMA peak on {@code threads} threads, with a note on stderr (it takes about half a second). */
    private static FmaPeak.Result measurePeak(int threads) {
        System.err.printf(Locale.ROOT, "lrp4j bench: measuring the FMA peak on %d thread(s) ...%n", threads);
        return FmaPeak.measure(threads);
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

    /**
     * The timed call: the forward pass, or exactly what {@code lrp4j explain --method NAME} runs for the predicted
     * classes (the explainer built by {@link MethodSpecs#explainer} from the same names and options).
     */
    private Supplier<Object> callFor(Model m, Tensor x, int channels) throws java.io.IOException {
        if (method.equals("forward")) {
            return () -> m.predict(x);
        }
        if (method.equals("train")) {
            // what 'lrp4j train' runs per batch (Adam at its default rate), on random labels: the model's weights
            // change call by call, the work does not
            int classes = m.predict(x.slice(0, 1)).dim(1);
            SplittableRandom rng = new SplittableRandom(2);
            int[] labels = rng.ints(x.dim(0), 0, classes).toArray();
            Optimizer adam = new Adam(m.parameters(), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f);
            return () -> Trainer.step(m, adam, x, labels, rng).loss();
        }
        Tensor[] bounds = bounds(channels);
        Explainer e;
        try {
            e = MethodSpecs.explainer(method, m, methodOptions.toOptions(m, bounds[0], bounds[1]), false);
        } catch (IllegalArgumentException ex) {
            throw ex.getMessage().startsWith("unknown method") ? new IllegalArgumentException("--method must be"
                    + " forward, train, a method of explain (" + String.join(", ", Explainers.NAMES) + "), lrp:PRESET or"
                    + " lrp:RULE, not '" + method + "'", ex) : ex;
        }
        return () -> e.explain(x, Targets.predicted()).attribution();
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
