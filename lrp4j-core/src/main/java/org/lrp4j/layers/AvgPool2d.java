package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/** 2-D average pooling (ONNX AveragePool), with or without counting the padding. */
public record AvgPool2d(Pool2dSpec spec) implements Layer {

    public static AvgPool2d of(int kernel, int stride) {
        return new AvgPool2d(Pool2dSpec.of(kernel, stride, 0));
    }

    @Override
    public String opType() {
        return "AveragePool";
    }

    @Override
    public Role role() {
        return Role.AVERAGING;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.avgPool2d(inputs.get(0), spec);
    }
}
