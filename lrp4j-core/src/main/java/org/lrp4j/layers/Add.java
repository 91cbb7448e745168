package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Elementwise sum of two inputs with broadcasting (ONNX Add; residual connections). */
public record Add() implements Layer {

    @Override
    public String opType() {
        return "Add";
    }

    @Override
    public Role role() {
        return Role.COMBINING;
    }

    @Override
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        return List.of(Ops.sumTo(v, inputs.get(0).shape()), Ops.sumTo(v, inputs.get(1).shape()));
    }

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.add(inputs.get(0), inputs.get(1));
    }
}
