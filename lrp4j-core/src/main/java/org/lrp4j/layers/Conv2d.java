package org.lrp4j.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.TensorShapeException;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/** 2-D convolution (ONNX Conv): weight [Cout, C/groups, kH, kW], optional bias [Cout]. */
public record Conv2d(Conv2dSpec spec, Variable weight, Variable bias) implements Layer {

    public Conv2d {
        if (weight.shape().rank() != 4) {
            throw new TensorShapeException("Conv: weight must be [Cout, C/groups, kH, kW] but has shape "
                    + weight.shape());
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.shape().dim(0) != weight.shape().dim(0))) {
            throw new TensorShapeException("Conv: bias must be [" + weight.shape().dim(0) + "] but has shape "
                    + bias.shape());
        }
    }

    /** A square-kernel convolution with PyTorch's default initialisation (Kaiming uniform, a = sqrt(5)). */
    public static Conv2d of(int in, int out, int kernel, int stride, int pad, RandomGenerator rng) {
        int fanIn = in * kernel * kernel;
        return new Conv2d(Conv2dSpec.of(stride, pad),
                Variable.parameter(Init.pytorchDefault(rng, fanIn, out, in, kernel, kernel)),
                Variable.parameter(Init.pytorchDefault(rng, fanIn, out)));
    }

    public int inChannels() {
        return weight.shape().dim(1) * spec.groups();
    }

    public int outChannels() {
        return weight.shape().dim(0);
    }

    @Override
    public String opType() {
        return "Conv";
    }

    @Override
    public Role role() {
        return Role.WEIGHTED;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Variable x = inputs.get(0);
        if (x.shape().rank() != 4 || x.shape().dim(1) != inChannels()) {
            throw new TensorShapeException("Conv: input must be [N, " + inChannels() + ", H, W] for weight "
                    + weight.shape() + " (groups " + spec.groups() + ") but has shape " + x.shape());
        }
        return Ops.conv2d(x, weight, bias, spec);
    }

    @Override
    public Map<String, Variable> parameters() {
        Map<String, Variable> p = new LinkedHashMap<>();
        p.put("weight", weight);
        if (bias != null) {
            p.put("bias", bias);
        }
        return p;
    }

    @Override
    public Conv2d withParameters(Map<String, Variable> r) {
        return new Conv2d(spec, Layer.replaced(this, r, "weight", weight), Layer.replaced(this, r, "bias", bias));
    }
}
