package org.lrp4j.explain;

import org.lrp4j.graph.Model;
import org.lrp4j.patterns.Patterns;
import org.lrp4j.tensor.Tensor;

/**
 * PatternAttribution (Kindermans et al. 2018): Deep Taylor decomposition with the root point x0 = x - a w^T x
 * estimated from data, which makes each layer's step r_in = (w * a) r_out: the backward pass of the gradient
 * with each Conv and Gemm weight w replaced by w * a elementwise (a+ for a node read by ReLUs only, a otherwise),
 * ReLU gates and max-pool routes from the forward pass, seeded with the target logit's value. The result at the
 * input is returned as is (not multiplied by x). Attribution shape = input shape.
 */
public final class PatternAttribution extends TargetedExplainer {
    private final Backprop backprop;

    public PatternAttribution(Model model, Patterns patterns) {
        super(model);
        this.backprop = new Backprop(model, "patternattribution", PatternNet.projections(model, patterns, true));
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Backprop.Result r = backprop.runFromLogits(input, targets);
        return plain(r.gradient(), targets, r.output());
    }
}
