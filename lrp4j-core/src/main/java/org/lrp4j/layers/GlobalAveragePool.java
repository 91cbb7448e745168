package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Mean over H and W: [N, C, H, W] to [N, C, 1, 1] (ONNX GlobalAveragePool). */
public record GlobalAveragePool() implements Layer {

    @Override
    public String opType() {
        return "GlobalAveragePool";
    }

    @Override
    public Role role() {
        return Role.AVERAGING;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.globalAvgPool(inputs.get(0));
    }
}
