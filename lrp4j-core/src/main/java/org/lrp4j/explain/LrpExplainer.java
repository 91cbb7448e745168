package org.lrp4j.explain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.Lrp;
import org.lrp4j.lrp.canonizers.Canonizer;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * Layer-wise relevance propagation behind the {@link Explainer} interface:
 * <pre>{@code
 * Explanation e = LrpExplainer.builder(model, Composites.epsilonPlusFlat())
 *         .rule("fc2", new Epsilon(0.25f))      // user rules apply after the composite, in order
 *         .keep("conv2")                        // also return the relevance at this node's output
 *         .build()
 *         .explain(images, Targets.predicted());
 * }</pre>
 * {@link #relevance} gives the differentiable form used to train with explanations.
 *
 * <p>{@link #explain} canonizes the model and derives the weight terms of the rules (w+, w-, ...) on first use and
 * reuses them for every later batch: build a new explainer after changing the model's weights.
 * {@link #relevance} always starts from the current weights.
 */
public final class LrpExplainer implements Explainer {
    private final Lrp lrp;
    private final boolean perNodeReport;
    private final OutputSeed seed;
    private final Tensor seedTensor;
    private final Set<String> keep;

    private LrpExplainer(Lrp lrp, OutputSeed seed, Tensor seedTensor, Set<String> keep, boolean perNodeReport) {
        this.lrp = lrp;
        this.seed = seed;
        this.seedTensor = seedTensor;
        this.keep = Set.copyOf(keep);
        this.perNodeReport = perNodeReport;
    }

    public static Builder builder(Model model, Composite composite) {
        return new Builder(model, composite);
    }

    /** The canonized model and the rule of each node, as {@link #explain} uses them (made when built). */
    public Lrp.Plan plan() {
        return lrp.plan();
    }

    @Override
    public Explanation explain(Tensor input, Targets targets) {
        try (GradMode.Scope s = GradMode.disabled()) {
            Lrp.Plan plan = lrp.plan();
            if (targets instanceof Targets.All) {
                return explainAll(plan, input);
            }
            int[][] resolved = new int[1][];
            Lrp.Result r = lrp.propagate(plan, Variable.constant(input), out -> {
                resolved[0] = targets.resolve(out.value());
                return seedFor(out, resolved[0]);
            }, keep, perNodeReport);
            return new Explanation(r.inputRelevance().value(), resolved[0], r.output().value(), values(r), r.report());
        }
    }

    private Explanation explainAll(Lrp.Plan plan, Tensor input) {
        int n = input.dim(0);
        Tensor logits = plan.model().predict(input.slice(0, Math.min(1, n)));
        int k = logits.size() / Math.max(1, logits.dim(0));
        int per = input.size() / Math.max(1, n);
        float[] rep = new float[n * k * per];
        int[] t = new int[n * k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                System.arraycopy(input.data(), input.offset() + i * per, rep, (i * k + c) * per, per);
                t[i * k + c] = c;
            }
        }
        int[] dims = input.dims();
        dims[0] = n * k;
        Lrp.Result r = lrp.propagate(plan, Variable.constant(Tensor.wrap(rep, dims)), out -> seedFor(out, t), keep,
                perNodeReport);
        int[] withClass = new int[input.rank() + 1];
        withClass[0] = n;
        withClass[1] = k;
        System.arraycopy(input.dims(), 1, withClass, 2, input.rank() - 1);
        return new Explanation(r.inputRelevance().value().reshape(withClass), t, r.output().value(), values(r),
                r.report());
    }

    /**
     * The input relevance as a differentiable variable: with grad mode on and the model's parameters requiring
     * gradients, a loss on it can be back-propagated to the weights.
     */
    public Variable relevance(Variable input, int[] targets) {
        Lrp.Plan plan = lrp.replan(); // the parameters' current values, differentiable when grad mode is on
        return lrp.propagate(plan, input, out -> seedFor(out, targets), Set.of(), false).inputRelevance();
    }

    private Variable seedFor(Variable output, int[] targets) {
        Shape s = output.shape();
        if (seedTensor != null) {
            if (!seedTensor.shape().equals(s)) {
                throw new org.lrp4j.tensor.TensorShapeException("LRP seed: the given output relevance must have the"
                        + " model output's shape " + s + " but has " + seedTensor.shape());
            }
            return Variable.constant(seedTensor);
        }
        int n = s.dim(0);
        int k = s.size() / Math.max(1, n);
        float[] onehot = new float[s.size()];
        for (int i = 0; i < n; i++) {
            onehot[i * k + targets[i]] = 1f;
        }
        Variable mask = Variable.constant(Tensor.wrap(onehot, s));
        return seed == OutputSeed.LOGIT ? Ops.mul(output, mask) : mask;
    }

    private static Map<String, Tensor> values(Lrp.Result r) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        r.tensorRelevance().forEach((k, v) -> m.put(k, v.value()));
        return m;
    }

    /** Options of an LRP explainer. */
    public static final class Builder {
        private final Model model;
        private final Composite composite;
        private final List<Composite.Entry> rules = new ArrayList<>();
        private List<Canonizer> canonizers = Canonizer.auto();
        private OutputSeed seed = OutputSeed.LOGIT;
        private Tensor seedTensor;
        private final java.util.Set<String> keep = new java.util.LinkedHashSet<>();
        private boolean perNodeReport;

        private Builder(Model model, Composite composite) {
            this.model = model;
            this.composite = composite;
        }

        /** A rule for the nodes {@code selector} picks (see {@link Selector#parse}); applied after the composite. */
        public Builder rule(String selector, Rule rule) {
            rules.add(new Composite.Entry(Selector.parse(selector, model), rule));
            return this;
        }

        public Builder rule(Selector selector, Rule rule) {
            rules.add(new Composite.Entry(selector, rule));
            return this;
        }

        /** The canonizers to apply (default: {@link Canonizer#auto()}); none for the raw graph. */
        public Builder canonizers(List<Canonizer> list) {
            this.canonizers = List.copyOf(list);
            return this;
        }

        public Builder seed(OutputSeed s) {
            this.seed = s;
            this.seedTensor = null;
            return this;
        }

        /**
         * Starts the backward pass from this relevance at the output (shape [N, classes], the model output's), e.g.
         * a contrastive seed; targets then only label the result.
         */
        public Builder seed(Tensor outputRelevance) {
            this.seedTensor = outputRelevance;
            return this;
        }

        /** Also return the relevance arriving at these nodes' outputs (or at the input, by its name). */
        public Builder keep(String... nodeNames) {
            keep.addAll(List.of(nodeNames));
            return this;
        }

        /**
         * List every node in the explanation's conservation report (relevance arriving, leaving, taken by bias
         * and stabilizer). Off by default: the totals at output and input are always there, the per-node sums
         * cost a pass over every relevance tensor.
         */
        public Builder perNodeReport(boolean on) {
            this.perNodeReport = on;
            return this;
        }

        public LrpExplainer build() {
            return new LrpExplainer(new Lrp(model, composite, canonizers, rules), seed, seedTensor, keep,
                    perNodeReport);
        }
    }
}
