package org.lrp4j.train;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/** Updates parameters from their accumulated gradients. */
public interface Optimizer {

    /** Applies one update to every parameter that has a gradient. */
    void step();

    /** The parameters this optimiser updates. */
    List<Variable> parameters();

    /** Clears the gradients of all parameters (call before each backward pass). */
    default void zeroGrad() {
        for (Variable p : parameters()) {
            p.zeroGrad();
        }
    }
}
