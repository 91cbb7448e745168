package org.lrp4j.layers;

import java.util.Arrays;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.TensorShapeException;

/** Removes axes of size 1 (ONNX Squeeze with explicit axes; negative axes count from the end). */
public record Squeeze(int[] axes) implements ShapeOnly {

    public Squeeze {
        axes = axes.clone();
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    @Override
    public String opType() {
        return "Squeeze";
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Shape s = inputs.get(0).shape();
        boolean[] drop = new boolean[s.rank()];
        for (int a : axes) {
            int ax = s.normalizeAxis("Squeeze", a);
            if (s.dim(ax) != 1) {
                throw new TensorShapeException("Squeeze: axis " + a + " of " + s + " has size " + s.dim(ax)
                        + ", not 1");
            }
            drop[ax] = true;
        }
        int[] d = new int[s.rank()];
        int k = 0;
        for (int i = 0; i < s.rank(); i++) {
            if (!drop[i]) {
                d[k++] = s.dim(i);
            }
        }
        return Ops.reshape(inputs.get(0), Arrays.copyOf(d, k));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Squeeze q && Arrays.equals(axes, q.axes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes);
    }

    @Override
    public String toString() {
        return "Squeeze[axes=" + Arrays.toString(axes) + "]";
    }
}
