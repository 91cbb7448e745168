package org.lrp4j.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.TensorShapeException;

/** Fully connected layer y = x W^T + b (ONNX Gemm with transB = 1): weight [out, in], optional bias [out]. */
public record Linear(Variable weight, Variable bias) implements Layer {

    public Linear {
        if (weight.shape().rank() != 2) {
            throw new TensorShapeException("Gemm: weight must be [out, in] but has shape " + weight.shape());
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.shape().dim(0) != weight.shape().dim(0))) {
            throw new TensorShapeException("Gemm: bias must be [" + weight.shape().dim(0) + "] but has shape "
                    + bias.shape());
        }
    }

    /** PyTorch's default initialisation (Kaiming uniform, a = sqrt(5); bias uniform in +-1/sqrt(in)). */
    public static Linear of(int in, int out, RandomGenerator rng) {
        return new Linear(Variable.parameter(Init.pytorchDefault(rng, in, out, in)),
                Variable.parameter(Init.pytorchDefault(rng, in, out)));
    }

    public int inFeatures() {
        return weight.shape().dim(1);
    }

    public int outFeatures() {
        return weight.shape().dim(0);
    }

    @Override
    public String opType() {
        return "Gemm";
    }

    @Override
    public Role role() {
        return Role.WEIGHTED;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Variable x = inputs.get(0);
        if (x.shape().rank() != 2 || x.shape().dim(1) != inFeatures()) {
            throw new TensorShapeException("Gemm: input must be [N, " + inFeatures() + "] for weight "
                    + weight.shape() + " but has shape " + x.shape());
        }
        return Ops.linear(x, weight, bias);
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
    public Linear withParameters(Map<String, Variable> r) {
        return new Linear(Layer.replaced(this, r, "weight", weight), Layer.replaced(this, r, "bias", bias));
    }
}
