package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * The z+ rule: only positive contributions x_i w_ij &gt; 0 count, from positive inputs through positive weights
 * and from negative inputs through negative weights; only the positive part of the bias enters the
 * denominator. Equal to alpha_beta(1, 0).
 */
public record ZPlus(float epsilon, boolean zeroBias) implements Rule {

    public ZPlus() {
        this(DEFAULT_EPSILON, false);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "zplus");
        Variable x = c.input();
        Variable[] parts = Terms.signedParts(x);
        Variable xp = parts[0];
        Variable xn = parts[1];
        Variable wp = c.derived("w+", () -> Ops.positive(a.weight()));
        Variable wn = xn == null ? null : c.derived("w-", () -> Ops.negative(a.weight()));
        Variable bp = Terms.bias(a, zeroBias) == null ? null : c.derived("b+", () -> Ops.positive(a.bias()));
        if (xn != null && Terms.stackable(a)) {
            String key = "zplus" + zeroBias;
            Variable x2 = Terms.signedStack(xp, xn);
            Variable s = Terms.ratio(c.relevance(), Terms.signedForward(a, c, key, x2, wp, wn, bp), epsilon);
            c.bias().add(bp, s);
            return Terms.single(Terms.signedBack(a, c, key, x2, s, wp, wn));
        }
        Variable p = Terms.plus(a.forward(xp, wp, bp), Terms.forward(a, xn, wn, null));
        Variable s = Terms.ratio(c.relevance(), p, epsilon);
        c.bias().add(bp, s);
        return Terms.single(Terms.plus(Terms.back(a, xp, s, wp, x.shape()), Terms.back(a, xn, s, wn, x.shape())));
    }

    @Override
    public String describe() {
        return "zplus(" + Terms.eps(epsilon) + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
