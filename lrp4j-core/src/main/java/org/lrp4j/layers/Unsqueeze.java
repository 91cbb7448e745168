package org.lrp4j.layers;

import java.util.Arrays;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.TensorShapeException;

/**
 * Inserts axes of size 1 (ONNX Unsqueeze): {@code axes} are positions in the output, negative ones counted from
 * the end of the output.
 */
public record Unsqueeze(int[] axes) implements ShapeOnly {

    public Unsqueeze {
        axes = axes.clone();
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    @Override
    public String opType() {
        return "Unsqueeze";
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Shape s = inputs.get(0).shape();
        int r = s.rank() + axes.length;
        boolean[] added = new boolean[r];
        for (int a : axes) {
            int ax = a < 0 ? a + r : a;
            if (ax < 0 || ax >= r || added[ax]) {
                throw new TensorShapeException("Unsqueeze: axes " + Arrays.toString(axes)
                        + " are out of range or repeated for an input of shape " + s);
            }
            added[ax] = true;
        }
        int[] d = new int[r];
        for (int i = 0, j = 0; i < r; i++) {
            d[i] = added[i] ? 1 : s.dim(j++);
        }
        return Ops.reshape(inputs.get(0), d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Unsqueeze q && Arrays.equals(axes, q.axes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes);
    }

    @Override
    public String toString() {
        return "Unsqueeze[axes=" + Arrays.toString(axes) + "]";
    }
}
