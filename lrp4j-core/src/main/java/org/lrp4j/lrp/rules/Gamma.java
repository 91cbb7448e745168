package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * The gamma rule: favours positive contributions by adding gamma times the positive (for units with z &gt; 0) or
 * negative (z &lt; 0) weights: U = w + g w+, V = w + g w-. Units with z = 0 pass nothing. Zennit's form, with
 * both signs of the input.
 */
public record Gamma(float gamma, float epsilon, boolean zeroBias) implements Rule {

    public Gamma {
        if (!(gamma >= 0) || Float.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma: gamma must be a finite number >= 0 but was " + gamma);
        }
    }

    public Gamma(float gamma) {
        this(gamma, DEFAULT_EPSILON, false);
    }

    private static final String PARTS = "gamma/p;n";

    /**
     * The output from the rule's own two maps, stacked as one: with U = w + g w+ and V = w + g w- (biases alike),
     * U + V = (2 + g) w, so p + n = (2 + g) z. Scaled by 1 / (2 + g), the parts [p'; n'] sum to z, and they are
     * what {@link #propagate} divides by: the layer's own map is not run as well. The rule is invariant to this
     * scale (R / stab(p) times U equals R / stab'(p') times U' with the stabilizer scaled alike). Not for an
     * output that only ReLUs read: there only p' is needed (relevance reaches units with z &gt; 0 only), which
     * {@link #propagate} computes on its own, and keeping [p'; n'] through the backward pass would triple the
     * memory the layer's output holds.
     */
    @Override
    public Variable forward(RuleContext c) {
        Affine a = Affine.find(c.node()).orElse(null);
        if (a == null || !Terms.stackable(a) || c.rectified()) {
            return null;
        }
        Variable parts = stackedParts(a, c, Terms.signedParts(c.input()));
        c.kept().put(PARTS, parts);
        Variable z = Ops.addHalves(parts, 1);
        return zeroBias && a.bias() != null ? a.addBias(z, a.bias()) : z;
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "gamma");
        Variable x = c.input();
        Variable[] parts = Terms.signedParts(x);
        if (Terms.stackable(a)) {
            return propagateStacked(a, c, parts);
        }
        Variable xp = parts[0];
        Variable xn = parts[1];
        Variable w = a.weight();
        Variable u = c.derived("gamma+" + gamma, () -> Ops.add(w, Ops.mul(Ops.positive(w), gamma)));
        Variable v = c.derived("gamma-" + gamma, () -> Ops.add(w, Ops.mul(Ops.negative(w), gamma)));
        Variable b = Terms.bias(a, zeroBias);
        Variable bu = b == null ? null : Ops.add(b, Ops.mul(Ops.positive(b), gamma));
        Variable bv = b == null ? null : Ops.add(b, Ops.mul(Ops.negative(b), gamma));
        // units with z > 0 take the positive form, z < 0 the negative one, z = 0 pass nothing
        Tensor z = c.output().value();
        Variable positiveOnly = Terms.positiveUnitsRelevance(c.relevance(), z);
        if (positiveOnly != null) {
            Variable p = Terms.plus(a.forward(xp, u, bu), Terms.forward(a, xn, v, null));
            Variable cp = Terms.ratio(positiveOnly, p, epsilon);
            c.bias().add(bu, cp);
            return Terms.single(Terms.plus(Terms.back(a, xp, cp, u, x.shape()),
                    Terms.back(a, xn, cp, v, x.shape())));
        }
        Variable rp = Ops.mul(c.relevance(), Variable.constant(z.unary(Tensor.UnaryOp.STEP)));
        Variable rn = Ops.mul(c.relevance(), Variable.constant(z.neg().unary(Tensor.UnaryOp.STEP)));
        Variable p = Terms.plus(a.forward(xp, u, bu), Terms.forward(a, xn, v, null));
        Variable n = Terms.plus(a.forward(xp, v, bv), Terms.forward(a, xn, u, null));
        Variable cp = Terms.ratio(rp, p, epsilon);
        Variable cn = Terms.ratio(rn, n, epsilon);
        c.bias().add(bu, cp);
        c.bias().add(bv, cn);
        Variable fromPositive = Ops.add(a.transpose(cp, u, x.shape()), a.transpose(cn, v, x.shape()));
        Variable toNegative = xn == null ? null
                : Ops.mul(xn, Ops.add(a.transpose(cp, v, x.shape()), a.transpose(cn, u, x.shape())));
        return Terms.single(Terms.plus(Ops.mul(xp, fromPositive), toNegative));
    }

    /**
     * With stackable weights, from the parts [p'; n'] of {@link #forward} (computed here when the forward did not
     * keep them; p' alone when that is all it needs and the input is non-negative) and the scaled weights U', V':
     * when no relevance reaches units with z &lt; 0 (after a ReLU whose upper layer passes relevance in proportion
     * to its input) only the positive form is propagated, one transposed map; otherwise both ratios in one pass
     * and one transposed map with [U'; V'] stacked.
     */
    private List<Variable> propagateStacked(Affine a, RuleContext c, Variable[] signed) {
        Variable parts = c.kept().get(PARTS);
        Scaled t = scaled(a, c);
        Variable u = t.u();
        Variable v = t.v();
        Variable bu = t.bu();
        Variable bv = t.bv();
        float eps = epsilon / (2f + gamma);
        Tensor z = c.output().value();
        String key = key();
        Variable xp = signed[0];
        Variable xn = signed[1];
        Variable positiveOnly = Terms.positiveUnitsRelevance(c.relevance(), z);
        if (positiveOnly != null) {
            Variable p = parts == null && xn == null ? a.forward(xp, u, bu)
                    : positiveHalf(parts != null ? parts : stackedParts(a, c, signed));
            Variable cp = Terms.ratio(positiveOnly, p, eps);
            c.bias().add(bu, cp);
            if (xn == null) {
                return Terms.single(Ops.mul(xp, a.transpose(cp, u, xp.shape())));
            }
            return Terms.single(Terms.signedBack(a, c, key, Terms.signedStack(xp, xn), cp, u, v));
        }
        Variable r = c.relevance();
        Variable masked = Ops.concat(1, Ops.mul(r, Variable.constant(z.unary(Tensor.UnaryOp.STEP))),
                Ops.mul(r, Variable.constant(z.neg().unary(Tensor.UnaryOp.STEP))));
        Variable ratios = Terms.ratio(masked, parts != null ? parts : stackedParts(a, c, signed), eps);
        if (bu != null) {
            c.bias().add(c.derived("gamma/b'" + gamma, () -> Ops.concat(0, bu, bv)), ratios);
        }
        if (xn == null) {
            return Terms.single(Ops.mul(xp, Terms.transposeStacked(a, c, key, ratios, u, v, xp.shape())));
        }
        Variable x2 = Terms.signedStack(xp, xn);
        return Terms.single(Terms.signedBackStacked(a, c, key, x2, ratios, u, v));
    }

    /**
     * [p'; n'] along the outputs: p' = f(x+; U') + f(x-; V') + b_U', n' = f(x+; V') + f(x-; U') + b_V' (b omitted
     * with zero_bias; terms of an absent x- omitted), as one map.
     */
    private Variable stackedParts(Affine a, RuleContext c, Variable[] signed) {
        Scaled t = scaled(a, c);
        if (signed[1] == null) {
            return Terms.forwardStacked(a, c, key(), signed[0], t.u(), t.bu(), t.v(), t.bv());
        }
        return Terms.signedForwardStacked(a, c, key(), Terms.signedStack(signed[0], signed[1]), t.u(), t.bu(), t.v(),
                t.bv());
    }

    /** p' of [p'; n']. */
    private static Variable positiveHalf(Variable parts) {
        return Ops.narrow(parts, 1, 0, parts.shape().dim(1) / 2);
    }

    /** U', V' and their biases (null without bias or with zero_bias). */
    private record Scaled(Variable u, Variable v, Variable bu, Variable bv) {
    }

    private Scaled scaled(Affine a, RuleContext c) {
        Variable b = Terms.bias(a, zeroBias);
        return new Scaled(scaled(c, "+", a.weight(), true), scaled(c, "-", a.weight(), false),
                b == null ? null : scaled(c, "b+", b, true), b == null ? null : scaled(c, "b-", b, false));
    }

    /** (t + g t+) / (2 + g) or (t + g t-) / (2 + g), kept in the plan. */
    private Variable scaled(RuleContext c, String name, Variable t, boolean positive) {
        return c.derived("gamma'" + name + gamma, () -> Ops.mul(
                Ops.add(t, Ops.mul(positive ? Ops.positive(t) : Ops.negative(t), gamma)), 1f / (2f + gamma)));
    }

    private String key() {
        return "gamma'" + gamma + zeroBias;
    }

    @Override
    public String describe() {
        return "gamma(" + gamma + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
