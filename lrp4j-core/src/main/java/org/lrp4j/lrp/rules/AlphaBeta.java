package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * The alpha-beta rule: positive and negative contributions are propagated separately and weighted,
 * R_i = alpha * (positive share) - beta * (negative share), with alpha - beta = 1 so that relevance is
 * conserved. Contributions are split by the sign of the product x_i w_ij (both signs of the input count);
 * the positive part of the bias joins the positive denominator, the negative part the negative one.
 *
 * <p>Conventions: this is the constraint of Bach et al. (2015) and of Zennit/iNNvestigate (alpha = 1 + beta,
 * e.g. alpha2-beta1, alpha1-beta0). Notes that normalise the two weights to sum to one instead (a' + b' = 1)
 * describe the same rule up to a global factor: alpha = a' / (a' - b'), beta = b' / (a' - b') for a' &gt; b'.
 */
public record AlphaBeta(float alpha, float beta, float epsilon, boolean zeroBias) implements Rule {

    public AlphaBeta {
        if (!(alpha >= 0) || !(beta >= 0) || Math.abs(alpha - beta - 1f) > 1e-6f) {
            throw new IllegalArgumentException("alpha_beta: need alpha >= 0, beta >= 0 and alpha - beta = 1 (so that"
                    + " relevance is conserved), but alpha = " + alpha + ", beta = " + beta
                    + "; e.g. alpha_beta(2,1) or alpha_beta(1,0). For weights a, b normalised to a + b = 1 use"
                    + " alpha = a / (a - b), beta = b / (a - b).");
        }
    }

    private static final String PARTS = "alpha_beta/p;n";

    public AlphaBeta(float alpha, float beta) {
        this(alpha, beta, DEFAULT_EPSILON, false);
    }

    /**
     * The output as the sum of the positive and negative parts, z = p + n (+ b with zero_bias), computed as one
     * stacked map: the parts are what {@link #propagate} divides by, so the layer's own map is not run as well.
     */
    @Override
    public Variable forward(RuleContext c) {
        Affine a = Affine.find(c.node()).orElse(null);
        if (a == null) {
            return null;
        }
        if (!Terms.stackable(a) || (zeroBias && a.bias() != null)) {
            return null;
        }
        Variable parts = stackedParts(a, c, Terms.signedParts(c.input()));
        c.kept().put(PARTS, parts);
        return Ops.addHalves(parts, 1);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "alpha_beta");
        Variable x = c.input();
        Variable[] signed = Terms.signedParts(x);
        if (Terms.stackable(a)) {
            return propagateStacked(a, c, signed);
        }
        Variable xp = signed[0];
        Variable xn = signed[1];
        Variable wp = c.derived("w+", () -> Ops.positive(a.weight()));
        Variable wn = c.derived("w-", () -> Ops.negative(a.weight()));
        Variable b = Terms.bias(a, zeroBias);
        Variable bp = b == null ? null : c.derived("b+", () -> Ops.positive(b));
        Variable bn = b == null ? null : c.derived("b-", () -> Ops.negative(b));
        Variable p = Terms.plus(a.forward(xp, wp, bp), Terms.forward(a, xn, wn, null));
        Variable n = Terms.plus(a.forward(xp, wn, bn), Terms.forward(a, xn, wp, null));
        Variable cp = Terms.ratio(c.relevance(), p, epsilon);
        Variable cn = Terms.ratio(c.relevance(), n, epsilon);
        if (b != null) {
            c.bias().add(Ops.mul(bp, alpha), cp);
            c.bias().add(Ops.mul(bn, -beta), cn);
        }
        Variable positive = Terms.plus(Terms.back(a, xp, cp, wp, x.shape()), Terms.back(a, xn, cp, wn, x.shape()));
        if (beta == 0f) {
            return Terms.single(Ops.mul(positive, alpha));
        }
        Variable negative = Terms.plus(Terms.back(a, xp, cn, wn, x.shape()), Terms.back(a, xn, cn, wp, x.shape()));
        return Terms.single(Ops.sub(Ops.mul(positive, alpha), Ops.mul(negative, beta)));
    }

    /**
     * With stackable weights: the parts [p; n] stacked along the outputs (from the forward pass when it kept them),
     * the ratios [R / p; R / n] in one pass, and alpha and -beta folded into the stacked weights of the one
     * transposed pass, which gives alpha T(R / p; w+) - beta T(R / n; w-) directly.
     */
    private List<Variable> propagateStacked(Affine a, RuleContext c, Variable[] signed) {
        Variable parts = c.kept().get(PARTS);
        if (parts == null) {
            parts = stackedParts(a, c, signed);
        }
        Variable r = c.relevance();
        Variable ratios = Terms.ratio(Ops.concat(1, r, r), parts, epsilon);
        Variable wp = c.derived("w+", () -> Ops.positive(a.weight()));
        Variable wn = c.derived("w-", () -> Ops.negative(a.weight()));
        Variable b = Terms.bias(a, zeroBias);
        if (b != null) {
            c.bias().add(c.derived("alpha_beta/b-weighted" + alpha, () -> Ops.concat(0,
                    Ops.mul(Ops.positive(b), alpha), Ops.mul(Ops.negative(b), -beta))), ratios);
        }
        Variable xp = signed[0];
        Variable xn = signed[1];
        if (xn == null) {
            Variable w = c.derived("alpha_beta/back" + alpha, () -> Ops.concat(0, Ops.mul(wp, alpha),
                    Ops.mul(wn, -beta)));
            return Terms.single(Ops.mul(xp, a.transpose(ratios, w, xp.shape())));
        }
        Variable w = c.derived("alpha_beta/signed-back" + alpha, () -> Ops.concat(0,
                Ops.mul(Ops.concat(1, wp, wn), alpha), Ops.mul(Ops.concat(1, wn, wp), -beta)));
        Variable x2 = Terms.signedStack(xp, xn);
        return Terms.single(Ops.addHalves(Ops.mul(x2, a.transpose(ratios, w, x2.shape())), 1));
    }

    /**
     * [p; n] along the outputs: p = f(x+; w+) + f(x-; w-) + b+, n = f(x+; w-) + f(x-; w+) + b- (b omitted with
     * zero_bias; terms of an absent x- omitted), as one map.
     */
    private Variable stackedParts(Affine a, RuleContext c, Variable[] signed) {
        Variable wp = c.derived("w+", () -> Ops.positive(a.weight()));
        Variable wn = c.derived("w-", () -> Ops.negative(a.weight()));
        Variable b = Terms.bias(a, zeroBias);
        Variable bp = b == null ? null : c.derived("b+", () -> Ops.positive(b));
        Variable bn = b == null ? null : c.derived("b-", () -> Ops.negative(b));
        String key = "alpha_beta" + zeroBias;
        if (signed[1] == null) {
            return Terms.forwardStacked(a, c, key, signed[0], wp, bp, wn, bn);
        }
        return Terms.signedForwardStacked(a, c, key, Terms.signedStack(signed[0], signed[1]), wp, bp, wn, bn);
    }

    @Override
    public String describe() {
        return "alpha_beta(" + alpha + "," + beta + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
