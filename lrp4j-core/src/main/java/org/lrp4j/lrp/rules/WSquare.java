package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * The w^2 rule (Deep Taylor decomposition towards the nearest root in an unbounded input domain): shares in
 * proportion to the squared weights, independent of the input; the squared bias joins the denominator.
 */
public record WSquare(float epsilon) implements Rule {

    public WSquare() {
        this(DEFAULT_EPSILON);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "wsquare");
        Variable x = c.input();
        Variable w2 = Ops.square(a.weight());
        Variable b2 = a.bias() == null ? null : Ops.square(a.bias());
        Variable z = Terms.forwardOfConstant(a, Tensor.scalar(1f), x.shape(), w2, b2);
        Variable s = Terms.ratio(c.relevance(), z, epsilon);
        c.bias().add(b2, s);
        return Terms.single(a.transpose(s, w2, x.shape()));
    }

    @Override
    public String describe() {
        return "wsquare";
    }
}
