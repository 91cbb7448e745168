package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Joins its inputs along an axis (ONNX Concat). */
public record Concat(int axis) implements Layer {

    @Override
    public String opType() {
        return "Concat";
    }

    @Override
    public Role role() {
        return Role.COMBINING;
    }

    @Override
    public int arity() {
        return -1;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.concat(axis, inputs.toArray(new Variable[0]));
    }
}
