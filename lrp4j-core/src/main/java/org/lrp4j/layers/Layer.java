package org.lrp4j.layers;

import java.util.List;
import java.util.Map;

import org.lrp4j.autodiff.Variable;

/**
 * What one node of a model computes. Each layer names its ONNX operator, checks its inputs, and computes its
 * output with the differentiable {@link org.lrp4j.autodiff.Ops}, so gradients and LRP rules can pass through it.
 * Layers with parameters expose them by name ("weight", "bias", ...) and can be copied with other parameters,
 * which is how canonizers and LRP rules re-run a node with modified weights.
 */
public sealed interface Layer permits Linear, Conv2d, ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, MaxPool2d, AvgPool2d,
        GlobalAveragePool, ShapeOnly, BatchNorm, LocalResponseNorm, Add, Concat, Binary, Transpose, Clip, Pad,
        MatMul {

    /** The ONNX operator this layer corresponds to, e.g. "Conv", "Gemm", "Relu". */
    String opType();

    /** What the layer is to the explanation engines: its default LRP rule, whether it is linear, etc. */
    Role role();

    /** The number of inputs, or -1 for any number of at least one. */
    default int arity() {
        return 1;
    }

    Variable forward(List<Variable> inputs, ForwardContext context);

    /**
     * The inference output written over the layer's only input {@code x} and returned (x itself), or null when
     * the layer cannot compute in place. {@link org.lrp4j.graph.Model#predict} calls it when nothing else reads x
     * and x is an array that pass allocated; elementwise layers (ReLU, inference batch normalisation) implement it
     * so a forward pass that keeps no intermediate values allocates (and the JVM zeroes) fewer arrays. Must give the
     * same floats as {@link #forward} in inference mode.
     */
    default org.lrp4j.tensor.Tensor forwardInPlace(org.lrp4j.tensor.Tensor x) {
        return null;
    }

    /**
     * The transposed Jacobian at the recorded point applied to {@code v} (shaped like the output): for each input i,
     * sum_j (d out_j / d in_i) v_j, written with differentiable ops in v (and in the weights), so LRP rules built on
     * it (the gradient, norm, the Taylor rules) stay differentiable. {@code null} when the layer has no such form:
     * the engine then differentiates {@link #forward} (the right values, but not differentiable further).
     */
    default List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        return null;
    }

    /** Trainable parameters by name, in a stable order. */
    default Map<String, Variable> parameters() {
        return Map.of();
    }

    /** Non-trainable state saved with the model (BatchNorm running statistics). */
    default Map<String, org.lrp4j.tensor.Tensor> buffers() {
        return Map.of();
    }

    /** A copy of this layer with some parameters replaced; names not given keep their current value. */
    default Layer withParameters(Map<String, Variable> replacements) {
        if (!replacements.isEmpty()) {
            throw new IllegalArgumentException(opType() + " has no parameters, but " + replacements.keySet()
                    + " were given");
        }
        return this;
    }

    /** Checks a replacement map against the parameter names and shapes of {@code layer}. */
    static Variable replaced(Layer layer, Map<String, Variable> replacements, String name, Variable current) {
        for (String key : replacements.keySet()) {
            if (!layer.parameters().containsKey(key)) {
                throw new IllegalArgumentException(layer.opType() + " has no parameter '" + key + "'; it has "
                        + layer.parameters().keySet());
            }
        }
        Variable v = replacements.get(name);
        if (v == null) {
            return current;
        }
        if (current != null && !v.shape().equals(current.shape())) {
            throw new org.lrp4j.tensor.TensorShapeException(layer.opType() + ": replacement for '" + name
                    + "' must have shape " + current.shape() + " but has " + v.shape());
        }
        return v;
    }
}
