package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Mask;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Signed;
import org.lrp4j.lrp.rules.Spec.Term;

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
public record AlphaBeta(float alpha, float beta, float epsilon, boolean zeroBias) implements Weighted {

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

    /**
     * p = {(x+, w+, b+), (x-, w-, none)} with coefficient alpha and n = {(x+, w-, b-), (x-, w+, none)} with
     * coefficient -beta (biases none with zero_bias); p + n = z, so the traced forward computes [p; n].
     */
    @Override
    public Spec spec() {
        return new Spec("alpha_beta", List.of(
                new Group(List.of(new Term(Signed.X_POS, Modifier.POSITIVE, Modifier.POSITIVE.unless(zeroBias)),
                        new Term(Signed.X_NEG, Modifier.NEGATIVE, null)), Mask.ALL, alpha),
                new Group(List.of(new Term(Signed.X_POS, Modifier.NEGATIVE, Modifier.NEGATIVE.unless(zeroBias)),
                        new Term(Signed.X_NEG, Modifier.POSITIVE, null)), Mask.ALL, -beta)),
                new Spec.Epsilon(epsilon), true);
    }

    @Override
    public String describe() {
        return "alpha_beta(" + alpha + "," + beta + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
