package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * Guided backpropagation's ReLU backward (Springenberg et al. 2015): the incoming gradient passes only where it is
 * positive AND the ReLU's input was positive, g_in = max(g_out, 0) * 1[x &gt; 0]. Not an LRP rule: it is used with
 * {@link Gradient} on every other node to form a modified gradient.
 */
public record GuidedReluGradient() implements Rule {

    @Override
    public List<Variable> propagate(RuleContext c) {
        requireRelu(c, "guided_relu");
        return Terms.single(Ops.wherePositive(Ops.relu(Ops.reshape(c.relevance(), c.input().shape().toArray())),
                c.input().value()));
    }

    @Override
    public String describe() {
        return "guided_relu";
    }

    static void requireRelu(RuleContext c, String rule) {
        if (!c.node().opType().equals("Relu")) {
            throw new IllegalArgumentException("rule " + rule + " applies to Relu nodes, not to node '"
                    + c.node().name() + "' (" + c.node().opType() + ")");
        }
    }
}
