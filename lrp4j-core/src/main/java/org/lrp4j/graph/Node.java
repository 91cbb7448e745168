package org.lrp4j.graph;

import java.util.List;

import org.lrp4j.layers.Layer;

/**
 * One node of a model graph, as in ONNX: a unique name, the layer it computes, the names of the tensors it
 * reads and the name of the tensor it writes.
 */
public record Node(String name, Layer layer, List<String> inputs, String output) {

    public Node {
        if (name == null || name.isEmpty()) {
            throw new GraphException("node: name must not be empty");
        }
        inputs = List.copyOf(inputs);
        if (layer.arity() >= 0 && inputs.size() != layer.arity()) {
            throw new GraphException("node '" + name + "' (" + layer.opType() + "): expects " + layer.arity()
                    + " input(s) but has " + inputs.size() + " " + inputs);
        }
        if (inputs.isEmpty()) {
            throw new GraphException("node '" + name + "' (" + layer.opType() + "): has no inputs");
        }
    }

    public String opType() {
        return layer.opType();
    }

    /** The same node computing another layer (same name and wiring). */
    public Node withLayer(Layer other) {
        return new Node(name, other, inputs, output);
    }
}
