package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.layers.LocalResponseNorm;

/**
 * The first-order Taylor rule for local renormalisation (LRN) layers of Binder et al. (ICANN 2016; seed 001). For
 * ONNX LRN, y_k = x_k / D_k^beta with D_k = bias + a S_k, a = alpha / size, S_k = sum_{i in N(k)} x_i^2 and the
 * window N(k) = [k - floor((size-1)/2), k + ceil((size-1)/2)] within the channels, the relevance R_k of output k
 * is split over the inputs j in N(k) in proportion to the terms of the first-order expansion at the root point that
 * keeps only x_k:
 * <pre>
 *   t_kk = x_k / (bias + a x_k^2)^beta,        t_jk = -2 beta a x_k x_j^2 / D_k^(beta+1)   (j != k),
 *   R_j  = sum_{k : j in N(k)} t_jk / stab(T_k) R_k,   T_k = sum_{j in N(k)} t_jk,   stab(T) = T + eps sign(T),
 * </pre>
 * sign(0) = +1, eps = 1e-9 by default. Per pixel, so it conserves relevance up to the stabiliser (the authors' Caffe
 * code did not normalise by T_k, and so did not conserve); as alpha tends to 0 it tends to the identity
 * ({@code pass}). The sign of x_k's own share is kept, and a strongly suppressing neighbour receives relevance of the
 * opposite sign. Computed with the differentiable ops: with k's in the transposed window {k : j in N(k)} =
 * [j - ceil((size-1)/2), j + floor((size-1)/2)],
 * R_j = t_jj q_j - 2 beta a x_j^2 (sum_{k : j in N(k)} u_k - u_j), q_k = R_k / stab(T_k), u_k = x_k q_k / D_k^(beta+1).
 */
public record LrnTaylor(float epsilon) implements Rule {

    public static final float DEFAULT_STABILIZER = 1e-9f;

    public LrnTaylor {
        if (!(epsilon >= 0) || Float.isInfinite(epsilon)) {
            throw new IllegalArgumentException("taylor: the stabilizer must be a finite number >= 0 but was " + epsilon);
        }
    }

    public LrnTaylor() {
        this(DEFAULT_STABILIZER);
    }

    @Override
    public List<Variable> propagate(RuleContext c) {
        if (!(c.node().layer() instanceof LocalResponseNorm lrn)) {
            throw new IllegalArgumentException("rule taylor applies to LRN nodes, not to node '" + c.node().name()
                    + "' (" + c.node().opType() + ")");
        }
        Variable x = c.input();
        float a = lrn.scale();
        float beta = lrn.beta();
        Variable x2 = Ops.square(x);
        Variable sum = Ops.channelWindowSum(x2, lrn.before(), lrn.after());                   // S_k
        Variable d = Ops.add(Ops.mul(sum, a), lrn.k());
        Variable own = Ops.div(x, Ops.pow(Ops.add(Ops.mul(x2, a), lrn.k()), beta));         // t_kk
        Variable dPow = Ops.pow(d, beta + 1f);                                                // D_k^(beta+1)
        Variable others = Ops.sub(sum, x2);                                                   // S_k - x_k^2
        Variable total = Ops.sub(own, Ops.div(Ops.mul(Ops.mul(x, others), 2f * beta * a), dPow)); // T_k
        Variable q = Ops.divStabilized(c.relevance(), total, epsilon);
        Variable u = Ops.div(Ops.mul(x, q), dPow);
        Variable spread = Ops.sub(Ops.channelWindowSum(u, lrn.after(), lrn.before()), u);
        return Terms.single(Ops.sub(Ops.mul(own, q), Ops.mul(Ops.mul(x2, spread), 2f * beta * a)));
    }

    @Override
    public String describe() {
        return epsilon == DEFAULT_STABILIZER ? "taylor" : "taylor(" + epsilon + ")";
    }
}
