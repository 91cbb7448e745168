package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * Inverted dropout (ONNX Dropout): the identity at inference; in training each element is zeroed with
 * probability p and the rest scaled by 1 / (1 - p).
 */
public record Dropout(float p) implements ShapeOnly {

    public Dropout {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("Dropout: probability must be in [0, 1) but was " + p);
        }
    }

    @Override
    public String opType() {
        return "Dropout";
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Variable x = inputs.get(0);
        if (!context.training() || p == 0f) {
            return x;
        }
        float keep = 1f - p;
        float[] mask = new float[x.shape().size()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = context.rng().nextFloat() < keep ? 1f / keep : 0f;
        }
        return Ops.mul(x, Variable.constant(Tensor.wrap(mask, x.shape())));
    }
}
