package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * A layer that only gives its one input another shape, the values in the same order (Flatten, Reshape, Squeeze,
 * Unsqueeze; Identity and Dropout at inference keep even the shape): its role is {@link Role#LAYOUT} and its
 * transposed Jacobian gives v the input's shape back.
 */
public sealed interface ShapeOnly extends Layer permits Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout {

    @Override
    default Role role() {
        return Role.LAYOUT;
    }

    @Override
    default List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        return List.of(v.shape().equals(inputs.get(0).shape()) ? v : Ops.reshape(v, inputs.get(0).shape().toArray()));
    }
}
