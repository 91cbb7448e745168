package org.lrp4j.lrp;

import java.util.ArrayList;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Dropout;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.layers.Identity;
import org.lrp4j.layers.Layer;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.ReLU;
import org.lrp4j.layers.Reshape;
import org.lrp4j.tensor.Tensor;

/**
 * LRP-epsilon with one epsilon per sample, written end to end with differentiable {@link Ops}, for training on
 * heatmaps (TEA). On a chain of Conv, Gemm, ReLU, MaxPool, Flatten/Reshape, Identity and Dropout nodes it gives
 * what {@link Lrp} gives with {@code epsilon(e)} on Conv and Gemm and the structural rules elsewhere (pass through
 * ReLU and reshapes, winner-takes-all through max pooling), but e may differ per sample:
 * <pre>
 *   R_out = logit_c * onehot(c);   Conv/Gemm: R_x = x * W^T (R_z / (z + e_n * s(z)))   (s(z) = +1 if z &gt;= 0 else -1)
 * </pre>
 * Every tensor on the path is a variable: x, z and the weights carry their gradients, so with parameters that
 * require gradients the heatmap is a differentiable function of the weights. Only the stabilizer's sign and the
 * max-pooling winners are constants (their derivative is zero almost everywhere). With e = 0 the result is
 * gradient x input; a unit with z = 0 then receives no relevance (its relevance is 0 in a ReLU network) and is
 * divided by 1 instead of 0.
 */
public final class EpsilonRelevance {
    private EpsilonRelevance() {
    }

    /** Throws a one-line {@link IllegalArgumentException} unless {@code m} is a chain of supported layers. */
    public static void requireSupported(Model m) {
        if (m.inputs().size() != 1 || m.outputs().size() != 1) {
            throw new IllegalArgumentException("differentiable LRP-epsilon needs one input and one output, but model '"
                    + m.name() + "' has " + m.inputs().size() + " and " + m.outputs().size());
        }
        String previous = m.inputs().get(0).name();
        for (Node n : m.nodes()) {
            if (!supported(n.layer())) {
                throw new IllegalArgumentException("differentiable LRP-epsilon supports chains of Conv, Gemm, Relu,"
                        + " MaxPool, Flatten, Reshape, Identity and Dropout nodes; node '" + n.name() + "' of model '"
                        + m.name() + "' is " + n.opType());
            }
            if (n.inputs().size() != 1 || !n.inputs().get(0).equals(previous)) {
                throw new IllegalArgumentException("differentiable LRP-epsilon needs a chain of nodes, each reading"
                        + " the previous one's output; node '" + n.name() + "' of model '" + m.name() + "' reads "
                        + n.inputs());
            }
            previous = n.output();
        }
        if (!previous.equals(m.outputs().get(0))) {
            throw new IllegalArgumentException("differentiable LRP-epsilon: the output of model '" + m.name()
                    + "' is not its last node's output");
        }
    }

    private static boolean supported(Layer l) {
        return l instanceof Conv2d || l instanceof Linear || l instanceof ReLU || l instanceof MaxPool2d
                || l instanceof Flatten || l instanceof Reshape || l instanceof Identity || l instanceof Dropout;
    }

    /** The logits and the input relevance. */
    public record Result(Variable logits, Variable relevance) {
    }

    /**
     * The relevance of {@code input} [N, ...] for class {@code targets[n]} of each sample, with stabilizer
     * {@code epsilon[n]}; differentiable in the input and in the model's parameters when they require gradients
     * and grad mode is on.
     */
    public static Result relevance(Model m, Variable input, int[] targets, float[] epsilon) {
        requireSupported(m);
        int n = input.shape().dim(0);
        if (targets.length != n || epsilon.length != n) {
            throw new IllegalArgumentException("differentiable LRP-epsilon: " + n + " samples but " + targets.length
                    + " targets and " + epsilon.length + " epsilons");
        }
        for (float e : epsilon) {
            if (!(e >= 0) || Float.isInfinite(e)) {
                throw new IllegalArgumentException("differentiable LRP-epsilon: epsilon must be finite and >= 0 but"
                        + " was " + e);
            }
        }
        List<Node> nodes = m.nodes();
        List<Variable> acts = new ArrayList<>(nodes.size() + 1);
        acts.add(input);
        for (Node node : nodes) {
            acts.add(node.layer().forward(List.of(acts.get(acts.size() - 1)), ForwardContext.inference()));
        }
        Variable logits = acts.get(nodes.size());
        if (logits.shape().rank() != 2) {
            throw new IllegalArgumentException("differentiable LRP-epsilon: model '" + m.name() + "' gives outputs "
                    + logits.shape() + ", not class scores [N, classes]");
        }
        int k = logits.shape().dim(1);
        float[] onehot = new float[n * k];
        for (int i = 0; i < n; i++) {
            if (targets[i] < 0 || targets[i] >= k) {
                throw new IllegalArgumentException("differentiable LRP-epsilon: target " + targets[i] + " of sample "
                        + i + " is not a class in [0, " + k + ")");
            }
            onehot[i * k + targets[i]] = 1f;
        }
        Variable r = Ops.mul(logits, Variable.constant(Tensor.wrap(onehot, n, k)));
        for (int j = nodes.size() - 1; j >= 0; j--) {
            Layer layer = nodes.get(j).layer();
            Variable x = acts.get(j);
            Variable z = acts.get(j + 1);
            if (layer instanceof Linear l) {
                r = Ops.mul(x, Ops.matmul(ratio(r, z, epsilon), l.weight()));
            } else if (layer instanceof Conv2d c) {
                r = Ops.mul(x, Ops.convTranspose2d(ratio(r, z, epsilon), c.weight(), x.shape(), c.spec()));
            } else if (layer instanceof MaxPool2d p) {
                r = Ops.maxUnpool2d(r, Ops.maxPoolArgmax(x.value(), p.spec()), x.shape());
            } else {
                r = Ops.reshape(r, x.shape().toArray());
            }
        }
        return new Result(logits, r);
    }

    /** r / (z + e_n s(z)): the stabilizer e_n s(z) is a constant, z is differentiated. */
    static Variable ratio(Variable r, Variable z, float[] epsilon) {
        Tensor zv = z.value();
        float[] zd = zv.data();
        int off = zv.offset();
        int per = zv.size() / epsilon.length;
        float[] shift = new float[zv.size()];
        for (int i = 0; i < shift.length; i++) {
            float e = epsilon[i / per];
            float v = zd[off + i];
            shift[i] = e == 0f ? (v == 0f ? 1f : 0f) : (v >= 0f ? e : -e);
        }
        return Ops.div(r, Ops.add(z, Variable.constant(Tensor.wrap(shift, zv.shape()))));
    }
}
