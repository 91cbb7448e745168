package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** max(x, 0) (ONNX Relu). */
public record ReLU() implements Layer {

    @Override
    public String opType() {
        return "Relu";
    }

    @Override
    public Role role() {
        return Role.ACTIVATION;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.relu(inputs.get(0));
    }
}
