package org.lrp4j.layers;

import org.lrp4j.tensor.Shape;
import java.util.Arrays;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * Zero padding (ONNX Pad, constant mode with value 0). {@code pads} has ONNX's layout: the amounts before each
 * axis of the input (batch axis included), then the amounts after each axis.
 */
public record Pad(int[] pads) implements Layer {

    public Pad {
        pads = pads.clone();
        for (int p : pads) {
            if (p < 0) {
                throw new IllegalArgumentException("Pad: amounts must be >= 0 but were " + Arrays.toString(pads));
            }
        }
        if (pads.length % 2 != 0) {
            throw new IllegalArgumentException("Pad: needs an even number of amounts but got "
                    + Arrays.toString(pads));
        }
    }

    @Override
    public int[] pads() {
        return pads.clone();
    }

    @Override
    public String opType() {
        return "Pad";
    }

    @Override
    public Role role() {
        return Role.COMBINING;
    }

    @Override
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        Shape s = inputs.get(0).shape();
        Variable inner = v;
        for (int axis = 0; axis < s.rank(); axis++) {
            inner = Ops.narrow(inner, axis, pads[axis], s.dim(axis));
        }
        return List.of(inner);
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.pad(inputs.get(0), pads);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pad p && Arrays.equals(pads, p.pads);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pads);
    }

    @Override
    public String toString() {
        return "Pad[pads=" + Arrays.toString(pads) + "]";
    }
}
