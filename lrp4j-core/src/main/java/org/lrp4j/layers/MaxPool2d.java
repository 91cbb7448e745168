package org.lrp4j.layers;

import org.lrp4j.tensor.kernel.Pooling;
import org.lrp4j.autodiff.GradMode;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/** 2-D max pooling (ONNX MaxPool); the gradient goes to the first maximum of each window. */
public record MaxPool2d(Pool2dSpec spec) implements Layer {

    public static MaxPool2d of(int kernel, int stride) {
        return new MaxPool2d(Pool2dSpec.of(kernel, stride, 0));
    }

    @Override
    public String opType() {
        return "MaxPool";
    }

    @Override
    public Role role() {
        return Role.ROUTING;
    }

    @Override
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        Variable x = inputs.get(0);
        if (!GradMode.isEnabled() || !v.requiresGrad()) {
            // nothing to differentiate: find each winner while routing, no argmax array
            return List.of(Variable.constant(Pooling.maxPoolRoute(x.value(), v.value(), spec())));
        }
        return List.of(Ops.maxUnpool2d(v, Ops.maxPoolArgmax(x.value(), spec()), x.shape()));
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.maxPool2d(inputs.get(0), spec);
    }
}
