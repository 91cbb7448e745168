package org.lrp4j.lrp.rules;

import java.util.ArrayList;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * Proportional split for parameter-free linear nodes (average pooling, global average pooling, a canonized
 * residual Add, Concat): R_i = x_i * sum_j (d f_j / d x_i) R_j / stab_eps(f_j(x)).
 */
public record Norm(float epsilon) implements Rule {

    public Norm() {
        this(DEFAULT_EPSILON);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        if (!c.node().layer().role().linearParameterFree()) {
            throw new IllegalArgumentException("rule norm applies to parameter-free linear nodes (pooling by"
                    + " averaging, Add, Concat, Pad, reshapes), not to node '" + c.node().name() + "' ("
                    + c.node().opType() + ")");
        }
        Variable s = Terms.ratio(c.relevance(), c.output(), epsilon);
        List<Variable> back = Jacobian.transpose(c.node(), c.inputs(), c.output(), s);
        List<Variable> out = new ArrayList<>(back.size());
        for (int i = 0; i < back.size(); i++) {
            out.add(back.get(i) == null ? null : Ops.mul(c.inputs().get(i), back.get(i)));
        }
        return out;
    }

    @Override
    public String describe() {
        return "norm";
    }
}
