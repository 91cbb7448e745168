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

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "gamma");
        Variable x = c.input();
        Variable[] parts = Terms.signedParts(x);
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
            return positiveUnitsOnly(a, c, x, xp, xn, u, bu, v, positiveOnly);
        }
        Variable rp = Ops.mul(c.relevance(), Variable.constant(z.unary(Tensor.UnaryOp.STEP)));
        Variable rn = Ops.mul(c.relevance(), Variable.constant(z.neg().unary(Tensor.UnaryOp.STEP)));
        String key = "gamma" + gamma + zeroBias;
        if (xn != null && Terms.stackable(a)) {
            Variable x2 = Terms.signedStack(xp, xn);
            Variable[] pn = Terms.signedForwardPair(a, c, key, x2, u, bu, v, bv);
            Variable cp = Terms.ratio(rp, pn[0], epsilon);
            Variable cn = Terms.ratio(rn, pn[1], epsilon);
            c.bias().add(bu, cp);
            c.bias().add(bv, cn);
            return Terms.single(Terms.signedBackPair(a, c, key, x2, cp, u, cn, v));
        }
        Variable[] pn = Terms.forwardPair(a, c, key, xp, u, bu, v, bv);
        Variable p = Terms.plus(pn[0], Terms.forward(a, xn, v, null));
        Variable n = Terms.plus(pn[1], Terms.forward(a, xn, u, null));
        Variable cp = Terms.ratio(rp, p, epsilon);
        Variable cn = Terms.ratio(rn, n, epsilon);
        c.bias().add(bu, cp);
        c.bias().add(bv, cn);
        Variable fromPositive = Terms.transposePair(a, c, key, cp, u, cn, v, x.shape());
        Variable toNegative = xn == null ? null
                : Ops.mul(xn, Ops.add(a.transpose(cp, v, x.shape()), a.transpose(cn, u, x.shape())));
        return Terms.single(Terms.plus(Ops.mul(xp, fromPositive), toNegative));
    }

    /**
     * The same relevance when no relevance reaches units with z &lt; 0, as after a ReLU whose upper layer passes
     * relevance in proportion to its input: the negative form would only carry zeros, so its convolutions (half
     * of the rule's work) are skipped.
     */
    private List<Variable> positiveUnitsOnly(Affine a, RuleContext c, Variable x, Variable xp, Variable xn,
                                             Variable u, Variable bu, Variable v, Variable rp) {
        if (xn != null && Terms.stackable(a)) {
            String key = "gamma" + gamma + zeroBias;
            Variable x2 = Terms.signedStack(xp, xn);
            Variable cp = Terms.ratio(rp, Terms.signedForward(a, c, key, x2, u, v, bu), epsilon);
            c.bias().add(bu, cp);
            return Terms.single(Terms.signedBack(a, c, key, x2, cp, u, v));
        }
        Variable p = Terms.plus(a.forward(xp, u, bu), Terms.forward(a, xn, v, null));
        Variable cp = Terms.ratio(rp, p, epsilon);
        c.bias().add(bu, cp);
        return Terms.single(Terms.plus(Terms.back(a, xp, cp, u, x.shape()), Terms.back(a, xn, cp, v, x.shape())));
    }

    @Override
    public String describe() {
        return "gamma(" + gamma + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
