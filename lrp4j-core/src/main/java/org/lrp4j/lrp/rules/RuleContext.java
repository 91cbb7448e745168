package org.lrp4j.lrp.rules;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;

/**
 * What a rule sees at one node: the node, the values of its inputs and output from the forward pass, and the
 * relevance that arrived at its output; weighted rules note in {@code bias} what the bias absorbed. {@code kept}
 * holds the terms the rule's own {@link Rule#forward} computed in the forward pass (empty if it computed none);
 * in that call, output and relevance are still null. {@code rectified}: the output is read by ReLU nodes only,
 * so relevance that follows the activations reaches units with z &gt; 0 only (a hint for what a rule's forward
 * keeps; rules still check the relevance itself).
 */
public record RuleContext(Node node, List<Variable> inputs, Variable output, Variable relevance, BiasLedger bias,
                          DerivedWeights derived, Map<String, Variable> kept, boolean rectified) {

    public RuleContext {
        inputs = List.copyOf(inputs);
    }

    public RuleContext(Node node, List<Variable> inputs, Variable output, Variable relevance) {
        this(node, inputs, output, relevance, new BiasLedger(), DerivedWeights.uncached(), new HashMap<>(), false);
    }

    public Variable input() {
        return inputs.get(0);
    }
}
