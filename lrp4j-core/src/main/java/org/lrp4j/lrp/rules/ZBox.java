package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * The z^B rule for the first layer when inputs lie in a box [low, high] (Deep Taylor decomposition with a
 * bounded domain): z_j = sum_i (x_i w_ij - low_i w_ij+ - high_i w_ij-). The bounds are scalars, per-channel
 * ([C, 1, 1] or [1, C, 1, 1]) or full-size tensors, broadcast to the input.
 */
public record ZBox(Tensor low, Tensor high, float epsilon) implements Rule {

    private static final String LINEAR_PART = "zbox/f(x;w)";

    public ZBox(float low, float high) {
        this(Tensor.scalar(low), Tensor.scalar(high), DEFAULT_EPSILON);
    }

    /**
     * The output as f(x; w) + b, keeping f(x; w): {@link #propagate} needs it without the bias, so the layer's
     * map is not run a second time.
     */
    @Override
    public Variable forward(RuleContext c) {
        Affine a = Affine.find(c.node()).orElse(null);
        if (a == null) {
            return null;
        }
        Variable f = a.forward(c.input(), a.weight(), null);
        c.kept().put(LINEAR_PART, f);
        return a.bias() == null ? f : a.addBias(f, a.bias());
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine a = Affine.of(c.node(), "zbox");
        Variable x = c.input();
        Variable l = Variable.constant(low.broadcastTo(x.shape()));
        Variable h = Variable.constant(high.broadcastTo(x.shape()));
        Variable w = a.weight();
        Variable wp = c.derived("w+", () -> Ops.positive(w));
        Variable wn = c.derived("w-", () -> Ops.negative(w));
        // f(low; w+) + f(high; w-): without a batch axis in the bounds the same for every image, so kept in the plan
        Variable bounds = perImage(low, x) || perImage(high, x)
                ? Ops.add(boundTerm(a, low, x, wp), boundTerm(a, high, x, wn))
                : c.derived("zbox-bounds" + x.shape(), () -> Ops.add(boundTerm(a, low, x, wp),
                        boundTerm(a, high, x, wn)));
        Variable f = c.kept().get(LINEAR_PART);
        Variable z = Ops.sub(f != null ? f : a.forward(x, w, null), bounds);
        Variable s = Terms.ratio(c.relevance(), z, epsilon);
        Variable[] t = Terms.transposeEach(a, c, "zbox", s, x.shape(), w, wp, wn);
        Variable r = Ops.sub(Ops.sub(Ops.mul(x, t[0]), Ops.mul(l, t[1])), Ops.mul(h, t[2]));
        return Terms.single(r);
    }

    private static boolean perImage(Tensor bound, Variable x) {
        return bound.rank() == x.shape().rank() && bound.dim(0) == x.shape().dim(0) && bound.dim(0) > 1;
    }

    /** f(bound; w): for a bound without a batch axis the same for every image, so computed once. */
    private static Variable boundTerm(Affine a, Tensor bound, Variable x, Variable w) {
        if (perImage(bound, x)) {
            return a.forward(Variable.constant(bound.broadcastTo(x.shape())), w, null);
        }
        return Terms.forwardOfConstant(a, bound.rank() == x.shape().rank() ? bound.reshape(Terms.single(bound.shape()))
                : bound, x.shape(), w, null);
    }

    @Override
    public String describe() {
        return "zbox(" + bound(low) + "," + bound(high) + ")";
    }

    private static String bound(Tensor t) {
        return t.size() == 1 ? Float.toString(t.getFlat(0)) : "tensor" + t.shape();
    }
}
