package org.lrp4j.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

/**
 * A tensor in a computation graph: its value, whether gradients flow to it, and the operation that made it.
 *
 * <p>Leaves are made by {@link #parameter} (gradients accumulate in {@link #grad()}) or {@link #constant}.
 * Every operation in {@link Ops} returns a new variable that remembers its inputs and how to send a gradient
 * back to them, when recording is on ({@link GradMode}) and some input requires a gradient.
 * {@link #backward()} then runs reverse-mode differentiation through the recorded graph.
 */
public final class Variable {
    private final Tensor value;
    private final boolean requiresGrad;
    private final Node creator;
    private Tensor grad;

    /** How one recorded operation sends the gradient of its output back to its inputs. */
    @FunctionalInterface
    interface Backward {
        /** Gradients for each input, aligned with the inputs; null where an input needs none. */
        Tensor[] apply(Tensor gradOutput);

        /**
         * The same, where only inputs k with {@code wanted[k]} must get a gradient (the others lead to no
         * variable the backward pass was asked about). By default every gradient is computed.
         */
        default Tensor[] apply(Tensor gradOutput, boolean[] wanted) {
            return apply(gradOutput);
        }
    }

    /**
     * A backward that skips the gradients nobody asked for: for the operations where they cost as much as the
     * forward pass (a weight's gradient when only the input's is wanted).
     */
    @FunctionalInterface
    interface SelectiveBackward extends Backward {
        @Override
        Tensor[] apply(Tensor gradOutput, boolean[] wanted);

        @Override
        default Tensor[] apply(Tensor gradOutput) {
            return apply(gradOutput, null);
        }
    }

    record Node(String op, Variable[] inputs, Backward backward) {
    }

    private Variable(Tensor value, boolean requiresGrad, Node creator) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.creator = creator;
    }

    /** A leaf that collects gradients (a weight, or an input whose attribution is wanted). */
    public static Variable parameter(Tensor value) {
        return new Variable(value, true, null);
    }

    /** A leaf that never receives gradients. */
    public static Variable constant(Tensor value) {
        return new Variable(value, false, null);
    }

    public static Variable constant(float value) {
        return constant(Tensor.scalar(value));
    }

    /** The result of an operation: recorded only if grad mode is on and some input requires a gradient. */
    static Variable result(Tensor value, String op, Backward backward, Variable... inputs) {
        if (GradMode.isEnabled()) {
            for (Variable in : inputs) {
                if (in != null && in.requiresGrad) {
                    return new Variable(value, true, new Node(op, inputs, backward));
                }
            }
        }
        return new Variable(value, false, null);
    }

    public Tensor value() {
        return value;
    }

    public Shape shape() {
        return value.shape();
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** True for parameters and constants, false for results of recorded operations. */
    public boolean isLeaf() {
        return creator == null;
    }

    /** The name of the operation that produced this variable, or "leaf". */
    public String op() {
        return creator == null ? "leaf" : creator.op();
    }

    /** Whether a gradient has been accumulated since the last {@link #zeroGrad()}. */
    public boolean hasGrad() {
        return grad != null;
    }

    /** The accumulated gradient of a leaf parameter. */
    public Tensor grad() {
        if (grad == null) {
            throw new IllegalStateException("no gradient: " + (requiresGrad ? (isLeaf()
                    ? "call backward() on a result that depends on this parameter first"
                    : "gradients are kept only for leaf parameters, not for the result of " + op())
                    : "this variable does not require gradients (use Variable.parameter)"));
        }
        return grad;
    }

    public void zeroGrad() {
        grad = null;
    }

    /** The same value, cut off from the graph. */
    public Variable detach() {
        return constant(value);
    }

    /** Back-propagates from this scalar (any tensor with one element). */
    public void backward() {
        if (value.size() != 1) {
            throw new TensorShapeException("backward: without a seed the output must have one element but has shape "
                    + value.shape() + "; pass a seed tensor of that shape");
        }
        backward(Tensor.full(value.shape(), 1f));
    }

    /** Back-propagates {@code seed} (the gradient of some scalar w.r.t. this variable) to every leaf parameter. */
    public void backward(Tensor seed) {
        propagate(seed, null);
    }

    /**
     * The gradients of (seed . this) with respect to {@code wrt} only, in their order, without touching any
     * accumulated {@link #grad()}: operations whose inputs lead to none of {@code wrt} are not differentiated, and
     * a convolution or matrix product computes no weight gradient unless a weight is among {@code wrt} (an
     * explanation needs the input's gradient, not the model's weights'). A variable of {@code wrt} that this one
     * does not depend on gets zeros.
     */
    public List<Tensor> gradients(Tensor seed, List<Variable> wrt) {
        Map<Variable, Tensor> found = propagate(seed, wrt);
        List<Tensor> out = new ArrayList<>(wrt.size());
        for (Variable w : wrt) {
            Tensor g = found.get(w);
            out.add(g != null ? g : Tensor.zeros(w.shape()));
        }
        return out;
    }

    /**
     * Reverse-mode differentiation from this variable. With {@code wrt} null, every leaf parameter accumulates its
     * gradient; otherwise only variables from which one of {@code wrt} is reachable are differentiated and the
     * gradients of {@code wrt} are returned (leaves' accumulated gradients untouched).
     */
    private Map<Variable, Tensor> propagate(Tensor seed, List<Variable> wrt) {
        if (!seed.shape().equals(value.shape())) {
            throw TensorShapeException.expected("backward", "the seed's shape", value.shape(), seed.shape());
        }
        if (!requiresGrad) {
            throw new IllegalStateException("backward: this variable does not depend on any parameter that requires a"
                    + " gradient (or it was computed with GradMode disabled)");
        }
        List<Variable> order = topologicalOrder();
        Set<Variable> live = null;
        Set<Variable> targets = null;
        if (wrt != null) {
            targets = Collections.newSetFromMap(new IdentityHashMap<>());
            targets.addAll(wrt);
            live = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Variable v : order) { // inputs first
                boolean reaches = targets.contains(v);
                if (!reaches && v.creator != null) {
                    for (Variable in : v.creator.inputs()) {
                        reaches |= in != null && live.contains(in);
                    }
                }
                if (reaches) {
                    live.add(v);
                }
            }
        }
        Map<Variable, Tensor> found = new IdentityHashMap<>();
        Map<Variable, Tensor> grads = new IdentityHashMap<>();
        grads.put(this, seed);
        for (int i = order.size() - 1; i >= 0; i--) {
            Variable v = order.get(i);
            Tensor g = grads.remove(v);
            if (g == null) {
                continue;
            }
            if (targets != null && targets.contains(v)) {
                found.put(v, g);
            }
            if (v.creator == null) {
                if (wrt == null) {
                    v.grad = v.grad == null ? g.copy() : v.grad.addInPlace(g);
                }
                continue;
            }
            Variable[] inputs = v.creator.inputs();
            Tensor[] gi;
            boolean[] wanted = null;
            if (live == null) {
                gi = v.creator.backward().apply(g);
            } else {
                wanted = new boolean[inputs.length];
                boolean any = false;
                for (int k = 0; k < inputs.length; k++) {
                    wanted[k] = inputs[k] != null && live.contains(inputs[k]);
                    any |= wanted[k];
                }
                if (!any) {
                    continue;
                }
                gi = v.creator.backward().apply(g, wanted);
            }
            for (int k = 0; k < inputs.length; k++) {
                Variable in = inputs[k];
                if (in == null || !in.requiresGrad || gi[k] == null || (wanted != null && !wanted[k])) {
                    continue;
                }
                if (!gi[k].shape().equals(in.shape())) {
                    throw new IllegalStateException("backward of " + v.creator.op() + ": gradient for input " + k
                            + " has shape " + gi[k].shape() + " but the input has shape " + in.shape());
                }
                Tensor prev = grads.get(in);
                // A gradient tensor may be shared with another input (e.g. add), so never accumulate into it.
                grads.put(in, prev == null ? gi[k] : prev.add(gi[k]));
            }
        }
        return found;
    }

    /** Variables that require gradients, inputs before the variables made from them; this is last. */
    private List<Variable> topologicalOrder() {
        List<Variable> order = new ArrayList<>();
        Set<Variable> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Variable> stack = new ArrayDeque<>();
        Deque<Integer> next = new ArrayDeque<>();
        stack.push(this);
        next.push(0);
        visited.add(this);
        while (!stack.isEmpty()) {
            Variable v = stack.peek();
            int k = next.pop();
            Variable[] inputs = v.creator == null ? new Variable[0] : v.creator.inputs();
            while (k < inputs.length && (inputs[k] == null || !inputs[k].requiresGrad || visited.contains(inputs[k]))) {
                k++;
            }
            if (k < inputs.length) {
                next.push(k + 1);
                Variable in = inputs[k];
                visited.add(in);
                stack.push(in);
                next.push(0);
            } else {
                stack.pop();
                order.add(v);
            }
        }
        return order;
    }

    // ------------------------------------------------------------------ fluent forms of the common ops

    public Variable add(Variable o) {
        return Ops.add(this, o);
    }

    public Variable sub(Variable o) {
        return Ops.sub(this, o);
    }

    public Variable mul(Variable o) {
        return Ops.mul(this, o);
    }

    public Variable div(Variable o) {
        return Ops.div(this, o);
    }

    public Variable add(float s) {
        return Ops.add(this, s);
    }

    public Variable mul(float s) {
        return Ops.mul(this, s);
    }

    public Variable neg() {
        return Ops.neg(this);
    }

    public Variable relu() {
        return Ops.relu(this);
    }

    public Variable sum() {
        return Ops.sum(this);
    }

    public Variable mean() {
        return Ops.mean(this);
    }

    public Variable reshape(int... dims) {
        return Ops.reshape(this, dims);
    }

    public Variable matmul(Variable o) {
        return Ops.matmul(this, o);
    }

    @Override
    public String toString() {
        return "Variable(" + op() + (requiresGrad ? ", requiresGrad" : "") + ") " + value;
    }
}
