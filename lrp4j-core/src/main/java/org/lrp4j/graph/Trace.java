package org.lrp4j.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.lrp4j.autodiff.Variable;

/**
 * What one forward pass computed: every tensor of the graph by name, so explainers can revisit each node's
 * inputs and output (and re-run it with modified parameters).
 */
public final class Trace {
    private final Model model;
    private final Map<String, Variable> values;

    Trace(Model model, Map<String, Variable> values) {
        this.model = model;
        this.values = Collections.unmodifiableMap(values);
    }

    public Model model() {
        return model;
    }

    /** Every tensor by name: graph inputs and node outputs. */
    public Map<String, Variable> values() {
        return values;
    }

    public Variable value(String tensorName) {
        Variable v = values.get(tensorName);
        if (v == null) {
            throw new GraphException("trace: no tensor named '" + tensorName + "'; known: " + values.keySet());
        }
        return v;
    }

    public List<Variable> inputs(Node node) {
        List<Variable> in = new ArrayList<>(node.inputs().size());
        for (String s : node.inputs()) {
            in.add(value(s));
        }
        return in;
    }

    public Variable output(Node node) {
        return value(node.output());
    }

    /** The output of the node with this name. */
    public Variable output(String nodeName) {
        return output(model.node(nodeName));
    }

    /** The first (usually only) model output. */
    public Variable output() {
        return value(model.outputs().get(0));
    }
}
