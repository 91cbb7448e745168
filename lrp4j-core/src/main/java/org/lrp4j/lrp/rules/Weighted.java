package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/**
 * A rule for Conv and Gemm nodes written as a declaration of its terms ({@link Spec}); one executor runs every
 * declaration, with the stacking of maps, the terms computed once per plan and the shortcuts done once for all.
 */
public sealed interface Weighted extends Rule permits Epsilon, Zero, ZPlus, AlphaBeta, Gamma, Flat, WSquare, ZBox {

    /** The rule's terms, groups and stabilizer. */
    Spec spec();

    @Override
    default List<Variable> propagate(RuleContext context) {
        return SpecExecutor.propagate(spec(), context);
    }

    @Override
    default Variable forward(RuleContext context) {
        return SpecExecutor.forward(spec(), context);
    }
}
