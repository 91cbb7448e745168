package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.lrp.rules.Spec.Constant;
import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Term;

/**
 * The w^2 rule (Deep Taylor decomposition towards the nearest root in an unbounded input domain): shares in
 * proportion to the squared weights, independent of the input; the squared bias joins the denominator.
 */
public record WSquare(float epsilon, boolean zeroBias) implements Weighted {

    public WSquare(float epsilon) {
        this(epsilon, false);
    }

    public WSquare() {
        this(DEFAULT_EPSILON, false);
    }

    /** One group {(1, w^2, b^2)} (b^2 none with zero_bias): the same for every image, computed once per plan. */
    @Override
    public Spec spec() {
        return new Spec("wsquare", List.of(Group.of(new Term(Constant.ONES, Modifier.SQUARE,
                Modifier.SQUARE.unless(zeroBias)))), new Spec.Epsilon(epsilon), false);
    }

    @Override
    public String describe() {
        return zeroBias ? "wsquare(zero_bias)" : "wsquare";
    }
}
