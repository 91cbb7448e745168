package org.lrp4j.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.graph.Trace;
import org.lrp4j.layers.Clip;
import org.lrp4j.lrp.Lrp;
import org.lrp4j.lrp.canonizers.Canonized;
import org.lrp4j.lrp.canonizers.Canonizer;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.Affine;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.lrp.rules.WSquare;
import org.lrp4j.lrp.rules.ZBox;
import org.lrp4j.lrp.rules.ZPlus;
import org.lrp4j.lrp.rules.Zero;
import org.lrp4j.tensor.Tensor;

/**
 * Deep Taylor Decomposition (Montavon et al. 2017; seed 003) as an LRP plan. Each Conv/Gemm neuron's relevance
 * is expanded at a root point found along a search direction v, which gives R_i = v_ij w_ij / sum_i v_ij w_ij R_j:
 * <ul>
 *   <li>{@link Direction#NEAREST} v = w, the nearest root in an unbounded domain: the w^2 rule ({@code wsquare});</li>
 *   <li>{@link Direction#ORIGIN} v = a, towards the origin: LRP-0 ({@code zero});</li>
 *   <li>{@link Direction#POSITIVE} v = a * 1[w &gt; 0], the only one that keeps a non-negative (ReLU) input in
 *       its domain: the z+ rule ({@code zplus});</li>
 *   <li>{@link Direction#BOX} v = (a - l) 1[w &gt; 0] + (a - h) 1[w &lt; 0], inside a box [l, h]: the z^B rule
 *       ({@code zbox}).</li>
 * </ul>
 * The direction of each layer is chosen by the domain of its input, as iNNvestigate's DeepTaylor and
 * BoundedDeepTaylor do: the graph input is a box when bounds are given (BOX), else the declared input domain
 * (unbounded by default: NEAREST, or non-negative: POSITIVE); the output of a Relu (and of max/average pooling,
 * reshapes, LRN (which keeps the sign of its input), Clip with min &gt;= 0, Sigmoid, Softmax of such tensors) is
 * non-negative: POSITIVE; anything else is unbounded: NEAREST. LRN nodes take the first-order Taylor rule
 * ({@code taylor}) as in every LRP preset. {@link Builder#direction} overrides the choice. The choice of every layer is written into
 * the conservation report (one {@code deep-taylor:} line per Conv/Gemm node, and the node's rule), and
 * {@link #choices()} returns it. BatchNorm is merged first ({@link Canonizer#auto()}); ReLU passes relevance,
 * max pooling routes it to the maximum, as in the LRP presets. The output seed is the target logit.
 * {@link #rootPoints} is the diagnostic mode: for chosen neurons it returns the root point and checks it.
 */
public final class DeepTaylor implements Explainer {

    /** The root search direction of a layer. */
    public enum Direction {
        NEAREST("nearest root, v = w (w^2 rule)"),
        ORIGIN("origin, v = a (LRP-0)"),
        POSITIVE("positive-weight direction, v = a * 1[w > 0] (z+ rule)"),
        BOX("bounded box, v = (a - l) 1[w > 0] + (a - h) 1[w < 0] (z^B rule)");

        private final String text;

        Direction(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        public static Direction parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "nearest", "w2", "wsquare" -> NEAREST;
                case "origin", "zero", "lrp0" -> ORIGIN;
                case "positive", "zplus", "z+" -> POSITIVE;
                case "box", "zbox", "bounded" -> BOX;
                default -> throw new IllegalArgumentException("deep-taylor direction '" + s
                        + "' must be nearest, origin, positive or box");
            };
        }
    }

    /** The domain of a layer's input. */
    public enum Domain {
        UNBOUNDED, NON_NEGATIVE, BOX;

        String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The choice for one Conv/Gemm node of the canonized model. */
    public record Choice(String node, String opType, Domain domain, Direction direction, Rule rule,
                         boolean overridden) {
        public String describe() {
            return "deep-taylor: " + node + " (" + opType + "): input domain " + domain.text() + " -> "
                    + direction.text() + (overridden ? " [chosen by the user]" : "") + ": " + rule.describe();
        }
    }

    /** A neuron to diagnose: a Conv/Gemm node, the flat index of the unit in one image's output, the image. */
    public record Neuron(String node, int unit, int image) {
    }

    /**
     * The root point of one neuron: a~ = a - t v on the line from the layer input a along the search direction v,
     * with t = z_j(a) / (v . w_j) so that the pre-activation z_j (with bias) vanishes there. {@code inDomain} says
     * whether a~ lies in the layer's input domain (tolerance 1e-5 relative), {@code rootIsZero} whether the
     * pre-activation recomputed at a~ is ~0 (|z_j(a~)| &lt;= 1e-4 max(1, |z_j(a)|)). t is NaN (and a~ = a) when
     * v . w_j = 0: no root along the direction.
     */
    public record RootPoint(Neuron neuron, Domain domain, Direction direction, Tensor input, Tensor root, double t,
                            double preActivationAtInput, double preActivationAtRoot, boolean inDomain,
                            boolean rootIsZero) {
        public String format() {
            return String.format(Locale.ROOT, "%s unit %d image %d: %s, domain %s, t = %.6g, z(a) = %.6g,"
                            + " z(root) = %.3g, root in domain: %s, pre-activation ~0: %s", neuron.node(),
                    neuron.unit(), neuron.image(), direction.name().toLowerCase(Locale.ROOT), domain.text(), t,
                    preActivationAtInput, preActivationAtRoot, inDomain, rootIsZero);
        }
    }

    private final Model model;
    private final LrpExplainer lrp;
    private final Tensor low;
    private final Tensor high;
    private final Domain inputDomain;
    private final Map<String, Direction> overrides;

    private DeepTaylor(Builder b) {
        this.model = b.model;
        this.low = b.low;
        this.high = b.high;
        this.inputDomain = b.low != null ? Domain.BOX : b.inputDomain;
        this.overrides = new LinkedHashMap<>();
        Canonized c = Canonizer.applyAll(Canonizer.auto(), Canonized.of(model));
        for (Map.Entry<String, Direction> e : b.directions) {
            Selector s = Selector.parse(e.getKey(), c.model());
            boolean any = false;
            for (Node n : c.model().nodes()) {
                if (Selector.weighted(n) && s.matches(n, c.model())) {
                    overrides.put(n.name(), e.getValue());
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalArgumentException("deep-taylor: selector '" + e.getKey() + "' matches no Conv or Gemm"
                        + " node; nodes: " + c.model().nodes().stream().map(n -> n.name() + " (" + n.opType() + ")")
                        .toList());
            }
            if (e.getValue() == Direction.BOX && low == null) {
                throw new IllegalArgumentException("deep-taylor: the box direction needs the input bounds (low, high)");
            }
        }
        List<Canonizer> canonizers = new ArrayList<>(Canonizer.auto());
        canonizers.add(new DomainRules());
        this.lrp = LrpExplainer.builder(model, Composites.structural().named("deep-taylor")).canonizers(canonizers)
                .seed(b.seed).perNodeReport(true).build();
    }

    public static Builder builder(Model model) {
        return new Builder(model);
    }

    /** The plain DeepTaylor: unbounded input, z+ after ReLU. */
    public static DeepTaylor of(Model model) {
        return builder(model).build();
    }

    /** BoundedDeepTaylor: input in the box [low, high] (scalars, per channel or full tensors). */
    public static DeepTaylor bounded(Model model, Tensor low, Tensor high) {
        return builder(model).bounds(low, high).build();
    }

    @Override
    public Explanation explain(Tensor input, Targets targets) {
        return lrp.explain(input, targets);
    }

    /** The LRP plan: the canonized model and the rule of each node. */
    public Lrp.Plan plan() {
        return lrp.plan();
    }

    /** The direction chosen for every Conv/Gemm node, in graph order. */
    public List<Choice> choices() {
        return choose(lrp.plan().model());
    }

    /** The diagnostic mode: the root point of each neuron and its checks. */
    public List<RootPoint> rootPoints(Tensor input, List<Neuron> neurons) {
        Model m = lrp.plan().model();
        Map<String, Choice> byNode = new HashMap<>();
        for (Choice c : choose(m)) {
            byNode.put(c.node(), c);
        }
        List<RootPoint> out = new ArrayList<>();
        try (GradMode.Scope s = GradMode.disabled()) {
            Map<Integer, Trace> traces = new HashMap<>();
            for (Neuron nr : neurons) {
                Choice c = byNode.get(nr.node());
                if (c == null) {
                    throw new IllegalArgumentException("deep-taylor: '" + nr.node() + "' is not a Conv or Gemm node;"
                            + " choose one of " + byNode.keySet());
                }
                if (nr.image() < 0 || nr.image() >= input.dim(0)) {
                    throw new IllegalArgumentException("deep-taylor: image " + nr.image() + " is out of range (the"
                            + " input has " + input.dim(0) + ")");
                }
                Trace t = traces.computeIfAbsent(nr.image(),
                        i -> m.trace(Variable.constant(input.slice(i, i + 1))));
                out.add(root(m.node(nr.node()), t, nr, c));
            }
        }
        return out;
    }

    private RootPoint root(Node node, Trace trace, Neuron nr, Choice c) {
        Affine aff = Affine.of(node, "deep-taylor");
        Variable a = trace.inputs(node).get(0);
        Tensor z = trace.output(node).value();
        if (nr.unit() < 0 || nr.unit() >= z.size()) {
            throw new IllegalArgumentException("deep-taylor: unit " + nr.unit() + " is out of range for node '"
                    + node.name() + "' with output " + z.shape());
        }
        Tensor onehot = Tensor.zeros(z.shape());
        onehot.setFlat(nr.unit(), 1f);
        Tensor g = aff.transpose(Variable.constant(onehot), aff.weight(), a.shape()).value();
        Tensor av = a.value();
        Tensor gp = g.gt(0f);
        Tensor gn = g.lt(0f);
        Tensor v = switch (c.direction()) {
            case NEAREST -> g;
            case ORIGIN -> av.mul(gp.add(gn));
            case POSITIVE -> av.mul(gp);
            case BOX -> av.sub(low.broadcastTo(av.shape())).mul(gp).add(av.sub(high.broadcastTo(av.shape())).mul(gn));
        };
        double denom = 0;
        for (int i = 0; i < v.size(); i++) {
            denom += (double) v.getFlat(i) * g.getFlat(i);
        }
        double zj = z.getFlat(nr.unit());
        double t = denom == 0 ? Double.NaN : zj / denom;
        Tensor root = Double.isNaN(t) ? av.copy() : av.sub(v.mul((float) t));
        double zr = aff.forward(Variable.constant(root), aff.weight(), aff.bias()).value().getFlat(nr.unit());
        boolean in = switch (c.domain()) {
            case UNBOUNDED -> true;
            case NON_NEGATIVE -> root.min().item() >= -1e-5 * Math.max(1, av.abs().max().item());
            case BOX -> inBox(root, av);
        };
        return new RootPoint(nr, c.domain(), c.direction(), av.reshape(sampleDims(av)), root.reshape(sampleDims(av)),
                t, zj, zr, in && !Double.isNaN(t), Math.abs(zr) <= 1e-4 * Math.max(1, Math.abs(zj)));
    }

    private boolean inBox(Tensor root, Tensor a) {
        Tensor l = low.broadcastTo(a.shape());
        Tensor h = high.broadcastTo(a.shape());
        for (int i = 0; i < root.size(); i++) {
            double tol = 1e-5 * Math.max(1, Math.max(Math.abs(l.getFlat(i)), Math.abs(h.getFlat(i))));
            if (root.getFlat(i) < l.getFlat(i) - tol || root.getFlat(i) > h.getFlat(i) + tol) {
                return false;
            }
        }
        return true;
    }

    private static int[] sampleDims(Tensor t) {
        return java.util.Arrays.copyOfRange(t.dims(), 1, t.rank());
    }

    /** The choice for every Conv/Gemm node of a (canonized) model. */
    private List<Choice> choose(Model m) {
        Map<String, Domain> memo = new HashMap<>();
        List<Choice> out = new ArrayList<>();
        for (Node n : m.nodes()) {
            if (!Selector.weighted(n)) {
                continue;
            }
            Domain d = domain(m, n.inputs().get(0), memo);
            Direction dir = overrides.get(n.name());
            boolean overridden = dir != null;
            if (dir == null) {
                dir = switch (d) {
                    case UNBOUNDED -> Direction.NEAREST;
                    case NON_NEGATIVE -> Direction.POSITIVE;
                    case BOX -> Direction.BOX;
                };
            }
            Rule rule = switch (dir) {
                case NEAREST -> new WSquare();
                case ORIGIN -> new Zero();
                case POSITIVE -> new ZPlus();
                case BOX -> new ZBox(low, high, Rule.DEFAULT_EPSILON);
            };
            out.add(new Choice(n.name(), n.opType(), d, dir, rule, overridden));
        }
        return out;
    }

    private Domain domain(Model m, String tensor, Map<String, Domain> memo) {
        Domain known = memo.get(tensor);
        if (known != null) {
            return known;
        }
        Optional<Node> p = m.producer(tensor);
        Domain d;
        if (p.isEmpty()) {
            d = inputDomain;
        } else {
            Node n = p.get();
            if (n.layer().role().keepsSign()) {
                // reshapes, pooling and LRN (a positive divisor) keep the sign, and so the domain, of their input
                d = domain(m, n.inputs().get(0), memo);
            } else {
                d = switch (n.opType()) {
                    case "Relu", "Sigmoid", "Softmax" -> Domain.NON_NEGATIVE;
                    case "Clip" -> ((Clip) n.layer()).min() >= 0 ? Domain.NON_NEGATIVE : Domain.UNBOUNDED;
                    case "Pad", "Add", "Concat" -> {
                        boolean all = true;
                        for (String in : n.inputs()) {
                            all &= domain(m, in, memo) == Domain.NON_NEGATIVE;
                        }
                        yield all ? Domain.NON_NEGATIVE : Domain.UNBOUNDED;
                    }
                    default -> Domain.UNBOUNDED;
                };
            }
        }
        memo.put(tensor, d);
        return d;
    }

    /** Assigns the chosen rule to every Conv/Gemm node of the canonized model and notes the choice. */
    private final class DomainRules implements Canonizer {
        @Override
        public Canonized apply(Canonized in) {
            Map<String, Rule> rules = new LinkedHashMap<>(in.rules());
            List<String> notes = new ArrayList<>(in.notes());
            for (Choice c : choose(in.model())) {
                rules.put(c.node(), c.rule());
                notes.add(c.describe());
            }
            return new Canonized(in.model(), rules, notes);
        }

        @Override
        public String name() {
            return "deep-taylor-domains";
        }
    }

    /** Options of Deep Taylor Decomposition. */
    public static final class Builder {
        private final Model model;
        private Tensor low;
        private Tensor high;
        private Domain inputDomain = Domain.UNBOUNDED;
        private OutputSeed seed = OutputSeed.LOGIT;
        private final List<Map.Entry<String, Direction>> directions = new ArrayList<>();

        private Builder(Model model) {
            this.model = model;
        }

        /** The input lies in the box [low, high]: the first layer takes the z^B rule. */
        public Builder bounds(Tensor low, Tensor high) {
            if ((low == null) != (high == null)) {
                throw new IllegalArgumentException("deep-taylor: give both bounds or neither");
            }
            if (low != null) {
                Tensor gap = high.sub(low);
                if (gap.min().item() <= 0) {
                    throw new IllegalArgumentException("deep-taylor: low must be below high");
                }
            }
            this.low = low;
            this.high = high;
            return this;
        }

        /** The domain of the graph input when no bounds are given (default unbounded; non-negative for pixels). */
        public Builder inputDomain(Domain d) {
            if (d == Domain.BOX) {
                throw new IllegalArgumentException("deep-taylor: a box input domain is set with bounds(low, high)");
            }
            this.inputDomain = d;
            return this;
        }

        /** Forces the direction of the Conv/Gemm nodes {@code selector} picks (see {@link Selector#parse}). */
        public Builder direction(String selector, Direction d) {
            directions.add(Map.entry(selector, d));
            return this;
        }

        public Builder seed(OutputSeed s) {
            this.seed = s;
            return this;
        }

        public DeepTaylor build() {
            return new DeepTaylor(this);
        }
    }
}
