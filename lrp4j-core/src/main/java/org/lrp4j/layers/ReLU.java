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
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        return List.of(Ops.wherePositive(v, inputs.get(0).value()));
    }

    @Override
    public org.lrp4j.tensor.Tensor forwardInPlace(org.lrp4j.tensor.Tensor x) {
        return x.unaryInPlace(org.lrp4j.tensor.Tensor.UnaryOp.RELU);
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.relu(inputs.get(0));
    }
}
