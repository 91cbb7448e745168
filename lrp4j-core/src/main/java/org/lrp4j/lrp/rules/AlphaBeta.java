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

    public AlphaBeta(float alpha, float beta) {
        this(alpha, beta, DEFAULT_EPSILON, false);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "alpha_beta");
        Variable x = c.input();
        Variable[] parts = Terms.signedParts(x);
        Variable xp = parts[0];
        Variable xn = parts[1];
        Variable wp = c.derived("w+", () -> Ops.positive(a.weight()));
        Variable wn = c.derived("w-", () -> Ops.negative(a.weight()));
        Variable b = Terms.bias(a, zeroBias);
        String key = "alpha_beta" + zeroBias;
        Variable bp = b == null ? null : c.derived("b+", () -> Ops.positive(b));
        Variable bn = b == null ? null : c.derived("b-", () -> Ops.negative(b));
        if (xn != null && Terms.stackable(a)) {
            Variable x2 = Terms.signedStack(xp, xn);
            Variable[] pn = Terms.signedForwardPair(a, c, key, x2, wp, bp, wn, bn);
            Variable cp = Terms.ratio(c.relevance(), pn[0], epsilon);
            Variable cn = Terms.ratio(c.relevance(), pn[1], epsilon);
            if (b != null) {
                c.bias().add(Ops.mul(bp, alpha), cp);
                c.bias().add(Ops.mul(bn, -beta), cn);
            }
            return Terms.single(Terms.signedBackPair(a, c, key, x2, Ops.mul(cp, alpha), wp, Ops.mul(cn, -beta), wn));
        }
        Variable[] pn = Terms.forwardPair(a, c, key, xp, wp, bp, wn, bn);
        Variable p = Terms.plus(pn[0], Terms.forward(a, xn, wn, null));
        Variable n = Terms.plus(pn[1], Terms.forward(a, xn, wp, null));
        Variable cp = Terms.ratio(c.relevance(), p, epsilon);
        Variable cn = Terms.ratio(c.relevance(), n, epsilon);
        if (b != null) {
            c.bias().add(Ops.mul(bp, alpha), cp);
            c.bias().add(Ops.mul(bn, -beta), cn);
        }
        if (xn == null && beta != 0f) {
            // non-negative input: alpha T(cp; w+) - beta T(cn; w-) as one transposed pass
            Variable both = Terms.transposePair(a, c, key, Ops.mul(cp, alpha), wp, Ops.mul(cn, -beta), wn, x.shape());
            return Terms.single(Ops.mul(xp, both));
        }
        Variable positive = Terms.plus(Terms.back(a, xp, cp, wp, x.shape()), Terms.back(a, xn, cp, wn, x.shape()));
        if (beta == 0f) {
            return Terms.single(Ops.mul(positive, alpha));
        }
        Variable negative = Terms.plus(Terms.back(a, xp, cn, wn, x.shape()), Terms.back(a, xn, cn, wp, x.shape()));
        return Terms.single(Ops.sub(Ops.mul(positive, alpha), Ops.mul(negative, beta)));
    }

    @Override
    public String describe() {
        return "alpha_beta(" + alpha + "," + beta + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
