package org.lrp4j.autodiff;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.LocalResponse;
import org.lrp4j.tensor.Tensor.UnaryOp;
import org.lrp4j.tensor.TensorShapeException;
import org.lrp4j.tensor.kernel.Conv2d;
import org.lrp4j.tensor.kernel.Conv2dSpec;
import org.lrp4j.tensor.kernel.Pool2dSpec;
import org.lrp4j.tensor.kernel.Pooling;

/**
 * The differentiable operations. Each computes its value with the tensor engine and records how to send the
 * gradient back. Backward functions are written with tensor operations only, and every "transposed" operation a
 * backward needs (e.g. the transposed convolution) is itself an op here, so LRP rules built from these ops are
 * differentiable functions of the weights.
 */
public final class Ops {
    private Ops() {
    }

    private static Tensor[] grads(Tensor... g) {
        return g;
    }

    /**
     * Whether input {@code k} of a {@link Variable.SelectiveBackward} needs its gradient: it requires one and the
     * backward pass asks for it ({@code wanted} null asks for all).
     */
    private static boolean wanted(boolean[] wanted, int k, Variable v) {
        return v != null && v.requiresGrad() && (wanted == null || wanted[k]);
    }

    // ------------------------------------------------------------------ arithmetic with broadcasting

    public static Variable add(Variable a, Variable b) {
        Shape sa = a.shape();
        Shape sb = b.shape();
        return Variable.result(a.value().add(b.value()), "add",
                g -> grads(a.requiresGrad() ? g.sumTo(sa) : null, b.requiresGrad() ? g.sumTo(sb) : null), a, b);
    }

    public static Variable sub(Variable a, Variable b) {
        Shape sa = a.shape();
        Shape sb = b.shape();
        return Variable.result(a.value().sub(b.value()), "sub",
                g -> grads(a.requiresGrad() ? g.sumTo(sa) : null, b.requiresGrad() ? g.neg().sumTo(sb) : null), a, b);
    }

    public static Variable mul(Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        return Variable.result(av.mul(bv), "mul",
                g -> grads(a.requiresGrad() ? g.mul(bv).sumTo(av.shape()) : null,
                        b.requiresGrad() ? g.mul(av).sumTo(bv.shape()) : null), a, b);
    }

    public static Variable div(Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        Tensor out = av.div(bv);
        return Variable.result(out, "div",
                g -> {
                    Tensor ga = g.div(bv);
                    return grads(a.requiresGrad() ? ga.sumTo(av.shape()) : null,
                            b.requiresGrad() ? ga.mul(out).neg().sumTo(bv.shape()) : null);
                }, a, b);
    }

    public static Variable add(Variable a, float s) {
        return Variable.result(a.value().add(s), "addScalar", g -> grads(g), a);
    }

    public static Variable mul(Variable a, float s) {
        return Variable.result(a.value().mul(s), "mulScalar", g -> grads(g.mul(s)), a);
    }

    public static Variable neg(Variable a) {
        return Variable.result(a.value().neg(), "neg", g -> grads(g.neg()), a);
    }

    /** a ^ p for a constant exponent. */
    public static Variable pow(Variable a, float p) {
        Tensor av = a.value();
        return Variable.result(av.pow(p), "pow", g -> grads(g.mul(av.pow(p - 1f).mul(p))), a);
    }

    /** Elementwise maximum; the gradient goes to {@code a} where a &gt;= b, else to {@code b}. */
    public static Variable maximum(Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        return Variable.result(av.maximum(bv), "maximum", g -> {
            Tensor m = av.ge(bv);
            return grads(a.requiresGrad() ? g.mul(m).sumTo(av.shape()) : null,
                    b.requiresGrad() ? g.mul(m.neg().add(1f)).sumTo(bv.shape()) : null);
        }, a, b);
    }

    // ------------------------------------------------------------------ elementwise functions

    public static Variable exp(Variable a) {
        Tensor out = a.value().exp();
        return Variable.result(out, "exp", g -> grads(g.mul(out)), a);
    }

    public static Variable log(Variable a) {
        Tensor av = a.value();
        return Variable.result(av.log(), "log", g -> grads(g.div(av)), a);
    }

    public static Variable sqrt(Variable a) {
        Tensor out = a.value().sqrt();
        return Variable.result(out, "sqrt", g -> grads(g.div(out.mul(2f))), a);
    }

    public static Variable square(Variable a) {
        Tensor av = a.value();
        return Variable.result(av.square(), "square", g -> grads(g.mul(av).mul(2f)), a);
    }

    public static Variable reciprocal(Variable a) {
        Tensor out = a.value().reciprocal();
        return Variable.result(out, "reciprocal", g -> grads(g.mul(out.square()).neg()), a);
    }

    /** |a|; the gradient at 0 is 0. */
    public static Variable abs(Variable a) {
        Tensor av = a.value();
        return Variable.result(av.abs(), "abs", g -> grads(g.mul(av.sign())), a);
    }

    /** max(a, 0); the derivative at 0 is 0, as in PyTorch. */
    public static Variable relu(Variable a) {
        Tensor av = a.value();
        return Variable.result(av.relu(), "relu", g -> grads(g.wherePositive(av)), a);
    }

    /**
     * v where {@code condition} is positive, else 0 (a constant mask, so differentiable in v only): the transposed
     * Jacobian of a ReLU whose input was {@code condition}.
     */
    public static Variable wherePositive(Variable v, Tensor condition) {
        Shape vs = v.shape();
        return Variable.result(v.value().wherePositive(condition), "wherePositive", g -> {
            Tensor gv = g.wherePositive(condition);
            return grads(gv.shape().equals(vs) ? gv : gv.sumTo(vs));
        }, v);
    }

    /**
     * x * scale[c] + shift[c] over the channels c of axis 1 of x [N, C, ...]; scale and shift hold C values (any
     * shape of that size, such as [C] or [1, C, 1, 1]), shift may be null. Inference batch normalisation in one
     * pass instead of a broadcast multiply and add.
     */
    public static Variable channelAffine(Variable x, Variable scale, Variable shift) {
        Tensor xv = x.value();
        Tensor sv = scale.value();
        if (xv.rank() < 2) {
            throw new TensorShapeException("channelAffine: input must be [N, C, ...] but has shape " + xv.shape());
        }
        int[] dims = new int[xv.rank()];
        java.util.Arrays.fill(dims, 1);
        dims[1] = xv.dim(1);
        Tensor y = xv.channelAffine(sv, shift == null ? null : shift.value());
        return Variable.result(y, "channelAffine", (Variable.SelectiveBackward) (g, want) -> grads(
                wanted(want, 0, x) ? g.channelAffine(sv, null) : null,
                wanted(want, 1, scale) ? g.mul(xv).sumTo(Shape.of(dims)).reshape(sv.shape().toArray()) : null,
                wanted(want, 2, shift) ? g.sumTo(Shape.of(dims)).reshape(shift.shape().toArray()) : null),
                x, scale, shift);
    }

    /** a for a &gt; 0, slope * a otherwise. */
    public static Variable leakyRelu(Variable a, float slope) {
        Tensor av = a.value();
        Tensor step = av.unary(UnaryOp.STEP);
        // derivative: 1 where a > 0, slope elsewhere
        Tensor d = step.mul(1f - slope).add(slope);
        return Variable.result(av.mul(d), "leakyRelu", g -> grads(g.mul(d)), a);
    }

    public static Variable tanh(Variable a) {
        Tensor out = a.value().tanh();
        return Variable.result(out, "tanh", g -> grads(g.mul(out.square().neg().add(1f))), a);
    }

    public static Variable sigmoid(Variable a) {
        Tensor out = a.value().sigmoid();
        return Variable.result(out, "sigmoid", g -> grads(g.mul(out).mul(out.neg().add(1f))), a);
    }

    /** Clamps to [min, max]; the gradient passes where min &lt;= a &lt;= max (PyTorch's convention). */
    public static Variable clamp(Variable a, float min, float max) {
        Tensor av = a.value();
        return Variable.result(av.clamp(min, max), "clamp", g -> {
            Tensor inside = av.clamp(min, max).eq(av);
            return grads(g.mul(inside));
        }, a);
    }

    /** Positive part max(a, 0) (gradient 1 where a &gt;= 0). */
    public static Variable positive(Variable a) {
        return clamp(a, 0f, Float.POSITIVE_INFINITY);
    }

    /** Negative part min(a, 0) (gradient 1 where a &lt;= 0). */
    public static Variable negative(Variable a) {
        return clamp(a, Float.NEGATIVE_INFINITY, 0f);
    }

    /**
     * {@code mask != 0 ? a : b} elementwise; the mask is data, not differentiated. The gradient goes to the
     * selected operand.
     */
    public static Variable where(Tensor mask, Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        Tensor out = Tensor.where(mask, av, bv);
        return Variable.result(out, "where", g -> {
            Tensor zero = Tensor.zeros(1);
            return grads(a.requiresGrad() ? Tensor.where(mask, g, zero).sumTo(av.shape()) : null,
                    b.requiresGrad() ? Tensor.where(mask, zero, g).sumTo(bv.shape()) : null);
        }, a, b);
    }

    /**
     * The LRP stabilizer {@code z + eps * s(z)} with s(z) = +1 for z &gt;= 0 and -1 otherwise. The sign is treated
     * as a constant (its derivative is zero almost everywhere), so the gradient passes unchanged.
     */
    public static Variable stabilize(Variable z, float eps) {
        return Variable.result(z.value().stabilized(eps), "stabilize", g -> grads(g), z);
    }

    /**
     * r / stab_eps(z), the ratio every weighted LRP rule divides by, in one pass when the shapes agree. As in
     * {@link #stabilize}, the stabilizer's sign is a constant for differentiation.
     */
    public static Variable divStabilized(Variable r, Variable z, float eps) {
        if (!r.shape().equals(z.shape())) {
            return div(r, stabilize(z, eps));
        }
        Tensor zv = z.value();
        Tensor out = r.value().divStabilized(zv, eps);
        return Variable.result(out, "divStabilized", g -> {
            Tensor gr = g.divStabilized(zv, eps);
            return grads(r.requiresGrad() ? gr : null, z.requiresGrad() ? gr.mul(out).neg() : null);
        }, r, z);
    }

    // ------------------------------------------------------------------ reductions

    public static Variable sum(Variable a) {
        Shape s = a.shape();
        return Variable.result(a.value().sum(), "sum", g -> grads(Tensor.full(s, g.item())), a);
    }

    public static Variable mean(Variable a) {
        Shape s = a.shape();
        int n = Math.max(1, s.size());
        return Variable.result(a.value().mean(), "mean", g -> grads(Tensor.full(s, g.item() / n)), a);
    }

    /** Sum over {@code axes}. */
    public static Variable sum(Variable a, int[] axes, boolean keepDims) {
        Shape s = a.shape();
        Tensor out = a.value().sum(axes, keepDims);
        Shape kept = a.value().sum(axes, true).shape();
        return Variable.result(out, "sumAxes", g -> grads(g.reshape(kept).broadcastTo(s)), a);
    }

    /** Mean over {@code axes}. */
    public static Variable mean(Variable a, int[] axes, boolean keepDims) {
        int count = 1;
        for (int ax : axes) {
            count *= a.shape().dim(ax);
        }
        return mul(sum(a, axes, keepDims), 1f / Math.max(1, count));
    }

    /** Maximum along {@code axis}; the gradient goes to the first maximum. */
    public static Variable max(Variable a, int axis, boolean keepDims) {
        Tensor av = a.value();
        Shape s = a.shape();
        int ax = s.normalizeAxis(axis);
        Tensor out = av.max(ax, keepDims);
        Tensor arg = av.argmax(ax);
        return Variable.result(out, "max", g -> {
            Tensor gk = g.reshape(s.withDim(ax, 1));
            Tensor ak = arg.reshape(s.withDim(ax, 1));
            int outer = s.sizeOf(0, ax);
            int len = s.dim(ax);
            int inner = s.sizeOf(ax + 1, s.rank());
            float[] gi = new float[s.size()];
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    int k = (int) ak.getFlat(o * inner + i);
                    gi[(o * len + k) * inner + i] = gk.getFlat(o * inner + i);
                }
            }
            return grads(Tensor.wrap(gi, s));
        }, a);
    }

    // ------------------------------------------------------------------ shape

    public static Variable reshape(Variable a, int... dims) {
        Shape s = a.shape();
        return Variable.result(a.value().reshape(dims), "reshape", g -> grads(g.reshape(s)), a);
    }

    /** [N, d1, d2, ...] to [N, d1*d2*...] (ONNX Flatten with axis 1). */
    public static Variable flatten(Variable a) {
        return reshape(a, a.shape().dim(0), -1);
    }

    public static Variable permute(Variable a, int... perm) {
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[a.shape().normalizeAxis(perm[i])] = i;
        }
        return Variable.result(a.value().permute(perm), "permute", g -> grads(g.permute(inverse)), a);
    }

    /**
     * Zero padding along any axes, with ONNX's layout of {@code pads}: the amounts added before each axis
     * (axis 0, 1, ...), then the amounts added after each axis; all must be &gt;= 0. The gradient crops the padding
     * off again.
     */
    public static Variable pad(Variable a, int... pads) {
        Shape s = a.shape();
        int r = s.rank();
        if (pads.length != 2 * r) {
            throw new TensorShapeException("pad: " + pads.length + " pad amounts given for shape " + s + "; need "
                    + 2 * r + " (before and after each axis)");
        }
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            if (pads[i] < 0 || pads[i + r] < 0) {
                throw new IllegalArgumentException("pad: pad amounts must be >= 0 but were "
                        + java.util.Arrays.toString(pads));
            }
            long d = (long) s.dim(i) + pads[i] + pads[i + r];
            if (d > Integer.MAX_VALUE - 8) {
                throw new TensorShapeException("pad: padded axis " + i + " of " + s + " is too large");
            }
            out[i] = (int) d;
        }
        Shape os = Shape.of(out);
        int[] begin = java.util.Arrays.copyOf(pads, r);
        Tensor y = Tensor.zeros(os);
        copyBox(a.value(), y, begin, true);
        return Variable.result(y, "pad", g -> {
            Tensor gi = Tensor.zeros(s);
            copyBox(g, gi, begin, false);
            return grads(gi);
        }, a);
    }

    /**
     * Copies between a small tensor and the box of a large one that starts at {@code begin}: small into large when
     * {@code intoLarge}, else the box of {@code small}'s shape out of the large one.
     */
    private static void copyBox(Tensor from, Tensor to, int[] begin, boolean intoLarge) {
        Tensor small = intoLarge ? from : to;
        Tensor large = intoLarge ? to : from;
        Shape ss = small.shape();
        int r = ss.rank();
        if (ss.size() == 0) {
            return;
        }
        if (r == 0) {
            to.setFlat(0, from.getFlat(0));
            return;
        }
        int[] ls = large.shape().strides();
        int row = ss.dim(r - 1);
        int rows = ss.size() / row;
        int[] idx = new int[r - 1];
        float[] sd = small.data();
        float[] ld = large.data();
        int so = small.offset();
        for (int k = 0; k < rows; k++) {
            int lo = large.offset() + begin[r - 1];
            for (int ax = 0; ax < r - 1; ax++) {
                lo += (idx[ax] + begin[ax]) * ls[ax];
            }
            if (intoLarge) {
                System.arraycopy(sd, so + k * row, ld, lo, row);
            } else {
                System.arraycopy(ld, lo, sd, so + k * row, row);
            }
            for (int ax = r - 2; ax >= 0; ax--) {
                if (++idx[ax] < ss.dim(ax)) {
                    break;
                }
                idx[ax] = 0;
            }
        }
    }

    /** Copies {@code a} broadcast to {@code shape}; the gradient is summed back. */
    public static Variable broadcastTo(Variable a, Shape shape) {
        Shape s = a.shape();
        return Variable.result(a.value().broadcastTo(shape), "broadcastTo", g -> grads(g.sumTo(s)), a);
    }

    /** Sums {@code a} down to {@code shape} (the inverse of broadcasting); the gradient is broadcast back. */
    public static Variable sumTo(Variable a, Shape shape) {
        Shape s = a.shape();
        if (s.equals(shape)) {
            return a;
        }
        return Variable.result(a.value().sumTo(shape), "sumTo", g -> grads(g.broadcastTo(s)), a);
    }

    /** The part [from, from + length) of {@code a} along {@code axis}. */
    public static Variable narrow(Variable a, int axis, int from, int length) {
        Shape s = a.shape();
        int ax = s.normalizeAxis(axis);
        int after = s.dim(ax) - from - length;
        if (from < 0 || length < 0 || after < 0) {
            throw new TensorShapeException("narrow: range [" + from + ", " + (from + length) + ") is out of bounds for"
                    + " axis " + axis + " of " + s);
        }
        Tensor part = a.value().split(ax, from, length, after)[1];
        return Variable.result(part, "narrow", g -> grads(Tensor.concat(ax, Tensor.zeros(s.withDim(ax, from)), g,
                Tensor.zeros(s.withDim(ax, after)))), a);
    }

    /** Rows [from, to) along axis 0. */
    public static Variable slice(Variable a, int from, int to) {
        Shape s = a.shape();
        return Variable.result(a.value().slice(from, to).copy(), "slice", g -> {
            Tensor gi = Tensor.zeros(s);
            gi.slice(from, to).copyFromInPlace(g);
            return grads(gi);
        }, a);
    }

    /** The two halves of {@code axis} added (see {@link Tensor#addHalves}); the gradient goes to both halves. */
    public static Variable addHalves(Variable a, int axis) {
        int ax = a.shape().normalizeAxis(axis);
        return Variable.result(a.value().addHalves(ax), "addHalves", g -> grads(Tensor.concat(ax, g, g)), a);
    }

    public static Variable concat(int axis, Variable... parts) {
        Tensor[] values = new Tensor[parts.length];
        int[] sizes = new int[parts.length];
        int ax = parts.length == 0 ? 0 : parts[0].shape().normalizeAxis(axis);
        for (int i = 0; i < parts.length; i++) {
            values[i] = parts[i].value();
            sizes[i] = values[i].rank() > ax ? values[i].dim(ax) : 0;
        }
        Tensor out = Tensor.concat(axis, values);
        return Variable.result(out, "concat", g -> g.split(ax, sizes), parts);
    }

    public static Variable stack(int axis, Variable... parts) {
        Variable[] u = new Variable[parts.length];
        for (int i = 0; i < parts.length; i++) {
            int r = parts[i].shape().rank();
            int a = axis < 0 ? axis + r + 1 : axis;
            int[] d = new int[r + 1];
            for (int k = 0, j = 0; k <= r; k++) {
                d[k] = k == a ? 1 : parts[i].shape().dim(j++);
            }
            u[i] = reshape(parts[i], d);
        }
        return concat(axis, u);
    }

    // ------------------------------------------------------------------ linear algebra

    /** [m, k] x [k, n]. */
    public static Variable matmul(Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        return Variable.result(av.matmul(bv), "matmul", (Variable.SelectiveBackward) (g, want) -> grads(
                wanted(want, 0, a) ? Tensor.matmul(g, false, bv, true) : null,
                wanted(want, 1, b) ? Tensor.matmul(av, true, g, false) : null), a, b);
    }

    /**
     * Fully connected layer {@code y = x W^T + b} with x [N, in], W [out, in] (PyTorch's and ONNX Gemm transB=1
     * layout), b [out] or null.
     */
    public static Variable linear(Variable x, Variable w, Variable b) {
        Tensor xv = x.value();
        Tensor wv = w.value();
        if (xv.rank() != 2 || wv.rank() != 2) {
            throw new TensorShapeException("linear: input must be [N, in] and weight [out, in] but were " + xv.shape()
                    + " and " + wv.shape());
        }
        if (xv.dim(1) != wv.dim(1)) {
            throw new TensorShapeException("linear: input has " + xv.dim(1) + " features but the weight "
                    + wv.shape() + " expects " + wv.dim(1));
        }
        if (b != null && (b.shape().rank() != 1 || b.shape().dim(0) != wv.dim(0))) {
            throw TensorShapeException.expected("linear", "the bias shape", Shape.of(wv.dim(0)), b.shape());
        }
        Tensor y = Tensor.matmul(xv, false, wv, true);
        if (b != null) {
            y = y.add(b.value());
        }
        Shape bs = b == null ? null : b.shape();
        return Variable.result(y, "linear", (Variable.SelectiveBackward) (g, want) -> grads(
                wanted(want, 0, x) ? Tensor.matmul(g, false, wv, false) : null,
                wanted(want, 1, w) ? Tensor.matmul(g, true, xv, false) : null,
                wanted(want, 2, b) ? g.sumTo(bs) : null), x, w, b);
    }

    // ------------------------------------------------------------------ convolution and pooling

    /** 2-D convolution of x [N, C, H, W] with w [Cout, C/groups, kH, kW] and bias [Cout] (or null). */
    public static Variable conv2d(Variable x, Variable w, Variable b, Conv2dSpec spec) {
        Tensor xv = x.value();
        Tensor wv = w.value();
        Tensor y = Conv2d.forward(xv, wv, b == null ? null : b.value(), spec);
        return Variable.result(y, "conv2d", (Variable.SelectiveBackward) (g, want) -> grads(
                wanted(want, 0, x) ? Conv2d.backwardInput(g, wv, xv.shape(), spec) : null,
                wanted(want, 1, w) ? Conv2d.backwardWeight(xv, g, wv.shape(), spec) : null,
                wanted(want, 2, b) ? Conv2d.backwardBias(g) : null), x, w, b);
    }

    /**
     * Transposed convolution: the adjoint of {@link #conv2d} with the same weight and spec, mapping y [N, Cout,
     * OH, OW] back to {@code inputShape}. LRP rules send relevance through a convolution with it.
     */
    public static Variable convTranspose2d(Variable y, Variable w, Shape inputShape, Conv2dSpec spec) {
        Tensor yv = y.value();
        Tensor wv = w.value();
        Tensor x = Conv2d.backwardInput(yv, wv, inputShape, spec);
        return Variable.result(x, "convTranspose2d", (Variable.SelectiveBackward) (g, want) -> grads(
                wanted(want, 0, y) ? Conv2d.forward(g, wv, null, spec) : null,
                wanted(want, 1, w) ? Conv2d.backwardWeight(g, yv, wv.shape(), spec) : null), y, w);
    }

    /** Max pooling; the gradient goes to the first maximum of each window. */
    public static Variable maxPool2d(Variable x, Pool2dSpec spec) {
        Shape xs = x.shape();
        if (!GradMode.isEnabled() || !x.requiresGrad()) {
            return Variable.constant(Pooling.maxPoolValues(x.value(), spec));
        }
        Pooling.MaxPoolResult r = Pooling.maxPool(x.value(), spec);
        int[] argmax = r.argmax();
        return Variable.result(r.output(), "maxPool2d", g -> grads(Pooling.maxPoolBackward(g, argmax, xs)), x);
    }

    /** The positions (flat input indices) that {@link #maxPool2d} picks for {@code x}: for routing relevance. */
    public static int[] maxPoolArgmax(Tensor x, Pool2dSpec spec) {
        return Pooling.maxPool(x, spec).argmax();
    }

    /**
     * Sends each value of r [N, C, OH, OW] to the input position that won its max-pooling window
     * ({@code argmax} from {@link #maxPoolArgmax}); differentiable in r.
     */
    public static Variable maxUnpool2d(Variable r, int[] argmax, Shape inputShape) {
        Shape rs = r.shape();
        Tensor x = Pooling.maxPoolBackward(r.value(), argmax, inputShape);
        return Variable.result(x, "maxUnpool2d", g -> {
            float[] gd = g.data();
            int go = g.offset();
            float[] out = new float[rs.size()];
            for (int j = 0; j < out.length; j++) {
                out[j] = gd[go + argmax[j]];
            }
            return grads(Tensor.wrap(out, rs));
        }, r);
    }

    public static Variable avgPool2d(Variable x, Pool2dSpec spec) {
        Shape xs = x.shape();
        return Variable.result(Pooling.avgPool(x.value(), spec), "avgPool2d",
                g -> grads(Pooling.avgPoolBackward(g, xs, spec)), x);
    }

    /** The adjoint of {@link #avgPool2d}: spreads r back over each window with the pooling weights. */
    public static Variable avgPoolTranspose2d(Variable r, Shape inputShape, Pool2dSpec spec) {
        return Variable.result(Pooling.avgPoolBackward(r.value(), inputShape, spec), "avgPoolTranspose2d",
                g -> grads(Pooling.avgPool(g, spec)), r);
    }

    /** [N, C, H, W] to [N, C, 1, 1]. */
    public static Variable globalAvgPool(Variable x) {
        Shape xs = x.shape();
        return Variable.result(Pooling.globalAvgPool(x.value()), "globalAvgPool",
                g -> grads(Pooling.globalAvgPoolBackward(g, xs)), x);
    }

    /** The adjoint of {@link #globalAvgPool}. */
    public static Variable globalAvgPoolTranspose(Variable r, Shape inputShape) {
        return Variable.result(Pooling.globalAvgPoolBackward(r.value(), inputShape), "globalAvgPoolTranspose",
                g -> grads(Pooling.globalAvgPool(g)), r);
    }

    /**
     * Local response normalisation across channels (ONNX LRN) of [N, C, ...]: y_c = x_c / (bias + alpha / size
     * S_c)^beta, S_c the sum of x^2 over channels [c - floor((size-1)/2), c + ceil((size-1)/2)], forward and
     * backward each fused into one pass ({@link LocalResponse}).
     */
    public static Variable localResponseNorm(Variable x, int size, float alpha, float beta, float bias) {
        Tensor xv = x.value();
        Shape s = xv.shape();
        if (s.rank() < 3) {
            throw new TensorShapeException("LRN: input must be [N, C, ...] with rank >= 3 but has shape " + s);
        }
        int before = (size - 1) / 2;
        LocalResponse.Spec spec = new LocalResponse.Spec(s.dim(0), s.dim(1), s.sizeOf(2, s.rank()), before,
                size - 1 - before, alpha / size, beta, bias);
        float[] y = new float[s.size()];
        float[] scale = new float[s.size()];
        float[] inverse = new float[s.size()];
        LocalResponse.forward(spec, xv.data(), xv.offset(), y, scale, inverse);
        return Variable.result(Tensor.wrap(y, s), "localResponseNorm", g -> {
            float[] dx = new float[s.size()];
            LocalResponse.backward(spec, xv.data(), xv.offset(), g.data(), g.offset(), scale, inverse, dx);
            return grads(Tensor.wrap(dx, s));
        }, x);
    }

    /**
     * Sum over a window of channels (axis 1): {@code y_c = sum of x_c' for c - before <= c' <= c + after},
     * clipped to the channels. Local response normalisation is built on it.
     */
    public static Variable channelWindowSum(Variable x, int before, int after) {
        return Variable.result(windowSum(x.value(), before, after), "channelWindowSum",
                g -> grads(windowSum(g, after, before)), x);
    }

    private static Tensor windowSum(Tensor x, int before, int after) {
        Shape s = x.shape();
        if (s.rank() < 2) {
            throw new TensorShapeException("channelWindowSum: input must be [N, C, ...] but has shape " + s);
        }
        if (before < 0 || after < 0) {
            throw new IllegalArgumentException("channelWindowSum: window offsets must be >= 0 but were " + before
                    + ", " + after);
        }
        int n = s.dim(0);
        int c = s.dim(1);
        int inner = s.sizeOf(2, s.rank());
        float[] in = x.data();
        int off = x.offset();
        float[] out = new float[s.size()];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int lo = Math.max(0, ch - before);
                int hi = Math.min(c - 1, ch + after);
                int o = (b * c + ch) * inner;
                for (int k = lo; k <= hi; k++) {
                    int src = off + (b * c + k) * inner;
                    for (int i = 0; i < inner; i++) {
                        out[o + i] += in[src + i];
                    }
                }
            }
        }
        return Tensor.wrap(out, s);
    }

    // ------------------------------------------------------------------ probabilities and losses

    /** Softmax along {@code axis}, computed with the maximum subtracted. */
    public static Variable softmax(Variable a, int axis) {
        Tensor av = a.value();
        int ax = a.shape().normalizeAxis(axis);
        Tensor e = av.sub(av.max(ax, true)).exp();
        Tensor out = e.div(e.sum(ax, true));
        return Variable.result(out, "softmax", g -> grads(out.mul(g.sub(g.mul(out).sum(ax, true)))), a);
    }

    /** log(softmax(a)) along {@code axis}, computed stably. */
    public static Variable logSoftmax(Variable a, int axis) {
        Tensor av = a.value();
        int ax = a.shape().normalizeAxis(axis);
        Tensor shifted = av.sub(av.max(ax, true));
        Tensor out = shifted.sub(shifted.exp().sum(ax, true).log());
        return Variable.result(out, "logSoftmax", g -> {
            Tensor p = out.exp();
            return grads(g.sub(p.mul(g.sum(ax, true))));
        }, a);
    }

    /** Mean cross-entropy of logits [N, C] against class indices, as PyTorch's {@code cross_entropy}. */
    public static Variable crossEntropy(Variable logits, int[] targets) {
        Shape s = logits.shape();
        if (s.rank() != 2 || s.dim(0) != targets.length) {
            throw new TensorShapeException("crossEntropy: logits must be [N, C] with N = " + targets.length
                    + " targets but were " + s);
        }
        int c = s.dim(1);
        float[] onehot = new float[s.size()];
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] < 0 || targets[i] >= c) {
                throw new IllegalArgumentException("crossEntropy: target " + targets[i] + " of sample " + i
                        + " is not a class index in [0, " + c + ")");
            }
            onehot[i * c + targets[i]] = 1f;
        }
        Variable picked = mul(logSoftmax(logits, 1), Variable.constant(Tensor.wrap(onehot, s)));
        return mul(sum(picked), -1f / Math.max(1, targets.length));
    }

    /** Mean squared error. */
    public static Variable mse(Variable prediction, Variable target) {
        requireSameShape("mse", prediction, target);
        return mean(square(sub(prediction, target)));
    }

    /** Mean absolute error. */
    public static Variable l1(Variable prediction, Variable target) {
        requireSameShape("l1", prediction, target);
        return mean(abs(sub(prediction, target)));
    }

    private static void requireSameShape(String op, Variable a, Variable b) {
        if (!a.shape().equals(b.shape())) {
            throw TensorShapeException.expected(op, "the target's shape", a.shape(), b.shape());
        }
    }
}
