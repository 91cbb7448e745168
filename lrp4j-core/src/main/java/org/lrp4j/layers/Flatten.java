package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;

/** Reshapes to 2-D [d0 * ... * d(axis-1), d(axis) * ... ] (ONNX Flatten; axis 1 keeps the batch). */
public record Flatten(int axis) implements ShapeOnly {

    public Flatten() {
        this(1);
    }

    @Override
    public String opType() {
        return "Flatten";
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Shape s = inputs.get(0).shape();
        int a = axis < 0 ? axis + s.rank() : axis;
        if (a < 0 || a > s.rank()) {
            throw new org.lrp4j.tensor.TensorShapeException("Flatten: axis " + axis + " is out of range for input "
                    + s);
        }
        return Ops.reshape(inputs.get(0), s.sizeOf(0, a), s.sizeOf(a, s.rank()));
    }
}
