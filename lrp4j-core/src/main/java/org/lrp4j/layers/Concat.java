package org.lrp4j.layers;

import java.util.ArrayList;
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
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        int a = v.shape().normalizeAxis(axis());
        List<Variable> parts = new ArrayList<>(inputs.size());
        int from = 0;
        for (Variable in : inputs) {
            int len = in.shape().dim(a);
            parts.add(Ops.narrow(v, a, from, len));
            from += len;
        }
        return parts;
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
