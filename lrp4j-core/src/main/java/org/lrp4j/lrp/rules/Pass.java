package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * Relevance passes unchanged (reshaped to the input's shape): for activations such as ReLU and Tanh, whose
 * derivative LRP does not apply, and for reshapes, Identity, Dropout and folded BatchNorm.
 */
public record Pass() implements Rule {

    @Override
    public List<Variable> propagate(RuleContext c) {
        if (c.inputs().size() != 1 || c.input().shape().size() != c.relevance().shape().size()) {
            throw new IllegalArgumentException("rule pass applies to single-input nodes that keep the number of"
                    + " elements (activations, reshapes), not to node '" + c.node().name() + "' ("
                    + c.node().opType() + ")");
        }
        return Terms.single(Ops.reshape(c.relevance(), c.input().shape().toArray()));
    }

    @Override
    public String describe() {
        return "pass";
    }
}
