package org.lrp4j.layers;

import java.util.Arrays;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.TensorShapeException;

/**
 * Reshape to a target shape with ONNX semantics: 0 copies the input's dimension at that position, -1 is
 * inferred.
 */
public record Reshape(int[] shape) implements ShapeOnly {

    public Reshape {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public String opType() {
        return "Reshape";
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Shape in = inputs.get(0).shape();
        int[] target = shape.clone();
        for (int i = 0; i < target.length; i++) {
            if (target[i] == 0) {
                if (i >= in.rank()) {
                    throw new TensorShapeException("Reshape: target " + Arrays.toString(shape) + " copies dimension "
                            + i + " but the input " + in + " has rank " + in.rank());
                }
                target[i] = in.dim(i);
            }
        }
        return Ops.reshape(inputs.get(0), target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reshape r && Arrays.equals(shape, r.shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Reshape[shape=" + Arrays.toString(shape) + "]";
    }
}
