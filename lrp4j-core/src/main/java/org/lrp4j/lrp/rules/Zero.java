package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Signed;
import org.lrp4j.lrp.rules.Spec.Term;

/**
 * LRP-0 without any stabilizer: R_i = x_i * sum_j w_ij R_j / z_j, where units with z_j = 0 pass no relevance
 * (instead of dividing by zero).
 */
public record Zero(boolean zeroBias) implements Weighted {

    public Zero() {
        this(false);
    }

    /** One group {(x, w, b)} (b none with zero_bias), dead units passing nothing. */
    @Override
    public Spec spec() {
        return new Spec("zero", List.of(Group.of(new Term(Signed.X, Modifier.IDENTITY,
                Modifier.IDENTITY.unless(zeroBias)))), new Spec.DeadUnits(), false);
    }

    @Override
    public String describe() {
        return "zero(" + (zeroBias ? "zero_bias" : "") + ")";
    }
}
