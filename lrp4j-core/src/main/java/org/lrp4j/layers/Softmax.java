package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Softmax along an axis (ONNX Softmax, opset 13 semantics). */
public record Softmax(int axis) implements Layer {

    @Override
    public String opType() {
        return "Softmax";
    }

    @Override
    public Role role() {
        return Role.ACTIVATION;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.softmax(inputs.get(0), axis);
    }
}
