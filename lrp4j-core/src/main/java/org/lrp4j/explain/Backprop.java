package org.lrp4j.explain;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.Lrp;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.DeconvReluGradient;
import org.lrp4j.lrp.rules.Gradient;
import org.lrp4j.lrp.rules.GuidedReluGradient;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * The backward passes of the gradient family, run by the {@link Lrp} engine with the {@link Gradient} rule on every
 * node (the vector-Jacobian product of the unmodified network, no canonizers); guided backprop and the deconvnet
 * only change the rule of the Relu nodes. The seed is any [N, classes] tensor: one_hot(target) differentiates the
 * target logit.
 */
final class Backprop {

    /** How Relu nodes pass the gradient back. */
    enum Relu {
        /** the true derivative, 1[x &gt; 0] (0 at exactly 0) */
        GRADIENT,
        /** guided backpropagation: max(g, 0) * 1[x &gt; 0] */
        GUIDED,
        /** deconvnet: max(g, 0) */
        DECONV
    }

    /** Model output, gradient at the input, and the gradient at the output of each kept node. */
    record Result(Tensor output, Tensor gradient, Map<String, Tensor> kept) {
    }

    private final Model model;
    private final Lrp lrp;

    Backprop(Model model, Relu relu) {
        this.model = model;
        Composite c = Composite.empty("gradient").withDefault(new Gradient());
        c = switch (relu) {
            case GRADIENT -> c;
            case GUIDED -> c.named("guided-backprop").with(Selector.opType("Relu"), new GuidedReluGradient());
            case DECONV -> c.named("deconvnet").with(Selector.opType("Relu"), new DeconvReluGradient());
        };
        this.lrp = new Lrp(model, c, List.of(), List.of());
    }

    /**
     * The gradient's backward pass with other rules at some nodes (by node name), e.g. the {@code Projection}s of
     * PatternNet and PatternAttribution at the Conv and Gemm nodes.
     */
    Backprop(Model model, String name, Map<String, Rule> nodeRules) {
        this.model = model;
        Composite c = Composite.empty(name).withDefault(new Gradient());
        for (Map.Entry<String, Rule> e : nodeRules.entrySet()) {
            c = c.with(Selector.name(e.getKey()), e.getValue());
        }
        this.lrp = new Lrp(model, c, List.of(), List.of());
    }

    Model model() {
        return model;
    }

    /** d(sum over rows of seed . output) / d input; {@code seed} maps the output [N, K] to the seed [N, K]. */
    Result run(Tensor input, UnaryOperator<Tensor> seed, Set<String> keep) {
        try (GradMode.Scope s = GradMode.disabled()) {
            Lrp.Result r = lrp.propagate(lrp.plan(), Variable.constant(input),
                    out -> Variable.constant(seed.apply(out.value())), keep, false);
            Map<String, Tensor> kept = new LinkedHashMap<>();
            r.tensorRelevance().forEach((k, v) -> kept.put(k, v.value()));
            return new Result(r.output().value(), r.inputRelevance().value(), kept);
        }
    }

    /** A result and the targets it was resolved for. */
    record Targeted(Result result, int[] targets) {
    }

    /**
     * The gradient of each row's target logit, the targets resolved on the output of this pass's own forward
     * trace (no forward pass just to find them).
     */
    Targeted run(Tensor input, Targets targets) {
        int[][] resolved = new int[1][];
        Result r = run(input, out -> {
            resolved[0] = targets.resolve(out);
            return oneHot(out.shape(), resolved[0]);
        }, Set.of());
        return new Targeted(r, resolved[0]);
    }

    /** The gradient of each row's target logit. */
    Result run(Tensor input, int[] targets) {
        return run(input, out -> oneHot(out.shape(), targets), Set.of());
    }

    /** The target logits in their slots, one_hot(targets) * output: LRP's seed, whose backward pass starts at y. */
    Result runFromLogits(Tensor input, int[] targets) {
        return run(input, out -> oneHot(out.shape(), targets).mul(out), Set.of());
    }

    /** one_hot(targets) with the shape of the model output [N, K]. */
    static Tensor oneHot(Shape outputShape, int[] targets) {
        int n = outputShape.dim(0);
        int k = outputShape.size() / Math.max(1, n);
        float[] v = new float[outputShape.size()];
        for (int i = 0; i < n; i++) {
            v[i * k + targets[i]] = 1f;
        }
        return Tensor.wrap(v, outputShape);
    }

    /** output[i, targets[i]] per row. */
    static double[] scores(Tensor output, int[] targets) {
        int n = output.dim(0);
        int k = output.size() / Math.max(1, n);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = output.getFlat(i * k + targets[i]);
        }
        return s;
    }

    /** Sum over everything but the batch axis, per row, in double. */
    static double[] rowSums(Tensor t) {
        int n = t.dim(0);
        int per = t.size() / Math.max(1, n);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int j = 0; j < per; j++) {
                acc += t.getFlat(i * per + j);
            }
            s[i] = acc;
        }
        return s;
    }
}
