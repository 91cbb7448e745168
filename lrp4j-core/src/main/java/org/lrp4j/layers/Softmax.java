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
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        // J^T v = y * (v - sum_axis(y * v)), y the output
        Variable y = Variable.constant(output.value());
        int ax = output.shape().normalizeAxis(axis);
        return List.of(Ops.mul(y, Ops.sub(v, Ops.sum(Ops.mul(y, v), new int[] {ax}, true))));
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.softmax(inputs.get(0), axis);
    }
}
