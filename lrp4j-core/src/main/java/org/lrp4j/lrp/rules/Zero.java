package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * LRP-0 without any stabilizer: R_i = x_i * sum_j w_ij R_j / z_j, where units with z_j = 0 pass no relevance
 * (instead of dividing by zero).
 */
public record Zero(boolean zeroBias) implements Rule {

    public Zero() {
        this(false);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "zero");
        Variable x = c.input();
        Variable z = zeroBias && a.bias() != null ? a.forward(x, a.weight(), null) : c.output();
        Tensor dead = z.value().eq(Tensor.zeros(1));
        Variable numerator = Ops.where(dead, Terms.constantLike(z, 0f), c.relevance());
        Variable denominator = Ops.where(dead, Terms.constantLike(z, 1f), z);
        Variable s = Ops.div(numerator, denominator);
        c.bias().add(Terms.bias(a, zeroBias), s);
        return Terms.single(Ops.mul(x, a.transpose(s, a.weight(), x.shape())));
    }

    @Override
    public String describe() {
        return "zero(" + (zeroBias ? "zero_bias" : "") + ")";
    }
}
