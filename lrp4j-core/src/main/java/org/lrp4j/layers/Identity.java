package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/** Passes its input on (ONNX Identity). */
public record Identity() implements ShapeOnly {

    @Override
    public String opType() {
        return "Identity";
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return inputs.get(0);
    }
}
