package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Logistic sigmoid (ONNX Sigmoid). */
public record Sigmoid() implements Layer {

    @Override
    public String opType() {
        return "Sigmoid";
    }

    @Override
    public Role role() {
        return Role.ACTIVATION;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.sigmoid(inputs.get(0));
    }
}
