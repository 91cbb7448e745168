package org.lrp4j.layers;

import org.lrp4j.tensor.Tensor;
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
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        Tensor y = output.value();
        return List.of(Ops.mul(v, Variable.constant(y.mul(y.neg().add(1f)))));
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.sigmoid(inputs.get(0));
    }
}
