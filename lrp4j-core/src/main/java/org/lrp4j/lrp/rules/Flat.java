package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.lrp.rules.Spec.Constant;
import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Term;

/**
 * The flat rule: every connected input gets an equal share, independent of the input and the weights
 * (weights replaced by 1, bias by 0, input by 1). For a convolution, border outputs have fewer connected inputs.
 */
public record Flat(float epsilon) implements Weighted {

    public Flat() {
        this(DEFAULT_EPSILON);
    }

    /** One group {(1, 1, none)}: the same for every image, computed once per plan. */
    @Override
    public Spec spec() {
        return new Spec("flat", List.of(Group.of(new Term(Constant.ONES, Modifier.ONES, null))),
                new Spec.Epsilon(epsilon), false);
    }

    @Override
    public String describe() {
        return "flat";
    }
}
