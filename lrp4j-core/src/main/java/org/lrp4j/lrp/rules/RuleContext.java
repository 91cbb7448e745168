package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;

/**
 * What a rule sees at one node: the node, the values of its inputs and output from the forward pass, and the
 * relevance that arrived at its output.
 */
public record RuleContext(Node node, List<Variable> inputs, Variable output, Variable relevance) {

    public RuleContext {
        inputs = List.copyOf(inputs);
    }

    public Variable input() {
        return inputs.get(0);
    }
}
