package org.lrp4j.lrp.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.lrp.rules.Spec.Constant;
import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Input;
import org.lrp4j.lrp.rules.Spec.Mask;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Signed;
import org.lrp4j.lrp.rules.Spec.Term;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * Runs any {@link Spec}: R_in = sum_g c_g sum_k in_k * T(s_g; w_k), s_g = mask_g(R) / stab(z_g),
 * z_g = sum_k f(in_k; w_k, b_k). Where the weights can be stacked ({@link Terms#stackable}: Gemm, and Conv with
 * one group) the work is done in as few maps as the declaration allows:
 * <ul>
 * <li>the inputs a spec reads (x, or x+ and x-) are stacked along the channels, [x+, x-], and each group's weights
 * along the inputs, [A | B]: f(x+; A) + f(x-; B) is one map whose accumulation does the sum;</li>
 * <li>the groups are stacked along the outputs, [[A | B]; [B | A]]: all denominators in one map, all ratios in one
 * elementwise pass;</li>
 * <li>going back, the coefficients are folded into the stacked weights, so that one transposed map gives
 * sum_g c_g T(s_g; w_k) for every input k at once;</li>
 * <li>input-independent terms (all ones, box bounds) are computed once per plan and broadcast over the batch.</li>
 * </ul>
 * Work that carries only zeros is skipped when nothing is recorded: terms of x- when the input has no negative
 * element ({@link Terms#signedParts}), groups restricted to units with z &lt; 0 when no relevance reaches those
 * ({@link Terms#positiveUnitsRelevance}), groups with coefficient 0. A group that is exactly (x, w, b) divides by
 * the traced output. Derived and stacked weights are kept in the plan ({@link DerivedWeights}) under keys built
 * from the modifiers' names.
 */
final class SpecExecutor {
    /** The stacked denominators of all groups, kept by {@link #forward}. */
    private static final String PARTS = "spec/denominators";
    /** f(x; w) without bias, kept by {@link #forward}. */
    private static final String LINEAR = "spec/f(x;w)";

    private SpecExecutor() {
    }

    /**
     * The node's output from the rule's own terms, keeping them for {@link #propagate}; null to let the layer
     * compute it. For a partition ({@link Spec#partition}) of several groups on stackable weights, the groups'
     * denominators as one map, z = sum_g z_g (+ b when the groups carry no bias); not for an output that only ReLUs
     * read when some group is restricted to z &lt; 0: there only the other groups are needed, and keeping all
     * through the backward pass would multiply the memory the output holds. For one group whose input term is
     * (x, w, none) on a layer with bias, f(x; w) + b keeping f(x; w).
     */
    static Variable forward(Spec spec, RuleContext c) {
        Affine a = Affine.find(c.node()).orElse(null);
        if (a == null) {
            return null;
        }
        List<Group> contributing = contributing(spec);
        // decided from the declaration before the input is split (a pass over it)
        boolean restricted = contributing.stream().anyMatch(g -> g.mask() == Mask.NEGATIVE);
        if (spec.partition() && contributing.size() == spec.groups().size() && contributing.size() > 1
                && Terms.stackable(a) && !(c.rectified() && restricted)) {
            Inputs in = new Inputs(c.input(), contributing);
            List<Group> groups = in.present(contributing);
            Variable parts = stackedDenominators(a, c, in, groups);
            c.kept().put(PARTS, parts);
            Variable z = sumOfParts(parts, groups.size());
            boolean biased = groups.stream().anyMatch(g -> biasTerm(g) != null);
            return !biased && a.bias() != null ? a.addBias(z, a.bias()) : z;
        }
        if (contributing.size() == 1 && linear(a, contributing.get(0))) {
            Variable f = a.forward(c.input(), a.weight(), null);
            c.kept().put(LINEAR, f);
            return a.addBias(f, a.bias());
        }
        return null;
    }

    static List<Variable> propagate(Spec spec, RuleContext c) {
        Affine a = Affine.of(c.node(), spec.name());
        return List.of(propagate(spec, c, a, Terms.stackable(a)));
    }

    /** The relevance of the input, with the maps stacked or one per term ({@code stack} requires stackable). */
    static Variable propagate(Spec spec, RuleContext c, Affine a, boolean stack) {
        List<Group> contributing = contributing(spec);
        Inputs in = new Inputs(c.input(), contributing);
        List<Group> groups = in.present(contributing);
        Variable r = c.relevance();
        Tensor z = c.output().value();
        Variable positiveOnly = groups.stream().anyMatch(g -> g.mask() == Mask.NEGATIVE)
                ? Terms.positiveUnitsRelevance(r, z) : null;
        List<Group> active = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        List<Variable> relevances = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            if (positiveOnly != null && g.mask() == Mask.NEGATIVE) {
                continue;
            }
            active.add(g);
            positions.add(i);
            relevances.add(switch (g.mask()) {
                case ALL -> r;
                case POSITIVE -> positiveOnly != null ? positiveOnly
                        : Ops.wherePositive(r, z);
                case NEGATIVE -> Ops.wherePositive(r, z.neg());
            });
        }
        if (active.isEmpty()) {
            return Variable.constant(Tensor.zeros(c.input().shape()));
        }
        if (!stack) {
            Variable out = null;
            for (int i = 0; i < active.size(); i++) {
                Group g = active.get(i);
                Variable s = spec.stabilizer().ratio(relevances.get(i), denominator(a, c, in, g, false));
                c.bias().add(ledgerBias(a, c, List.of(g)), s);
                for (Term t : g.terms()) {
                    out = plus(out, in.times(t.input(), a.transpose(s, scaled(a, c, t.weight(), g.coefficient()),
                            c.input().shape())));
                }
            }
            return out;
        }
        Variable kept = c.kept().get(PARTS);
        Variable zs = kept != null ? select(kept, positions, groups.size())
                : active.size() == 1 ? denominator(a, c, in, active.get(0), true)
                : stackedDenominators(a, c, in, active);
        Variable s = spec.stabilizer().ratio(relevances.size() == 1 ? relevances.get(0)
                : Ops.concat(1, relevances.toArray(Variable[]::new)), zs);
        c.bias().add(ledgerBias(a, c, active), s);
        return stackedBack(a, c, in, active, s);
    }

    /** The groups with a coefficient other than 0 (the others add nothing, not even to a derivative). */
    private static List<Group> contributing(Spec spec) {
        return spec.groups().stream().filter(g -> g.coefficient() != 0f).toList();
    }

    // ---------------------------------------------------------------- denominators

    /**
     * z_g of one group: the traced output when the group's input term is (x, w, b) (or (x, w, none) on a layer
     * without bias), f(x; w) kept by the forward pass for (x, w, none); otherwise computed, stacked or term by term.
     */
    private static Variable denominator(Affine a, RuleContext c, Inputs in, Group g, boolean stack) {
        List<Term> varying = varying(g);
        Modifier b = varying.size() == 1 ? varying.get(0).bias() : null;
        if (varying.size() == 1 && identityOnX(varying.get(0))
                && (a.bias() == null || b == Modifier.IDENTITY || b == null)) {
            Variable f;
            if (a.bias() == null || b == Modifier.IDENTITY) {
                f = c.output();
            } else {
                f = c.kept().get(LINEAR);
                if (f == null) {
                    f = a.forward(in.x, a.weight(), null);
                }
            }
            return plus(f, constantPart(a, c, in, g));
        }
        if (stack) {
            return stackedDenominators(a, c, in, List.of(g));
        }
        Variable z = constantPart(a, c, in, g);
        for (Term t : varying) {
            z = plus(z, a.forward(in.get((Signed) t.input()), weight(a, c, t.weight()), bias(a, c, t.bias())));
        }
        return z;
    }

    /**
     * [z_1; ...; z_G] along axis 1: the inputs stacked along the channels, one row [w_g,x+ | w_g,x- ...] of weights
     * per group (zeros for an input the group does not read), the rows stacked along the outputs, one map.
     */
    private static Variable stackedDenominators(Affine a, RuleContext c, Inputs in, List<Group> groups) {
        if (groups.size() > 1 && groups.stream().anyMatch(g -> !constants(g).isEmpty())) {
            return Ops.concat(1, groups.stream().map(g -> stackedDenominators(a, c, in, List.of(g)))
                    .toArray(Variable[]::new));
        }
        List<Signed> slots = slots(groups);
        Variable f = null;
        if (!slots.isEmpty()) {
            f = a.forward(in.stacked(slots), stackedWeights(a, c, groups, new ArrayList<>(slots), false),
                    stackedBiases(a, c, groups, false));
        }
        return groups.size() == 1 ? plus(f, constantPart(a, c, in, groups.get(0))) : f;
    }

    /**
     * sum_k f(c_k; w_k, b_k) over a group's input-independent terms (null if none): for constants without a batch
     * axis the same for every image, so computed for one image (shaped [1, ...], broadcast over the batch) once per
     * plan.
     */
    private static Variable constantPart(Affine a, RuleContext c, Inputs in, Group g) {
        List<Term> constants = constants(g);
        if (constants.isEmpty()) {
            return null;
        }
        Shape shape = in.x.shape();
        boolean perImage = constants.stream().anyMatch(t -> perImage((Constant) t.input(), shape));
        Supplier<Variable> compute = () -> {
            Variable z = null;
            for (Term t : constants) {
                Constant k = (Constant) t.input();
                Tensor value = perImage ? k.value().broadcastTo(shape) : k.value().rank() == shape.rank()
                        ? k.value().reshape(single(k.value().shape())).broadcastTo(single(shape))
                        : k.value().broadcastTo(single(shape));
                z = plus(z, a.forward(Variable.constant(value), weight(a, c, t.weight()), bias(a, c, t.bias())));
            }
            return z;
        };
        return perImage ? compute.get() : derived(c, "K" + single(shape) + constants.stream()
                .map(SpecExecutor::key).collect(Collectors.joining("+")), compute);
    }

    private static boolean perImage(Constant k, Shape x) {
        Tensor v = k.value();
        return v.rank() == x.rank() && v.dim(0) == x.dim(0) && v.dim(0) > 1;
    }

    /** The shape of one image of a batch: [1, ...]. */
    private static Shape single(Shape batchShape) {
        return batchShape.withDim(0, 1);
    }

    /** The traced output computed from stacked denominators: z_1 + ... + z_G. */
    private static Variable sumOfParts(Variable parts, int groups) {
        if (groups == 2) {
            return Ops.addHalves(parts, 1);
        }
        int per = parts.shape().dim(1) / groups;
        Variable z = null;
        for (int g = 0; g < groups; g++) {
            z = plus(z, Ops.narrow(parts, 1, g * per, per));
        }
        return z;
    }

    /** The groups at {@code positions} of stacked denominators of {@code groups} groups. */
    private static Variable select(Variable parts, List<Integer> positions, int groups) {
        if (positions.size() == groups) {
            return parts;
        }
        int per = parts.shape().dim(1) / groups;
        return Ops.concat(1, positions.stream().map(p -> Ops.narrow(parts, 1, p * per, per)).toArray(Variable[]::new));
    }

    // ---------------------------------------------------------------- transposed pass

    /**
     * sum_g c_g sum_k in_k * T(s_g; w_k) for s = [s_1; ...; s_G] along axis 1, in one transposed map: its weights
     * are the rows c_g [w_g,1 | w_g,2 | ...] over every input the groups read (constants included), stacked along
     * the outputs, and give T for every input at once; each is multiplied by its input and the products added.
     */
    private static Variable stackedBack(Affine a, RuleContext c, Inputs in, List<Group> groups, Variable s) {
        if (groups.size() > 1 && groups.stream().anyMatch(g -> !constants(g).isEmpty())) {
            int per = s.shape().dim(1) / groups.size();
            Variable out = null;
            for (int i = 0; i < groups.size(); i++) {
                out = plus(out, stackedBack(a, c, in, List.of(groups.get(i)), Ops.narrow(s, 1, i * per, per)));
            }
            return out;
        }
        List<Input> slots = new ArrayList<>(slots(groups));
        List<Signed> signed = slots(groups);
        for (Group g : groups) {
            constants(g).forEach(t -> slots.add(t.input()));
        }
        Shape shape = in.x.shape();
        int per = shape.dim(1);
        Variable t = a.transpose(s, stackedWeights(a, c, groups, slots, true), shape.withDim(1, per * slots.size()));
        if (signed.size() == slots.size()) {
            Variable product = Ops.mul(in.stacked(signed), t);
            return slots.size() == 1 ? product : slots.size() == 2 ? Ops.addHalves(product, 1)
                    : sumOfParts(product, slots.size());
        }
        Variable out = null;
        for (int k = 0; k < slots.size(); k++) {
            out = plus(out, in.times(slots.get(k), slots.size() == 1 ? t : Ops.narrow(t, 1, k * per, per)));
        }
        return out;
    }

    // ---------------------------------------------------------------- weights and biases

    /**
     * The rows [w_g,1 | w_g,2 | ...] over {@code slots} (zeros where a group does not read an input), scaled by
     * c_g when {@code back}, stacked along the outputs; kept in the plan under a key that spells them out.
     */
    private static Variable stackedWeights(Affine a, RuleContext c, List<Group> groups, List<? extends Input> slots,
                                           boolean back) {
        if (groups.size() == 1 && slots.size() == 1) {
            Group g = groups.get(0);
            return scaled(a, c, termOf(g, slots.get(0)).weight(), back ? g.coefficient() : 1f);
        }
        String key = groups.stream().map(g -> (back && g.coefficient() != 1f ? g.coefficient() + "*" : "") + "["
                + slots.stream().map(in -> termOf(g, in) == null ? "0" : termOf(g, in).weight().name())
                .collect(Collectors.joining("|")) + "]").collect(Collectors.joining(";", "stacked", ""));
        return derived(c, key, () -> Ops.concat(0, groups.stream().map(g -> {
            Variable[] row = slots.stream().map(in -> termOf(g, in) == null
                    ? Variable.constant(Tensor.zeros(a.weight().shape()))
                    : weight(a, c, termOf(g, in).weight())).toArray(Variable[]::new);
            Variable w = row.length == 1 ? row[0] : Ops.concat(1, row);
            return back && g.coefficient() != 1f ? Ops.mul(w, g.coefficient()) : w;
        }).toArray(Variable[]::new)));
    }

    /** The groups' biases stacked along the outputs (zeros for a group without), scaled by c_g for the ledger. */
    private static Variable stackedBiases(Affine a, RuleContext c, List<Group> groups, boolean ledger) {
        List<Term> biased = groups.stream().map(g -> biasTerm(g, !ledger)).toList();
        if (a.bias() == null || biased.stream().allMatch(t -> t == null)) {
            return null;
        }
        List<Float> coefficients = groups.stream().map(g -> ledger ? g.coefficient() : 1f).toList();
        if (groups.size() == 1) {
            return scaled(a, c, biased.get(0).bias(), coefficients.get(0), a.bias());
        }
        StringBuilder key = new StringBuilder("biases");
        for (int i = 0; i < groups.size(); i++) {
            key.append(i == 0 ? "" : ";").append(coefficients.get(i)).append('*')
                    .append(biased.get(i) == null ? "0" : biased.get(i).bias().name());
        }
        return derived(c, key.toString(), () -> Ops.concat(0, java.util.stream.IntStream.range(0, groups.size())
                .mapToObj(i -> biased.get(i) == null ? Variable.constant(Tensor.zeros(a.bias().shape()))
                        : scaled(a, c, biased.get(i).bias(), coefficients.get(i), a.bias()))
                .toArray(Variable[]::new)));
    }

    /** sum_g c_g b_g, stacked as the ratios are, for the bias ledger (null without bias). */
    private static Variable ledgerBias(Affine a, RuleContext c, List<Group> groups) {
        return stackedBiases(a, c, groups, true);
    }

    /** The group's term that carries a bias, if any (at most one does, see {@link Group}). */
    private static Term biasTerm(Group g) {
        return biasTerm(g, false);
    }

    /** The group's term that carries a bias, only among the terms that read the layer's input if so asked. */
    private static Term biasTerm(Group g, boolean varyingOnly) {
        return g.terms().stream().filter(t -> t.bias() != null && (!varyingOnly || t.input() instanceof Signed))
                .findFirst().orElse(null);
    }

    private static Variable weight(Affine a, RuleContext c, Modifier m) {
        return scaled(a, c, m, 1f, a.weight());
    }

    private static Variable bias(Affine a, RuleContext c, Modifier m) {
        return m == null || a.bias() == null ? null : scaled(a, c, m, 1f, a.bias());
    }

    private static Variable scaled(Affine a, RuleContext c, Modifier m, float coefficient) {
        return scaled(a, c, m, coefficient, a.weight());
    }

    /** coefficient * m(p) for the weight or bias p, kept in the plan (p itself for the identity). */
    private static Variable scaled(Affine a, RuleContext c, Modifier m, float coefficient, Variable p) {
        String of = p == a.weight() ? "w:" : "b:";
        if (coefficient != 1f) {
            return derived(c, coefficient + "*" + of + m.name(), () -> Ops.mul(scaled(a, c, m, 1f, p), coefficient));
        }
        return m == Modifier.IDENTITY ? p : derived(c, of + m.name(), () -> m.apply(p));
    }

    private static Variable derived(RuleContext c, String key, Supplier<Variable> compute) {
        return c.derived().get(c.node().name(), key, compute);
    }

    // ---------------------------------------------------------------- terms

    /** A term's input, weight and bias by name. */
    private static String key(Term t) {
        String in = t.input() instanceof Constant k ? k.name() : t.input().toString();
        return in + ":" + t.weight().name() + (t.bias() == null ? "" : "," + t.bias().name());
    }

    private static boolean identityOnX(Term t) {
        return t.input() == Signed.X && t.weight() == Modifier.IDENTITY;
    }

    /** The group's input term is (x, w, none) on a layer with bias: its denominator is f(x; w) without b. */
    private static boolean linear(Affine a, Group g) {
        List<Term> varying = varying(g);
        return a.bias() != null && varying.size() == 1 && identityOnX(varying.get(0)) && varying.get(0).bias() == null;
    }

    private static List<Term> varying(Group g) {
        return g.terms().stream().filter(t -> t.input() instanceof Signed).toList();
    }

    private static List<Term> constants(Group g) {
        return g.terms().stream().filter(t -> t.input() instanceof Constant).toList();
    }

    /** The inputs the groups read, in the order x, x+, x-. */
    private static List<Signed> slots(List<Group> groups) {
        return groups.stream().flatMap(g -> varying(g).stream()).map(t -> (Signed) t.input()).distinct().sorted()
                .toList();
    }

    private static Term termOf(Group g, Input in) {
        return g.terms().stream().filter(t -> t.input().equals(in)).findFirst().orElse(null);
    }

    private static Variable plus(Variable a, Variable b) {
        return a == null ? b : b == null ? a : Ops.add(a, b);
    }

    /**
     * The layer's input and its signed parts, for one call: x- is null when it is zero and not recorded
     * ({@link Terms#signedParts}), and the terms that read it are dropped. Stacked inputs are made once per call.
     */
    private static final class Inputs {
        final Variable x;
        private final Variable positive;
        private final Variable negative;
        private List<Signed> stackedSlots;
        private Variable stacked;

        Inputs(Variable x, List<Group> groups) {
            this.x = x;
            boolean signed = groups.stream().flatMap(g -> g.terms().stream())
                    .anyMatch(t -> t.input() == Signed.X_POS || t.input() == Signed.X_NEG);
            Variable[] parts = signed ? Terms.signedParts(x) : new Variable[2];
            positive = parts[0];
            negative = parts[1];
        }

        Variable get(Signed s) {
            return switch (s) {
                case X -> x;
                case X_POS -> positive;
                case X_NEG -> negative;
            };
        }

        /** The groups without the terms of an absent x- (and without groups left with no terms). */
        List<Group> present(List<Group> groups) {
            if (negative != null || groups.stream().flatMap(g -> g.terms().stream())
                    .noneMatch(t -> t.input() == Signed.X_NEG)) {
                return groups;
            }
            return groups.stream().map(g -> new Group(g.terms().stream().filter(t -> t.input() != Signed.X_NEG)
                    .toList(), g.mask(), g.coefficient())).filter(g -> !g.terms().isEmpty()).toList();
        }

        /** The inputs of {@code slots} stacked along axis 1. */
        Variable stacked(List<Signed> slots) {
            if (slots.size() == 1) {
                return get(slots.get(0));
            }
            if (!slots.equals(stackedSlots)) {
                stackedSlots = slots;
                stacked = Ops.concat(1, slots.stream().map(this::get).toArray(Variable[]::new));
            }
            return stacked;
        }

        /** in * t for an input of the layer or a constant (broadcast; no product for all ones). */
        Variable times(Input in, Variable t) {
            if (in instanceof Signed s) {
                return Ops.mul(get(s), t);
            }
            Constant k = (Constant) in;
            return k.isOnes() ? t : Ops.mul(Variable.constant(k.value().broadcastTo(x.shape())), t);
        }
    }
}
