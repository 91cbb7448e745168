package org.lrp4j.layers;

import org.lrp4j.tensor.Tensor;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Clamps to [min, max] (ONNX Clip; ReLU6 is Clip(0, 6)). Infinite bounds leave that side open. */
public record Clip(float min, float max) implements Layer {

    public Clip {
        if (Float.isNaN(min) || Float.isNaN(max)) {
            throw new IllegalArgumentException("Clip: bounds must not be NaN");
        }
    }

    @Override
    public String opType() {
        return "Clip";
    }

    @Override
    public Role role() {
        return Role.ACTIVATION;
    }

    @Override
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        Tensor x = inputs.get(0).value();
        return List.of(Ops.mul(v, Variable.constant(x.clamp(min, max).eq(x))));
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.clamp(inputs.get(0), min, max);
    }
}
