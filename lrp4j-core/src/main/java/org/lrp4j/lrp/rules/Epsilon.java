package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * LRP-epsilon: R_i = x_i * sum_j w_ij R_j / stab_eps(z_j), z_j = sum_i x_i w_ij + b_j. The bias is only in the
 * denominator, so its share (and the stabilizer's) is absorbed. With a tiny epsilon this is LRP-0.
 */
public record Epsilon(float epsilon, boolean zeroBias) implements Rule {

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

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "epsilon");
        Variable x = c.input();
        Variable z = zeroBias && a.bias() != null ? a.forward(x, a.weight(), null) : c.output();
        Variable s = Terms.ratio(c.relevance(), z, epsilon);
        c.bias().add(Terms.bias(a, zeroBias), s);
        return Terms.single(Ops.mul(x, a.transpose(s, a.weight(), x.shape())));
    }

    @Override
    public String describe() {
        return "epsilon(" + Terms.eps(epsilon) + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
