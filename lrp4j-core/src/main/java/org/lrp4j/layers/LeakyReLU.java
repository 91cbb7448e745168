package org.lrp4j.layers;

import org.lrp4j.tensor.Tensor.UnaryOp;
import org.lrp4j.tensor.Tensor;
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
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        Tensor step = inputs.get(0).value().unary(UnaryOp.STEP);
        return List.of(Ops.mul(v, Variable.constant(step.mul(1f - slope()).add(slope()))));
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.leakyRelu(inputs.get(0), slope);
    }
}
