package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Signed;
import org.lrp4j.lrp.rules.Spec.Term;

/**
 * The z+ rule: only positive contributions x_i w_ij &gt; 0 count, from positive inputs through positive weights
 * and from negative inputs through negative weights; only the positive part of the bias enters the
 * denominator. Equal to alpha_beta(1, 0).
 */
public record ZPlus(float epsilon, boolean zeroBias) implements Weighted {

    public ZPlus() {
        this(DEFAULT_EPSILON, false);
    }

    /** One group {(x+, w+, b+), (x-, w-, none)} (b+ none with zero_bias). */
    @Override
    public Spec spec() {
        return new Spec("zplus", List.of(Group.of(new Term(Signed.X_POS, Modifier.POSITIVE,
                Modifier.POSITIVE.unless(zeroBias)), new Term(Signed.X_NEG, Modifier.NEGATIVE, null))),
                new Spec.Epsilon(epsilon), false);
    }

    @Override
    public String describe() {
        return "zplus(" + Terms.eps(epsilon) + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
