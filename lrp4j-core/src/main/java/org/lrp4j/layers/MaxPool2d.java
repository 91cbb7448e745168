package org.lrp4j.layers;

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
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.maxPool2d(inputs.get(0), spec);
    }
}
