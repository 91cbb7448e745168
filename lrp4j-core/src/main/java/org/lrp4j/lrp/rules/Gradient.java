package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/**
 * No LRP rule: the relevance vector is back-propagated as an ordinary gradient (the vector-Jacobian product of
 * the node). Max pooling sends each pooled value's relevance to the first maximum of its window; an uncanonized
 * Add copies relevance to both summands.
 */
public record Gradient() implements Rule {

    @Override
    public List<Variable> propagate(RuleContext c) {
        return Jacobian.transpose(c.node(), c.inputs(), c.output(), c.relevance());
    }

    @Override
    public String describe() {
        return "gradient";
    }
}
