package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * The w^2 rule (Deep Taylor decomposition towards the nearest root in an unbounded input domain): shares in
 * proportion to the squared weights, independent of the input; the squared bias joins the denominator.
 */
public record WSquare(float epsilon, boolean zeroBias) implements Rule {

    public WSquare(float epsilon) {
        this(epsilon, false);
    }

    public WSquare() {
        this(DEFAULT_EPSILON, false);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "wsquare");
        Variable x = c.input();
        Variable w2 = c.derived("w^2", () -> Ops.square(a.weight()));
        Variable b = Terms.bias(a, zeroBias);
        Variable b2 = b == null ? null : c.derived("b^2", () -> Ops.square(b));
        Variable z = c.derived("wsquare-z" + zeroBias + x.shape(),
                () -> Terms.forwardOfConstant(a, Tensor.scalar(1f), x.shape(), w2, b2));
        Variable s = Terms.ratio(c.relevance(), z, epsilon);
        c.bias().add(b2, s);
        return Terms.single(a.transpose(s, w2, x.shape()));
    }

    @Override
    public String describe() {
        return zeroBias ? "wsquare(zero_bias)" : "wsquare";
    }
}
