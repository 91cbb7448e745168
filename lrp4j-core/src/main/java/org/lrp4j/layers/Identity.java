package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Passes its input on (ONNX Identity). */
public record Identity() implements Layer {

    @Override
    public String opType() {
        return "Identity";
    }

    @Override
    public Role role() {
        return Role.LAYOUT;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return inputs.get(0);
    }
}
