package org.lrp4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.data.Dataset;
import org.lrp4j.graph.Model;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.tensor.Tensor;

/**
 * Mini-batch training with cross-entropy: shuffles every epoch with a seeded generator, so a run is
 * reproducible for a given seed (and thread count does not change the result beyond float round-off).
 */
public final class Trainer {
    private Trainer() {
    }

    /** Options of a training run. */
    public record Config(int epochs, int batchSize, long seed) {
        public Config {
            if (epochs < 1 || batchSize < 1) {
                throw new IllegalArgumentException("training: epochs and batch size must be >= 1 but were " + epochs
                        + " and " + batchSize);
            }
        }
    }

    /** What one optimisation step saw: the batch's logits (before the update) and its mean cross-entropy. */
    public record Step(Tensor logits, float loss) {
    }

    /**
     * One optimisation step on the batch (x, y), what {@link #fit} runs per batch: zeroes the gradients, runs the
     * forward pass in training mode (dropout drawn from {@code rng}, batch statistics), takes the mean
     * cross-entropy, back-propagates it to the parameters and lets the optimizer update them in place.
     */
    public static Step step(Model model, Optimizer optimizer, Tensor x, int[] y, SplittableRandom rng) {
        optimizer.zeroGrad();
        Variable logits = model.forward(Variable.constant(x), ForwardContext.training(rng));
        Variable loss = Ops.crossEntropy(logits, y);
        loss.backward();
        optimizer.step();
        return new Step(logits.value(), loss.value().item());
    }

    /** Trains {@code model} in place; evaluates on {@code test} after each epoch when it is not null. */
    public static List<EpochResult> fit(Model model, Dataset train, Dataset test, Optimizer optimizer, Config config,
                                        ProgressListener listener) {
        SplittableRandom rng = new SplittableRandom(config.seed());
        int n = train.size();
        int batches = (n + config.batchSize() - 1) / config.batchSize();
        List<EpochResult> results = new ArrayList<>();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            int[] order = permutation(n, rng);
            long start = System.nanoTime();
            double lossSum = 0;
            long correct = 0;
            int seen = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * config.batchSize();
                int to = Math.min(n, from + config.batchSize());
                Tensor x = train.images(order, from, to);
                int[] y = train.labels(order, from, to);
                Step step = step(model, optimizer, x, y, rng);
                lossSum += step.loss() * (to - from);
                correct += countCorrect(step.logits(), y);
                seen += to - from;
                listener.batch(epoch, b + 1, batches, lossSum / seen, correct / (double) seen, System.nanoTime() - start);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation eval = test == null ? null : evaluate(model, test, 500);
            EpochResult r = new EpochResult(epoch, lossSum / seen, correct / (double) seen, seconds, eval);
            results.add(r);
            listener.epoch(r);
        }
        return results;
    }

    /** Cross-entropy and accuracy in inference mode. */
    public static Evaluation evaluate(Model model, Dataset data, int batchSize) {
        int n = data.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double lossSum = 0;
        long correct = 0;
        try (GradMode.Scope s = GradMode.disabled()) {
            for (int from = 0; from < n; from += batchSize) {
                int to = Math.min(n, from + batchSize);
                Tensor logits = model.predict(data.images(order, from, to));
                int[] y = data.labels(order, from, to);
                lossSum += Ops.crossEntropy(Variable.constant(logits), y).value().item() * (to - from);
                correct += countCorrect(logits, y);
            }
        }
        return new Evaluation(lossSum / Math.max(1, n), correct / (double) Math.max(1, n), n);
    }

    private static int countCorrect(Tensor logits, int[] labels) {
        Tensor pred = logits.argmax(1);
        int c = 0;
        for (int i = 0; i < labels.length; i++) {
            if ((int) pred.getFlat(i) == labels[i]) {
                c++;
            }
        }
        return c;
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates) drawn from {@code rng}. */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
