package org.lrp4j.train;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.data.Dataset;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.Linear;
import org.lrp4j.lrp.EpsilonRelevance;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * Trains a student to imitate a teacher without labels: on the teacher's LRP-epsilon heatmaps (TEA, training with
 * explanations alone) or on its logits (logit distillation, the baseline).
 *
 * <p>TEA, per mini-batch: for each sample a class to explain, the teacher's top class with probability 1/2 and
 * otherwise a uniformly random other class (the same for teacher and student); an epsilon drawn log-uniformly in
 * [epsMin, epsMax] (0 gives gradient x input); both heatmaps by {@link EpsilonRelevance} (the teacher's a
 * constant, the student's differentiated through the propagation itself); the loss {@link TeaLoss}. The student's
 * last Gemm is a frozen copy of the teacher's ({@link #withTeacherHead}). Updates are SGD with momentum after
 * clipping the gradient's global L2 norm; after every epoch the loss on a validation split of the same training
 * distribution is measured and the parameters of the best epoch are kept.
 */
public final class Distillation {
    private Distillation() {
    }

    /** What the student imitates. */
    public enum Method {
        /** LRP-epsilon heatmaps ({@link TeaLoss}). */
        TEA,
        /** Logits, by mean squared error. */
        LOGIT
    }

    /** Options of a run. */
    public record Config(int epochs, int batchSize, float learningRate, float momentum, float clipNorm, float epsMin,
                         float epsMax, long seed) {
        public Config {
            if (epochs < 1 || batchSize < 1) {
                throw new IllegalArgumentException("distillation: epochs and batch size must be >= 1 but were "
                        + epochs + " and " + batchSize);
            }
            if (!(learningRate > 0) || momentum < 0 || !(clipNorm > 0)) {
                throw new IllegalArgumentException("distillation: learning rate and clip norm must be > 0 and momentum"
                        + " >= 0 but were " + learningRate + ", " + clipNorm + ", " + momentum);
            }
            if (!(epsMin >= 0) || !(epsMax >= epsMin) || Float.isInfinite(epsMax) || (epsMin == 0 && epsMax > 0)) {
                throw new IllegalArgumentException("distillation: the epsilon range must be 0 <= min <= max (log-uniform,"
                        + " so min = 0 only with max = 0) but was [" + epsMin + ", " + epsMax + "]");
            }
        }

        /** The defaults of TEA: epsilon in [0.01, 0.1], momentum 0.9, clip norm 1. */
        public static Config tea(int epochs, int batchSize, float learningRate, long seed) {
            return new Config(epochs, batchSize, learningRate, 0.9f, 1f, 0.01f, 0.1f, seed);
        }
    }

    /** Per epoch: training loss, agreement with the teacher's top class, validation loss; the kept epoch. */
    public record Result(List<EpochResult> epochs, int bestEpoch, double bestValidationLoss) {
    }

    /**
     * The student with its last Gemm replaced by a frozen copy of the teacher's last Gemm: directly when the
     * widths agree, else after a trainable adapter Gemm (student width to teacher width). The student must end in
     * a Gemm with as many outputs as the teacher has classes.
     */
    public static Model withTeacherHead(Model student, Model teacher) {
        Linear head = lastGemm(teacher, "teacher");
        Linear own = lastGemm(student, "student");
        if (own.outFeatures() != head.outFeatures()) {
            throw new IllegalArgumentException("the student '" + student.name() + "' has " + own.outFeatures()
                    + " classes but the teacher '" + teacher.name() + "' has " + head.outFeatures());
        }
        Linear frozen = new Linear(Variable.constant(head.weight().value().copy()),
                head.bias() == null ? null : Variable.constant(head.bias().value().copy()));
        List<Node> nodes = new ArrayList<>(student.nodes());
        Node last = nodes.remove(nodes.size() - 1);
        if (own.inFeatures() == head.inFeatures()) {
            nodes.add(last.withLayer(frozen));
        } else {
            Linear adapter = Linear.of(own.inFeatures(), head.inFeatures(),
                    new SplittableRandom(own.inFeatures() * 31L + head.inFeatures()));
            String mid = last.name() + ".adapter";
            nodes.add(new Node(mid, adapter, last.inputs(), mid));
            nodes.add(new Node(last.name(), frozen, List.of(mid), last.output()));
        }
        return student.withNodes(nodes, student.outputs());
    }

    /**
     * The model without the biases of its trainable Conv and Gemm layers (a frozen layer keeps its bias). LRP-epsilon
     * absorbs what biases add to a score, so heatmaps hardly constrain them: a student trained on heatmaps alone
     * can shift its scores through its biases without changing its heatmaps. Without biases (and epsilon near 0) a
     * ReLU network's heatmap sums to the explained score, which ties the heatmap to the score.
     */
    public static Model withoutBiases(Model m) {
        return m.mapNodes(n -> {
            if (n.layer() instanceof Linear l && l.bias() != null && l.bias().requiresGrad()) {
                return n.withLayer(new Linear(l.weight(), null));
            }
            if (n.layer() instanceof org.lrp4j.layers.Conv2d c && c.bias() != null && c.bias().requiresGrad()) {
                return n.withLayer(new org.lrp4j.layers.Conv2d(c.spec(), c.weight(), null));
            }
            return n;
        });
    }

    private static Linear lastGemm(Model m, String role) {
        List<Node> nodes = m.nodes();
        Node last = nodes.isEmpty() ? null : nodes.get(nodes.size() - 1);
        if (last == null || !(last.layer() instanceof Linear l) || !m.outputs().equals(List.of(last.output()))) {
            throw new IllegalArgumentException("the " + role + " '" + m.name() + "' must end in a Gemm that gives its"
                    + " output (class scores)");
        }
        return l;
    }

    /** The parameters a student trains: those that require gradients (not the frozen head). */
    public static List<Variable> trainable(Model student) {
        return student.parameters().stream().filter(Variable::requiresGrad).toList();
    }

    /**
     * The model must take samples of the data's shape and give as many class scores as the data has classes;
     * otherwise one line naming both.
     */
    public static void requireFits(Model m, String role, Dataset data) {
        Shape want = data.sampleShape();
        Shape has = m.inputs().size() == 1 ? m.inputs().get(0).sampleShape() : null;
        boolean ok = has == null || has.rank() == want.rank();
        for (int i = 0; ok && has != null && i < has.rank(); i++) {
            ok = has.dim(i) < 0 || has.dim(i) == want.dim(i);
        }
        if (!ok) {
            throw new IllegalArgumentException("the " + role + " '" + m.name() + "' takes inputs " + has + " but the "
                    + data.name() + " images are " + want + " (a colour-biased teacher is trained with --bias"
                    + " colour:random, a watermark one with --bias watermark:none)");
        }
        int classes;
        try (GradMode.Scope s = GradMode.disabled()) {
            classes = m.predict(data.images().slice(0, 1)).dim(1);
        }
        if (classes != data.classNames().size()) {
            throw new IllegalArgumentException("the " + role + " '" + m.name() + "' gives " + classes
                    + " class scores but " + data.name() + " has " + data.classNames().size() + " classes");
        }
    }

    /** Trains {@code student} in place (its parameters of the best validation epoch at the end). */
    public static Result fit(Method method, Model teacher, Model student, Dataset train, Dataset validation,
                             Config config, ProgressListener listener) {
        requireFits(teacher, "teacher", train);
        requireFits(student, "student", train);
        if (method == Method.TEA) {
            EpsilonRelevance.requireSupported(teacher);
            EpsilonRelevance.requireSupported(student);
        }
        List<Variable> params = trainable(student);
        Sgd sgd = new Sgd(params, config.learningRate(), config.momentum(), 0f);
        SplittableRandom rng = new SplittableRandom(config.seed());
        int n = train.size();
        int batches = (n + config.batchSize() - 1) / config.batchSize();
        List<EpochResult> epochs = new ArrayList<>();
        Map<String, Tensor> best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            int[] order = Trainer.permutation(n, rng);
            long start = System.nanoTime();
            double lossSum = 0;
            long agree = 0;
            int seen = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * config.batchSize();
                int to = Math.min(n, from + config.batchSize());
                Tensor x = train.images(order, from, to);
                sgd.zeroGrad();
                Step step = step(method, teacher, student, x, config, rng);
                step.loss().backward();
                clip(params, config.clipNorm());
                sgd.step();
                lossSum += step.loss().value().item() * (to - from);
                agree += step.agreement();
                seen += to - from;
                listener.batch(epoch, b + 1, batches, lossSum / seen, agree / (double) seen, System.nanoTime() - start);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation val = validate(method, teacher, student, validation, config);
            EpochResult r = new EpochResult(epoch, lossSum / seen, agree / (double) seen, seconds, val);
            epochs.add(r);
            if (val.loss() < bestLoss) {
                bestLoss = val.loss();
                bestEpoch = epoch;
                best = snapshot(student);
            }
            listener.epoch(r);
        }
        if (best == null) {
            throw new IllegalStateException("training the student diverged: the validation loss is "
                    + epochs.get(epochs.size() - 1).test().loss() + " after every epoch; lower the learning rate");
        }
        student.loadState(best);
        return new Result(epochs, bestEpoch, bestLoss);
    }

    /** One batch's loss (recorded) and how many samples the student's top class agrees with the teacher's. */
    private record Step(Variable loss, int agreement) {
    }

    private static Step step(Method method, Model teacher, Model student, Tensor x, Config config,
                             SplittableRandom rng) {
        Tensor teacherLogits = teacher.predict(x);
        int[] top = topClasses(teacherLogits);
        if (method == Method.LOGIT) {
            Variable logits = student.forward(Variable.constant(x), org.lrp4j.layers.ForwardContext.inference());
            return new Step(Ops.mse(logits, Variable.constant(teacherLogits)), agreement(logits.value(), top));
        }
        int classes = teacherLogits.dim(1);
        int[] targets = explainedClasses(top, classes, rng);
        float[] eps = epsilons(x.dim(0), config.epsMin(), config.epsMax(), rng);
        Tensor th;
        try (GradMode.Scope s = GradMode.disabled()) {
            th = EpsilonRelevance.relevance(teacher, Variable.constant(x), targets, eps).relevance().value();
        }
        EpsilonRelevance.Result sr = EpsilonRelevance.relevance(student, Variable.constant(x), targets, eps);
        return new Step(TeaLoss.of(sr.relevance(), th), agreement(sr.logits().value(), top));
    }

    /** Per sample: the teacher's top class with probability 1/2, else a uniformly random other class. */
    public static int[] explainedClasses(int[] top, int classes, SplittableRandom rng) {
        int[] out = new int[top.length];
        for (int i = 0; i < top.length; i++) {
            out[i] = rng.nextBoolean() ? top[i] : (top[i] + 1 + rng.nextInt(classes - 1)) % classes;
        }
        return out;
    }

    /** Log-uniform in [min, max]; all zero when max is 0. */
    public static float[] epsilons(int n, float min, float max, SplittableRandom rng) {
        float[] e = new float[n];
        if (max == 0f) {
            return e;
        }
        double lo = Math.log(min);
        double hi = Math.log(max);
        for (int i = 0; i < n; i++) {
            e[i] = (float) Math.exp(lo + (hi - lo) * rng.nextDouble());
        }
        return e;
    }

    /** Validation loss and agreement, with a fixed seed so that epochs are compared on the same draws. */
    public static Evaluation validate(Method method, Model teacher, Model student, Dataset data, Config config) {
        SplittableRandom rng = new SplittableRandom(config.seed() ^ 0x7EA7EA7EAL);
        int n = data.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double lossSum = 0;
        long agree = 0;
        try (GradMode.Scope s = GradMode.disabled()) {
            for (int from = 0; from < n; from += config.batchSize()) {
                int to = Math.min(n, from + config.batchSize());
                Step step = step(method, teacher, student, data.images(order, from, to), config, rng);
                lossSum += step.loss().value().item() * (to - from);
                agree += step.agreement();
            }
        }
        return new Evaluation(lossSum / Math.max(1, n), agree / (double) Math.max(1, n), n);
    }

    /** The index of the largest score of each row of [N, classes]. */
    public static int[] topClasses(Tensor logits) {
        Tensor a = logits.argmax(1);
        int[] out = new int[logits.dim(0)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) a.getFlat(i);
        }
        return out;
    }

    private static int agreement(Tensor logits, int[] top) {
        int[] pred = topClasses(logits);
        int c = 0;
        for (int i = 0; i < top.length; i++) {
            c += pred[i] == top[i] ? 1 : 0;
        }
        return c;
    }

    /** Scales all gradients by min(1, maxNorm / ||g||) with ||g|| the L2 norm over every parameter. */
    public static double clip(List<Variable> params, float maxNorm) {
        double sq = 0;
        for (Variable p : params) {
            if (p.hasGrad()) {
                Tensor g = p.grad();
                float[] d = g.data();
                for (int i = g.offset(), end = g.offset() + g.size(); i < end; i++) {
                    sq += (double) d[i] * d[i];
                }
            }
        }
        double norm = Math.sqrt(sq);
        if (norm > maxNorm) {
            float f = (float) (maxNorm / norm);
            Map<Tensor, Boolean> done = new IdentityHashMap<>();
            for (Variable p : params) {
                if (p.hasGrad() && done.put(p.grad(), Boolean.TRUE) == null) {
                    p.grad().mulInPlace(f);
                }
            }
        }
        return norm;
    }

    private static Map<String, Tensor> snapshot(Model m) {
        Map<String, Tensor> s = new LinkedHashMap<>();
        m.state().forEach((k, v) -> s.put(k, v.copy()));
        return s;
    }
}
