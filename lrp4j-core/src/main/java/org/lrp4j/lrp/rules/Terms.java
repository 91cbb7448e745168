package org.lrp4j.lrp.rules;

import java.util.List;

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
        return Ops.div(relevance, Ops.stabilize(z, epsilon));
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
