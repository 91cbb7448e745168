package org.lrp4j.eval;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Parallel;

/**
 * Region perturbation (Samek et al. 2017; "pixel flipping" of Bach et al. 2015 for 1 x 1 regions): the regions of
 * each image are perturbed in the order given by an attribution, and the classifier's score of the target class
 * (fixed on the unperturbed image) is recorded after each step. A faithful attribution makes the most-relevant-first
 * (MoRF) curve fall fast, faster than a random order, and the least-relevant-first (LeRF) curve fall slowly.
 *
 * <p>Step t of T perturbs the first {@link Regions#perturbedAt round(t F R / T)} regions of the order (R regions, F
 * the fraction of them covered by the curve). Perturbed pixels take the values of the image's replacement (see
 * {@link Perturbation}), seeded by the run's seed and the image's index: every method and order of a run sees the
 * same perturbations, and the random order (seeded the same way) is the same for every method. The result depends on
 * the seed only, not on the number of threads or on how images are batched.
 *
 * <p>Images are processed in chunks: each chunk is explained by every method at once, then all its perturbed copies
 * (built in parallel over images) are scored in forward passes of at most {@link Builder#batch} rows.
 */
public final class PixelFlipping {

    /**
     * The classifier under evaluation: class scores [N, classes] for a batch of inputs. A graph {@link Model} is one
     * ({@code model::predict}); so is any other classifier, e.g. a kernel SVM on Bag-of-Words features.
     */
    @FunctionalInterface
    public interface Classifier {
        Tensor scores(Tensor input);
    }

    /** Told how many images are done. */
    @FunctionalInterface
    public interface Progress {
        void images(int done, int total);
    }

    private final Classifier model;
    private final List<Order> orders;
    private final int region;
    private final int steps;
    private final double fraction;
    private final Perturbation perturbation;
    private final Score score;
    private final long seed;
    private final int batch;
    private final Perturbation.Range range;

    private PixelFlipping(Builder b) {
        this.model = b.model;
        this.orders = b.orders;
        this.region = b.region;
        this.steps = b.steps;
        this.fraction = b.fraction;
        this.perturbation = b.perturbation;
        this.score = b.score;
        this.seed = b.seed;
        this.batch = b.batch;
        this.range = b.range;
    }

    public static Builder builder(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("a model is needed");
        }
        return new Builder(model::predict);
    }

    /** A run on any classifier. */
    public static Builder builder(Classifier classifier) {
        return new Builder(classifier);
    }

    /** The per-image curves of every (method, order) of a run, and their summaries. */
    public record Result(List<String> methods, List<Order> orders, double[] fractions, int[] targets,
                         Map<String, Map<Order, double[][]>> perImage, Score score, int regions) {

        /** The per-image curves of one method and order, [images][T + 1]. */
        public double[][] curves(String method, Order order) {
            Map<Order, double[][]> m = perImage.get(method);
            if (m == null || !m.containsKey(order)) {
                throw new IllegalArgumentException("no curves for method '" + method + "' and order " + order.label());
            }
            return m.get(order);
        }

        /** Every (method, order) summarised, methods in run order, orders in run order. */
        public List<FlipCurve> summaries(boolean normalize) {
            List<FlipCurve> out = new ArrayList<>();
            for (String m : methods) {
                for (Order o : orders) {
                    out.add(FlipCurve.of(m, o, fractions, curves(m, o), normalize));
                }
            }
            return out;
        }
    }

    /**
     * Runs the evaluation of {@code methods} on {@code inputs} [N, C, H, W] for {@code targets} (predicted or fixed
     * classes, decided on the unperturbed inputs).
     */
    public Result run(Tensor inputs, Targets targets, List<Method> methods, Progress progress) {
        long[] indices = new long[inputs.rank() == 0 ? 0 : inputs.dim(0)];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = i;
        }
        return run(inputs, targets, methods, progress, indices);
    }

    /**
     * As {@link #run(Tensor, Targets, List, Progress)}, with the index of each image in the whole dataset: the noise
     * and the random order of image i are seeded by (seed, {@code imageIndices[i]}), so a dataset split into parts
     * (e.g. Spark partitions) gives every image the same perturbations as one run over all of it.
     */
    public Result run(Tensor inputs, Targets targets, List<Method> methods, Progress progress, long[] imageIndices) {
        if (inputs.rank() != 4) {
            throw new IllegalArgumentException("pixel flipping needs image input [N, C, H, W] but the input has shape "
                    + inputs.shape());
        }
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("no methods to evaluate");
        }
        if (targets instanceof Targets.All) {
            throw new IllegalArgumentException("pixel flipping follows one target per image: pred or a class index,"
                    + " not all");
        }
        List<String> names = new ArrayList<>();
        for (Method m : methods) {
            if (names.contains(m.name())) {
                throw new IllegalArgumentException("method '" + m.name() + "' is given twice");
            }
            names.add(m.name());
        }
        Tensor x = inputs.copy();
        int n = x.dim(0);
        if (imageIndices.length != n) {
            throw new IllegalArgumentException(imageIndices.length + " image indices for " + n + " images");
        }
        int c = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        Regions regions = new Regions(h, w, region);
        int r = regions.count();
        int[] counts = new int[steps + 1];
        double[] fractions = new double[steps + 1];
        for (int t = 0; t <= steps; t++) {
            counts[t] = Regions.perturbedAt(t, steps, fraction, r);
            fractions[t] = fraction * t / steps;
        }
        Map<String, Map<Order, double[][]>> curves = new LinkedHashMap<>();
        for (String m : names) {
            Map<Order, double[][]> byOrder = new EnumMap<>(Order.class);
            for (Order o : orders) {
                byOrder.put(o, new double[n][]);
            }
            curves.put(m, byOrder);
        }
        int[] allTargets = new int[n];
        int sample = c * h * w;
        // images per chunk: about 64 MB of perturbed copies, at most 256 images
        int chunk = (int) Math.max(1, Math.min(256, (64L << 20) / (4L * sample * Math.max(1, steps))));
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            int b = to - from;
            Tensor xc = x.slice(from, to).copy();
            float[] logits = model.scores(xc).toArray();
            int k = logits.length / b;
            int[] tc = targets.resolve(Tensor.wrap(logits, b, k));
            System.arraycopy(tc, 0, allTargets, from, b);
            float[][] replacement = new float[b][];
            int first = from;
            Parallel.forEach(b, i -> {
                replacement[i] = new float[sample];
                perturbation.replacement(xc.data(), xc.offset() + i * sample, c, h, w, range,
                        new SplittableRandom(mix(seed, imageIndices[first + i])), replacement[i]);
            });
            double[] base = new double[b];
            for (int i = 0; i < b; i++) {
                base[i] = score.of(logits, i * k, k, tc[i]);
            }
            double[][] randomCurves = null;
            if (orders.contains(Order.RANDOM)) {
                int[][] perms = new int[b][];
                for (int i = 0; i < b; i++) {
                    perms[i] = Regions.random(r, new SplittableRandom(mix(seed + 0x9E3779B97F4A7C15L,
                            imageIndices[first + i])));
                }
                randomCurves = curves(xc, replacement, perms, tc, base, regions, counts);
            }
            for (Method m : methods) {
                Tensor a = m.attribution().attribute(xc, tc);
                if (a.rank() != 4 || a.dim(0) != b || a.dim(2) != h || a.dim(3) != w) {
                    throw new IllegalArgumentException("method '" + m.name() + "' gave an attribution of shape "
                            + a.shape() + " for input " + xc.shape() + "; pixel flipping needs [N, C', " + h + ", " + w
                            + "]");
                }
                int ac = a.dim(1);
                float[] ad = a.data();
                double[][] regionScores = new double[b][];
                Parallel.forEach(b, i -> regionScores[i] = regions.scores(ad, a.offset() + i * ac * h * w, ac));
                for (Order o : orders) {
                    double[][] cv;
                    if (o == Order.RANDOM) {
                        cv = randomCurves;
                    } else {
                        int[][] perms = new int[b][];
                        for (int i = 0; i < b; i++) {
                            perms[i] = o == Order.MORF ? Regions.morf(regionScores[i]) : Regions.lerf(regionScores[i]);
                        }
                        cv = curves(xc, replacement, perms, tc, base, regions, counts);
                    }
                    double[][] dst = curves.get(m.name()).get(o);
                    for (int i = 0; i < b; i++) {
                        dst[from + i] = cv[i].clone();
                    }
                }
            }
            if (progress != null) {
                progress.images(to, n);
            }
        }
        return new Result(List.copyOf(names), orders, fractions, allTargets, curves, score, r);
    }

    /** The score curves of a chunk of images for given region orders: [images][T + 1]. */
    private double[][] curves(Tensor xc, float[][] replacement, int[][] perms, int[] targets, double[] base,
                              Regions regions, int[] counts) {
        int b = xc.dim(0);
        int c = xc.dim(1);
        int sample = xc.size() / b;
        int rows = b * steps;
        double[][] out = new double[b][steps + 1];
        for (int i = 0; i < b; i++) {
            out[i][0] = base[i];
        }
        // row (i, t-1) holds image i with its first counts[t] regions perturbed
        int perForward = Math.max(1, Math.min(rows, batch));
        float[] src = xc.data();
        int srcOff = xc.offset();
        for (int start = 0; start < rows; start += perForward) {
            int end = Math.min(rows, start + perForward);
            float[] data = new float[(end - start) * sample];
            int s0 = start;
            // the rows of one image are built incrementally; parallel over the images this forward pass touches
            int firstImage = start / steps;
            int lastImage = (end - 1) / steps;
            Parallel.forEach(lastImage - firstImage + 1, j -> {
                int i = firstImage + j;
                float[] img = new float[sample];
                System.arraycopy(src, srcOff + i * sample, img, 0, sample);
                int done = 0;
                for (int t = 1; t <= steps; t++) {
                    for (; done < counts[t]; done++) {
                        regions.perturb(perms[i][done], img, 0, c, replacement[i]);
                    }
                    int row = i * steps + t - 1;
                    if (row >= s0 && row < end) {
                        System.arraycopy(img, 0, data, (row - s0) * sample, sample);
                    }
                }
            });
            int[] dims = xc.dims().clone();
            dims[0] = end - start;
            float[] logits = model.scores(Tensor.wrap(data, dims)).toArray();
            int k = logits.length / (end - start);
            for (int row = start; row < end; row++) {
                int i = row / steps;
                int t = row % steps + 1;
                out[i][t] = score.of(logits, (row - start) * k, k, targets[i]);
            }
        }
        return out;
    }

    /** A well-mixed per-image seed (SplitMix64's finaliser over seed and index). */
    static long mix(long seed, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The options of a run; every value is checked when set. */
    public static final class Builder {
        private final Classifier model;
        private List<Order> orders = List.of(Order.MORF, Order.LERF, Order.RANDOM);
        private int region = 1;
        private int steps = 20;
        private double fraction = 1;
        private Perturbation perturbation = new Perturbation.Uniform();
        private Score score = Score.LOGIT;
        private long seed;
        private int batch = 256;
        private Perturbation.Range range;

        private Builder(Classifier model) {
            if (model == null) {
                throw new IllegalArgumentException("a classifier is needed");
            }
            this.model = model;
        }

        public Builder orders(List<Order> list) {
            if (list.isEmpty()) {
                throw new IllegalArgumentException("give at least one order: morf, lerf, random");
            }
            this.orders = List.copyOf(list);
            return this;
        }

        /** Region side k in pixels (1 = pixel flipping). */
        public Builder region(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("--region must be at least 1 pixel, not " + k);
            }
            this.region = k;
            return this;
        }

        /** T: the curve has T + 1 points. */
        public Builder steps(int t) {
            if (t < 1) {
                throw new IllegalArgumentException("--steps must be at least 1, not " + t);
            }
            this.steps = t;
            return this;
        }

        /** F in (0, 1]: the share of the regions perturbed at the last step. */
        public Builder fraction(double f) {
            if (!(f > 0 && f <= 1)) {
                throw new IllegalArgumentException("--fraction must be in (0, 1], not " + f);
            }
            this.fraction = f;
            return this;
        }

        public Builder perturbation(Perturbation p) {
            this.perturbation = java.util.Objects.requireNonNull(p);
            return this;
        }

        public Builder score(Score s) {
            this.score = java.util.Objects.requireNonNull(s);
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Rows per forward pass when scoring perturbed copies. */
        public Builder batch(int rows) {
            if (rows < 1) {
                throw new IllegalArgumentException("--batch must be at least 1, not " + rows);
            }
            this.batch = rows;
            return this;
        }

        /** The data range of uniform noise (required for {@code uniform}). */
        public Builder range(Perturbation.Range r) {
            this.range = r;
            return this;
        }

        public PixelFlipping build() {
            if (perturbation instanceof Perturbation.Uniform && range == null) {
                throw new IllegalArgumentException("uniform perturbation needs the data range (low, high)");
            }
            return new PixelFlipping(this);
        }
    }
}
