package org.lrp4j.lrp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.GraphException;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.graph.Trace;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.lrp.canonizers.Canonized;
import org.lrp4j.lrp.canonizers.Canonizer;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.rules.BiasLedger;
import org.lrp4j.lrp.rules.DerivedWeights;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.lrp.rules.RuleContext;
import org.lrp4j.tensor.Tensor;

/**
 * Layer-wise relevance propagation through a model graph. The model is canonized, every node gets its rule
 * (composite, then the canonizers' rules, then the user's rules), the forward pass is traced, and relevance
 * flows from the output seed back through the nodes in reverse graph order; a tensor read by several nodes sums
 * the relevance they send it. Everything is computed with differentiable ops: with grad mode on, the input
 * relevance is a differentiable function of the model's parameters.
 */
public final class Lrp {

    /** The canonized model and the rule of each of its nodes. */
    public record Plan(Model model, Map<String, Rule> rules, List<String> notes, DerivedWeights derived) {
    }

    /** The outcome of one propagation. */
    public record Result(Variable output, Variable inputRelevance, Map<String, Variable> tensorRelevance,
                         ConservationReport report) {
    }

    private final Model model;
    private final Composite composite;
    private final List<Composite.Entry> userRules;
    private final List<Canonizer> canonizers;
    private final Plan plan;

    /**
     * Plans once, here: canonizes the model with its parameter values as they are now and assigns the rules (so a
     * selector that matches nothing fails at once). Build a new {@code Lrp} after changing the parameters, or use
     * {@link #replan} (what differentiable relevance for training does).
     */
    public Lrp(Model model, Composite composite, List<Canonizer> canonizers, List<Composite.Entry> userRules) {
        this.model = model;
        this.composite = composite;
        this.canonizers = List.copyOf(canonizers);
        this.userRules = List.copyOf(userRules);
        try (GradMode.Scope off = GradMode.disabled()) {
            this.plan = replan();
        }
    }

    public Model model() {
        return model;
    }

    /** The canonized model and every node's rule, made once when this engine was built. */
    public Plan plan() {
        return plan;
    }

    /**
     * A new plan from the parameters' current values: canonizes the model and assigns every node its rule. With grad
     * mode on, canonized weights (e.g. BatchNorm merged into a Conv) stay differentiable functions of the parameters.
     */
    public Plan replan() {
        Canonized c = Canonizer.applyAll(canonizers, Canonized.of(model));
        Model m = c.model();
        Map<String, Rule> rules = new LinkedHashMap<>(composite.assignCovered(m));
        rules.putAll(c.rules());
        for (Composite.Entry e : userRules) {
            boolean any = false;
            for (Node n : m.nodes()) {
                if (e.selector().matches(n, m)) {
                    rules.put(n.name(), e.rule());
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalArgumentException("rule selector '" + e.selector().describe() + "' matches no node of"
                        + " model '" + m.name() + "'; nodes: " + m.nodes().stream().map(n -> n.name() + " ("
                        + n.opType() + ")").toList());
            }
        }
        {
            List<String> missing = new ArrayList<>();
            for (Node n : m.nodes()) {
                if (!rules.containsKey(n.name())) {
                    missing.add("'" + n.name() + "' (" + n.opType() + ")");
                }
            }
            if (!missing.isEmpty()) {
                throw new GraphException("composite " + composite.name() + " gives no rule to node"
                        + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                        + "; add a rule for them (e.g. --rule NODE=gradient) or choose a default rule");
            }
        }
        Map<String, Rule> ordered = new LinkedHashMap<>();
        for (Node n : m.nodes()) {
            ordered.put(n.name(), rules.get(n.name()));
        }
        return new Plan(m, ordered, c.notes(), DerivedWeights.cached());
    }

    /** The nodes whose output only ReLU nodes read (see {@link RuleContext#rectified}). */
    private static Set<String> rectified(Model m) {
        Set<String> out = new java.util.HashSet<>();
        for (Node n : m.nodes()) {
            List<Node> readers = m.consumers(n.output());
            if (!readers.isEmpty() && !m.outputs().contains(n.output())
                    && readers.stream().allMatch(r -> r.opType().equals("Relu"))) {
                out.add(n.name());
            }
        }
        return out;
    }

    /**
     * Propagates {@code seed(output)} from the model output back to the input.
     *
     * @param keep names of tensors (node outputs or the input) whose relevance to keep in the result
     * @param perNode whether the conservation report lists every node (what arrived, what left, what the bias
     *                took); without it the report has the totals at output and input only, and the per-node sums,
     *                passes over every relevance tensor (about 10% of the time on small images), are skipped
     */
    public Result propagate(Plan plan, Variable input, java.util.function.Function<Variable, Variable> seed,
                            Set<String> keep, boolean perNode) {
        Model m = plan.model();
        Map<String, Map<String, Variable>> kept = new HashMap<>();
        Set<String> rectified = rectified(m);
        Trace trace = m.trace(Map.of(m.inputs().get(0).name(), input), ForwardContext.inference(), (node, args) -> {
            Map<String, Variable> terms = new HashMap<>();
            Variable out = plan.rules().get(node.name()).forward(new RuleContext(node, args, null, null,
                    BiasLedger.ignoring(), plan.derived(), terms, rectified.contains(node.name())));
            if (out != null) {
                kept.put(node.name(), terms);
            }
            return out;
        });
        Variable output = trace.output();
        Variable start = seed.apply(output);
        Map<String, Variable> relevance = new HashMap<>();
        relevance.put(m.outputs().get(0), start);
        Map<String, Variable> keptRelevance = new LinkedHashMap<>();
        List<NodeRelevance> report = new ArrayList<>();
        List<Node> nodes = m.nodes();
        for (int k = nodes.size() - 1; k >= 0; k--) {
            Node node = nodes.get(k);
            Variable r = relevance.remove(node.output());
            if (r == null) {
                continue;
            }
            if (keep.contains(node.output()) || keep.contains(node.name())) {
                keptRelevance.put(node.name(), r);
            }
            Rule rule = plan.rules().get(node.name());
            List<Variable> inputs = trace.inputs(node);
            List<Variable> back;
            BiasLedger ledger = perNode ? new BiasLedger() : BiasLedger.ignoring();
            try {
                back = rule.propagate(new RuleContext(node, inputs, trace.output(node), r, ledger, plan.derived(),
                        kept.getOrDefault(node.name(), Map.of()), rectified.contains(node.name())));
            } catch (IllegalArgumentException e) {
                throw new GraphException("LRP at node '" + node.name() + "' (" + node.opType() + ") with rule "
                        + rule.describe() + ": " + e.getMessage(), e);
            }
            double[] out = perNode ? perImageSum(r.value()) : null;
            double[] in = new double[input.shape().dim(0)];
            for (int i = 0; i < back.size(); i++) {
                Variable b = back.get(i);
                if (b == null) {
                    continue;
                }
                if (perNode) {
                    // a rule that passes relevance on as a view (pass, reshape) sends exactly what arrived
                    boolean view = b.value().data() == r.value().data() && b.value().offset() == r.value().offset()
                            && b.value().size() == r.value().size();
                    add(in, view ? out : perImageSum(b.value()));
                }
                relevance.merge(node.inputs().get(i), b, Ops::add);
            }
            if (perNode) {
                report.add(new NodeRelevance(node.name(), node.opType(), rule.describe(), out, in,
                        ledger.perImage()));
            }
        }
        String inputName = m.inputs().get(0).name();
        Variable inputRelevance = relevance.get(inputName);
        if (inputRelevance == null) {
            inputRelevance = Variable.constant(Tensor.zeros(input.shape()));
        }
        if (keep.contains(inputName)) {
            keptRelevance.put(inputName, inputRelevance);
        }
        java.util.Collections.reverse(report);
        ConservationReport cr = new ConservationReport(perImageSum(start.value()), perImageSum(inputRelevance.value()),
                report, plan.notes());
        return new Result(output, inputRelevance, keptRelevance, cr);
    }

    private static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    /**
     * Sum over everything but the batch axis, in double: each image cut into segments of at least 64k values, all
     * segments in parallel (so a single large image uses every thread too), four accumulators per segment.
     */
    static double[] perImageSum(Tensor t) {
        int n = t.dim(0);
        int per = t.size() / Math.max(1, n);
        int segments = Math.max(1, Math.min(16, per / (1 << 16)));
        double[] partial = new double[n * segments];
        float[] d = t.data();
        int off = t.offset();
        org.lrp4j.tensor.kernel.Parallel.range(n * segments, 1, (from, to) -> {
            for (int k = from; k < to; k++) {
                int img = k / segments;
                int seg = k % segments;
                int base = off + img * per;
                int j = (int) ((long) per * seg / segments);
                int end = (int) ((long) per * (seg + 1) / segments);
                double a0 = 0;
                double a1 = 0;
                double a2 = 0;
                double a3 = 0;
                for (; j + 3 < end; j += 4) {
                    a0 += d[base + j];
                    a1 += d[base + j + 1];
                    a2 += d[base + j + 2];
                    a3 += d[base + j + 3];
                }
                for (; j < end; j++) {
                    a0 += d[base + j];
                }
                partial[k] = (a0 + a1) + (a2 + a3);
            }
        });
        double[] s = new double[n];
        for (int k = 0; k < partial.length; k++) {
            s[k / segments] += partial[k];
        }
        return s;
    }
}
