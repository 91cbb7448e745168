package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/** Shared pieces of the rules and of {@link SpecExecutor}. */
final class Terms {
    private Terms() {
    }

    /** R / stab_eps(z). */
    static Variable ratio(Variable relevance, Variable z, float epsilon) {
        return Ops.divStabilized(relevance, z, epsilon);
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

    /**
     * Whether two maps of the same layer can run as one, with their weights stacked along the outputs: always for
     * Gemm, for Conv with one group (stacking would mix up the groups otherwise).
     */
    static boolean stackable(Affine a) {
        return a instanceof Affine.Dense || (a instanceof Affine.Conv conv && conv.layer().spec().groups() == 1);
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
