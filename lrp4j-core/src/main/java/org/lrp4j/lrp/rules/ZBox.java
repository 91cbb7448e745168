package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.lrp.rules.Spec.Constant;
import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Signed;
import org.lrp4j.lrp.rules.Spec.Term;
import org.lrp4j.tensor.Tensor;

/**
 * The z^B rule for the first layer when inputs lie in a box [low, high] (Deep Taylor decomposition with a
 * bounded domain): z_j = sum_i (x_i w_ij - low_i w_ij+ - high_i w_ij-). The bounds are scalars, per-channel
 * ([C, 1, 1] or [1, C, 1, 1]) or full-size tensors, broadcast to the input.
 */
public record ZBox(Tensor low, Tensor high, float epsilon) implements Weighted {

    public ZBox(float low, float high) {
        this(Tensor.scalar(low), Tensor.scalar(high), DEFAULT_EPSILON);
    }

    /**
     * One group {(x, w, none), (low, -w+, none), (high, -w-, none)}; the bound terms are computed once per plan
     * unless a bound has a batch axis.
     */
    @Override
    public Spec spec() {
        return new Spec("zbox", List.of(Group.of(new Term(Signed.X, Modifier.IDENTITY, null),
                new Term(new Constant("low", low), Modifier.MINUS_POSITIVE, null),
                new Term(new Constant("high", high), Modifier.MINUS_NEGATIVE, null))),
                new Spec.Epsilon(epsilon), false);
    }

    @Override
    public String describe() {
        return "zbox(" + bound(low) + "," + bound(high) + ")";
    }

    private static String bound(Tensor t) {
        return t.size() == 1 ? Float.toString(t.getFlat(0)) : "tensor" + t.shape();
    }
}
