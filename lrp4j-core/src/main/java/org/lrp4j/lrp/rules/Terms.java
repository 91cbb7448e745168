package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/** Shared pieces of the weighted rules. */
final class Terms {
    private Terms() {
    }

    /** R / stab_eps(z). */
    static Variable ratio(Variable relevance, Variable z, float epsilon) {
        return Ops.divStabilized(relevance, z, epsilon);
    }

    /** The bias to use: null when the layer has none or the rule ignores it. */
    static Variable bias(Affine a, boolean zeroBias) {
        return zeroBias ? null : a.bias();
    }

    static Variable positive(Variable v) {
        return v == null ? null : Ops.positive(v);
    }

    static Variable negative(Variable v) {
        return v == null ? null : Ops.negative(v);
    }

    /** a + b where either may be null (absent terms). */
    static Variable plus(Variable a, Variable b) {
        return a == null ? b : b == null ? a : Ops.add(a, b);
    }

    /**
     * The positive and negative parts of an input. When the input has no negative element (the usual case after
     * ReLU or max pooling) and no gradient is recorded through it, the negative part is null: every term it would
     * enter is zero, so the rules skip those convolutions.
     */
    static Variable[] signedParts(Variable x) {
        boolean recorded = GradMode.isEnabled() && x.requiresGrad();
        if (!recorded && x.value().min().item() >= 0f) {
            return new Variable[] {x, null};
        }
        return new Variable[] {Ops.positive(x), Ops.negative(x)};
    }

    /**
     * R * step(z), the relevance of the units with z &gt; 0, when no relevance arrives at units with z &lt; 0
     * (R = 0 wherever z &lt; 0; a NaN counts as relevance) and no gradient is recorded through R; otherwise null.
     * Then terms for the units with z &lt; 0 carry only zeros and can be skipped (a recorded R must keep them, as
     * their derivative is not zero). One pass for the check and the product.
     */
    static Variable positiveUnitsRelevance(Variable relevance, Tensor z) {
        Tensor r = relevance.value();
        if ((GradMode.isEnabled() && relevance.requiresGrad()) || !r.shape().equals(z.shape())) {
            return null;
        }
        // both read at the output's index: with offsets the compiler does not vectorize the loop (4x slower)
        float[] rd = r.offset() == 0 ? r.data() : r.toArray();
        float[] zd = z.offset() == 0 ? z.data() : z.toArray();
        float[] out = new float[r.size()];
        boolean[] reached = new boolean[1];
        org.lrp4j.tensor.kernel.Parallel.range(out.length, 1 << 15, (from, to) -> {
            // Branch-free (the signs of z are data, a branch on them mispredicts half the time): step(z) scales any
            // positive float, even a subnormal, to >= 1 before clamping; the largest |R| over units with z < 0 is
            // zero exactly when no relevance reaches them (and NaN when a NaN does). A max, unlike a sum, does not
            // depend on the order, so the compiler vectorizes it.
            float reaching = 0f;
            for (int i = from; i < to; i++) {
                float zi = zd[i];
                float ri = rd[i];
                out[i] = ri * Math.min(Math.max(zi * 0x1p127f * 0x1p127f, 0f), 1f);
                reaching = Math.max(reaching, Math.abs(ri) * Math.min(Math.max(zi * -0x1p127f * 0x1p127f, 0f), 1f));
            }
            if (reaching != 0f) {
                reached[0] = true;
            }
        });
        return reached[0] ? null : Variable.constant(Tensor.wrap(out, r.shape()));
    }

    /** f(x; w, b), or null when x is absent. */
    static Variable forward(Affine a, Variable x, Variable w, Variable b) {
        return x == null ? null : a.forward(x, w, b);
    }

    /** x * transpose(s; w), or null when x is absent. */
    static Variable back(Affine a, Variable x, Variable s, Variable w, Shape shape) {
        return x == null ? null : Ops.mul(x, a.transpose(s, w, shape));
    }

    /**
     * f(c; w, b) for an input that is the same for every image (all ones, or a bound broadcast over the batch):
     * computed for one image, shaped [1, ...] so that it broadcasts over the batch.
     */
    static Variable forwardOfConstant(Affine a, Tensor perImage, Shape inputShape, Variable w, Variable b) {
        int[] one = inputShape.toArray();
        one[0] = 1;
        return a.forward(Variable.constant(perImage.broadcastTo(Shape.of(one))), w, b);
    }

    /** The shape of one image of a batch: [1, ...]. */
    static Shape single(Shape batchShape) {
        int[] one = batchShape.toArray();
        one[0] = 1;
        return Shape.of(one);
    }

    /**
     * Whether two maps of the same layer can run as one, with their weights stacked along the outputs: always for
     * Gemm, for Conv with one group (stacking would mix up the groups otherwise).
     */
    static boolean stackable(Affine a) {
        return a instanceof Affine.Dense || (a instanceof Affine.Conv conv && conv.layer().spec().groups() == 1);
    }

    /** w1 and w2 stacked along the outputs (and their biases, a missing one as zeros), kept in the plan. */
    private static Variable[] stacked(Affine a, RuleContext c, String key, Variable w1, Variable b1, Variable w2,
                                      Variable b2) {
        Variable w = w1 == null ? null : c.derived(key + "/w", () -> Ops.concat(0, w1, w2));
        Variable b = b1 == null && b2 == null ? null : c.derived(key + "/b", () -> Ops.concat(0,
                b1 != null ? b1 : Variable.constant(Tensor.zeros(b2.shape())),
                b2 != null ? b2 : Variable.constant(Tensor.zeros(b1.shape()))));
        return new Variable[] {w, b};
    }

    /** [f(x; w1, b1); f(x; w2, b2)] along axis 1 as one map; requires {@link #stackable}. */
    static Variable forwardStacked(Affine a, RuleContext c, String key, Variable x, Variable w1, Variable b1,
                                   Variable w2, Variable b2) {
        Variable[] wb = stacked(a, c, key, w1, b1, w2, b2);
        return a.forward(x, wb[0], wb[1]);
    }

    /**
     * transpose(s; [w1; w2]) for s = [s1; s2] stacked along axis 1, which is transpose(s1; w1) + transpose(s2; w2)
     * in one transposed pass (the weights stacked along the outputs as in {@link #forwardStacked}, and kept
     * under the same key); requires {@link #stackable}.
     */
    static Variable transposeStacked(Affine a, RuleContext c, String key, Variable s, Variable w1, Variable w2,
                                     Shape inputShape) {
        return a.transpose(s, stacked(a, c, key, w1, null, w2, null)[0], inputShape);
    }

    /**
     * transpose(s; w_k) for each weight w_k. With {@link #stackable} weights, one transposed pass: the weights
     * stacked along the inputs (kept in the plan under {@code key}) map s to all the results at once, which reads
     * s and runs the GEMM once instead of once per weight.
     */
    static Variable[] transposeEach(Affine a, RuleContext c, String key, Variable s, Shape inputShape,
                                    Variable... weights) {
        Variable[] out = new Variable[weights.length];
        if (!stackable(a)) {
            for (int k = 0; k < weights.length; k++) {
                out[k] = a.transpose(s, weights[k], inputShape);
            }
            return out;
        }
        Variable w = c.derived(key + "/inputs", () -> Ops.concat(1, weights));
        int[] dims = inputShape.toArray();
        int per = dims[1];
        dims[1] = per * weights.length;
        Variable all = a.transpose(s, w, Shape.of(dims));
        for (int k = 0; k < weights.length; k++) {
            out[k] = Ops.narrow(all, 1, k * per, per);
        }
        return out;
    }

    // With an input of both signs the rules need f(x+; A) + f(x-; B) and, going back, x+ * T(s; A) + x- * T(s; B).
    // Stacking the two parts along the channels, x2 = [x+, x-], and the weights along the inputs, [A | B], makes
    // each of these one map: one im2col and GEMM whose accumulation does the sum, instead of two maps and an
    // elementwise pass over the (often large) output. The stacked weights are kept in the plan.

    /** [x+, x-] stacked along axis 1 (channels or features), for the signed maps below. */
    static Variable signedStack(Variable xp, Variable xn) {
        return Ops.concat(1, xp, xn);
    }

    /** f(x+; A) + f(x-; B) + b for x2 = {@link #signedStack}; requires {@link #stackable}. */
    static Variable signedForward(Affine a, RuleContext c, String key, Variable x2, Variable wa, Variable wb,
                                  Variable b) {
        return a.forward(x2, signedWeights(c, key, wa, wb), b);
    }

    /** [A | B]: the weights stacked along the inputs, kept in the plan. */
    private static Variable signedWeights(RuleContext c, String key, Variable wa, Variable wb) {
        return c.derived(key + "/signed", () -> Ops.concat(1, wa, wb));
    }

    /** [[A | B]; [B | A]], kept in the plan. */
    private static Variable signedPairWeights(RuleContext c, String key, Variable wa, Variable wb) {
        return c.derived(key + "/signed-pair", () -> Ops.concat(0, Ops.concat(1, wa, wb), Ops.concat(1, wb, wa)));
    }

    /**
     * f(x+; A) + f(x-; B) + b1 and f(x+; B) + f(x-; A) + b2, the two maps of a rule that splits contributions by
     * sign, stacked along axis 1 as one map with the weights [[A | B]; [B | A]]; requires {@link #stackable}.
     */
    static Variable signedForwardStacked(Affine a, RuleContext c, String key, Variable x2, Variable wa, Variable b1,
                                         Variable wb, Variable b2) {
        return a.forward(x2, signedPairWeights(c, key, wa, wb), stacked(a, c, key, null, b1, null, b2)[1]);
    }

    /** x+ * T(s; A) + x- * T(s; B) for x2 = {@link #signedStack}, in one transposed pass. */
    static Variable signedBack(Affine a, RuleContext c, String key, Variable x2, Variable s, Variable wa,
                               Variable wb) {
        return Ops.addHalves(Ops.mul(x2, a.transpose(s, signedWeights(c, key, wa, wb), x2.shape())), 1);
    }

    /**
     * x+ * (T(s1; A) + T(s2; B)) + x- * (T(s1; B) + T(s2; A)) for s = [s1; s2] stacked along axis 1, in one
     * transposed pass with the weights of {@link #signedForwardStacked}.
     */
    static Variable signedBackStacked(Affine a, RuleContext c, String key, Variable x2, Variable s, Variable wa,
                                      Variable wb) {
        return Ops.addHalves(Ops.mul(x2, a.transpose(s, signedPairWeights(c, key, wa, wb), x2.shape())), 1);
    }

    static Variable ones(Shape s) {
        return Variable.constant(Tensor.full(s, 1f));
    }

    static Variable constantLike(Variable v, float value) {
        return Variable.constant(Tensor.full(v.shape(), value));
    }

    static List<Variable> single(Variable v) {
        return List.of(v);
    }

    static String eps(float e) {
        return Float.toString(e);
    }

    static String zeroBiasSuffix(boolean zeroBias) {
        return zeroBias ? ", zero_bias" : "";
    }
}
