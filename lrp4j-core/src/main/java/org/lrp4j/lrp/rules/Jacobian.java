package org.lrp4j.lrp.rules;

import java.util.ArrayList;
import java.util.List;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.tensor.Tensor;

/**
 * The transposed Jacobian of a node at the recorded point, applied to a vector v: sum_j (d f_j / d x_i) v_j for
 * each input. Each layer gives its own in differentiable form ({@link org.lrp4j.layers.Layer#transposedJacobian});
 * a layer without one falls back to automatic differentiation (correct values, but not differentiable further).
 */
final class Jacobian {
    private Jacobian() {
    }

    static List<Variable> transpose(Node node, List<Variable> inputs, Variable output, Variable v) {
        List<Variable> own = node.layer().transposedJacobian(inputs, output, v);
        return own != null ? own : byAutodiff(node, inputs, v);
    }

    /**
     * Vector-Jacobian product by reverse-mode differentiation of the layer at the recorded inputs: constants, so it
     * refuses to run while a differentiable relevance is being recorded (it would silently cut the gradient).
     */
    private static List<Variable> byAutodiff(Node node, List<Variable> inputs, Variable v) {
        if (GradMode.isEnabled() && (v.requiresGrad() || inputs.stream().anyMatch(Variable::requiresGrad))) {
            throw new IllegalStateException("relevance through node '" + node.name() + "' (" + node.opType()
                    + ") is not differentiable: its layer has no differentiable transposed Jacobian"
                    + " (Layer.transposedJacobian); explain without gradients, or give the layer one");
        }
        List<Variable> leaves = new ArrayList<>(inputs.size());
        for (Variable in : inputs) {
            leaves.add(Variable.parameter(in.value()));
        }
        Variable out;
        try (GradMode.Scope enabled = enableGrad()) {
            out = node.layer().forward(leaves, ForwardContext.inference());
        }
        // only the inputs' gradients: the layer's weights (parameters too) get none computed and none accumulated
        List<Variable> result = new ArrayList<>(inputs.size());
        for (Tensor g : out.gradients(v.value(), leaves)) {
            result.add(Variable.constant(g));
        }
        return result;
    }

    /** Recording must be on for the fallback even inside a no-grad explanation. */
    private static GradMode.Scope enableGrad() {
        return GradMode.enabled();
    }
}
