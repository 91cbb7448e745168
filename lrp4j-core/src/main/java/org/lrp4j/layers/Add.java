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
    public int arity() {
        return 2;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.add(inputs.get(0), inputs.get(1));
    }
}
