package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Signed;
import org.lrp4j.lrp.rules.Spec.Term;

/**
 * LRP-epsilon: R_i = x_i * sum_j w_ij R_j / stab_eps(z_j), z_j = sum_i x_i w_ij + b_j. The bias is only in the
 * denominator, so its share (and the stabilizer's) is absorbed. With a tiny epsilon this is LRP-0.
 */
public record Epsilon(float epsilon, boolean zeroBias) implements Weighted {

    public Epsilon {
        if (!(epsilon >= 0) || Float.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon: the stabilizer must be a finite number >= 0 but was " + epsilon);
        }
    }

    public Epsilon(float epsilon) {
        this(epsilon, false);
    }

    public Epsilon() {
        this(DEFAULT_EPSILON, false);
    }

    /** One group {(x, w, b)} (b none with zero_bias). */
    @Override
    public Spec spec() {
        return new Spec("epsilon", List.of(Group.of(new Term(Signed.X, Modifier.IDENTITY,
                Modifier.IDENTITY.unless(zeroBias)))), new Spec.Epsilon(epsilon), false);
    }

    @Override
    public String describe() {
        return "epsilon(" + Terms.eps(epsilon) + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
