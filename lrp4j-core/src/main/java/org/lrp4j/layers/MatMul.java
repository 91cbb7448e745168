package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * Matrix product of two computed rank-2 inputs [m, k] x [k, n] (ONNX MatMul). A product with a constant weight is
 * a {@link Linear} layer.
 */
public record MatMul() implements Layer {

    @Override
    public String opType() {
        return "MatMul";
    }

    @Override
    public Role role() {
        return Role.OTHER;
    }

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.matmul(inputs.get(0), inputs.get(1));
    }
}
