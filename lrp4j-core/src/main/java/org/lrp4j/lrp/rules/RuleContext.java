package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;

/**
 * What a rule sees at one node: the node, the values of its inputs and output from the forward pass, and the
 * relevance that arrived at its output; weighted rules note in {@code bias} what the bias absorbed.
 */
public record RuleContext(Node node, List<Variable> inputs, Variable output, Variable relevance, BiasLedger bias,
                          DerivedWeights derived) {

    public RuleContext {
        inputs = List.copyOf(inputs);
    }

    public RuleContext(Node node, List<Variable> inputs, Variable output, Variable relevance) {
        this(node, inputs, output, relevance, new BiasLedger(), DerivedWeights.uncached());
    }

    /** A weight-derived term of this node, reused within the plan (see {@link DerivedWeights}). */
    public Variable derived(String key, java.util.function.Supplier<Variable> compute) {
        return derived.get(node.name(), key, compute);
    }

    public Variable input() {
        return inputs.get(0);
    }
}
