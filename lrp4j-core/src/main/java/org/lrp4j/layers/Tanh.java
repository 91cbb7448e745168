package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Hyperbolic tangent (ONNX Tanh). */
public record Tanh() implements Layer {

    @Override
    public String opType() {
        return "Tanh";
    }

    @Override
    public Role role() {
        return Role.ACTIVATION;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.tanh(inputs.get(0));
    }
}
