package org.lrp4j.lrp.rules;

import java.util.ArrayList;
import java.util.List;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.Add;
import org.lrp4j.layers.AvgPool2d;
import org.lrp4j.layers.BatchNorm;
import org.lrp4j.layers.Concat;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Dropout;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.layers.GlobalAveragePool;
import org.lrp4j.layers.Identity;
import org.lrp4j.layers.Layer;
import org.lrp4j.layers.LeakyReLU;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.ReLU;
import org.lrp4j.layers.Reshape;
import org.lrp4j.layers.Sigmoid;
import org.lrp4j.layers.Tanh;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Pooling;
import org.lrp4j.tensor.Tensor.UnaryOp;

/**
 * The transposed Jacobian of a node at the recorded point, applied to a vector v: sum_j (d f_j / d x_i) v_j for
 * each input. Written with differentiable ops in v (and in the weights) for the layers rules meet; any other
 * layer falls back to automatic differentiation (correct values, but not differentiable further).
 */
final class Jacobian {
    private Jacobian() {
    }

    static List<Variable> transpose(Node node, List<Variable> inputs, Variable output, Variable v) {
        Variable x = inputs.get(0);
        Layer layer = node.layer();
        if (layer instanceof Linear l) {
            return List.of(Ops.matmul(v, l.weight()));
        }
        if (layer instanceof Conv2d c) {
            return List.of(Ops.convTranspose2d(v, c.weight(), x.shape(), c.spec()));
        }
        if (layer instanceof ReLU) {
            return List.of(Ops.mul(v, Variable.constant(x.value().unary(UnaryOp.STEP))));
        }
        if (layer instanceof LeakyReLU l) {
            Tensor step = x.value().unary(UnaryOp.STEP);
            return List.of(Ops.mul(v, Variable.constant(step.mul(1f - l.slope()).add(l.slope()))));
        }
        if (layer instanceof Tanh) {
            return List.of(Ops.mul(v, Variable.constant(output.value().square().neg().add(1f))));
        }
        if (layer instanceof Sigmoid) {
            Tensor y = output.value();
            return List.of(Ops.mul(v, Variable.constant(y.mul(y.neg().add(1f)))));
        }
        if (layer instanceof MaxPool2d m) {
            if (!GradMode.isEnabled() || !v.requiresGrad()) {
                // nothing to differentiate: find each winner while routing, no argmax array
                return List.of(Variable.constant(Pooling.maxPoolRoute(x.value(), v.value(), m.spec())));
            }
            return List.of(Ops.maxUnpool2d(v, Ops.maxPoolArgmax(x.value(), m.spec()), x.shape()));
        }
        if (layer instanceof AvgPool2d a) {
            return List.of(Ops.avgPoolTranspose2d(v, x.shape(), a.spec()));
        }
        if (layer instanceof GlobalAveragePool) {
            return List.of(Ops.globalAvgPoolTranspose(v, x.shape()));
        }
        if (layer instanceof Flatten || layer instanceof Reshape) {
            return List.of(Ops.reshape(v, x.shape().toArray()));
        }
        if (layer instanceof Identity || layer instanceof Dropout) {
            return List.of(v);
        }
        if (layer instanceof Add) {
            return List.of(Ops.sumTo(v, inputs.get(0).shape()), Ops.sumTo(v, inputs.get(1).shape()));
        }
        if (layer instanceof Concat c) {
            int axis = v.shape().normalizeAxis(c.axis());
            List<Variable> parts = new ArrayList<>(inputs.size());
            int from = 0;
            for (Variable in : inputs) {
                int len = in.shape().dim(axis);
                parts.add(Ops.narrow(v, axis, from, len));
                from += len;
            }
            return parts;
        }
        if (layer instanceof BatchNorm b) {
            int[] dims = new int[x.shape().rank()];
            java.util.Arrays.fill(dims, 1);
            dims[1] = b.channels();
            Variable factor = Ops.mul(b.scale(), Variable.constant(b.runningVar().add(b.epsilon()).sqrt().reciprocal()));
            return List.of(Ops.mul(v, Ops.reshape(factor, dims)));
        }
        return byAutodiff(node, inputs, v);
    }

    /** Vector-Jacobian product by reverse-mode differentiation of the layer at the recorded inputs. */
    private static List<Variable> byAutodiff(Node node, List<Variable> inputs, Variable v) {
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
