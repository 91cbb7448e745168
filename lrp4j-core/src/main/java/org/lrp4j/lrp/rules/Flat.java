package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * The flat rule: every connected input gets an equal share, independent of the input and the weights
 * (weights replaced by 1, bias by 0, input by 1). For a convolution, border outputs have fewer connected inputs.
 */
public record Flat(float epsilon) implements Rule {

    public Flat() {
        this(DEFAULT_EPSILON);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "flat");
        Variable x = c.input();
        Variable ones = c.derived("ones", () -> Terms.ones(a.weight().shape()));
        // the same for every image: computed once and broadcast over the batch
        Variable z = c.derived("flat-z" + x.shape(),
                () -> Terms.forwardOfConstant(a, Tensor.scalar(1f), x.shape(), ones, null));
        Variable s = Terms.ratio(c.relevance(), z, epsilon);
        return Terms.single(a.transpose(s, ones, x.shape()));
    }

    @Override
    public String describe() {
        return "flat";
    }
}
