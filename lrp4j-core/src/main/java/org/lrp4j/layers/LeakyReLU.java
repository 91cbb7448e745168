package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** x for x &gt; 0, slope * x otherwise (ONNX LeakyRelu, whose attribute alpha is the slope). */
public record LeakyReLU(float slope) implements Layer {

    @Override
    public String opType() {
        return "LeakyRelu";
    }

    @Override
    public Role role() {
        return Role.ACTIVATION;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.leakyRelu(inputs.get(0), slope);
    }
}
