package org.lrp4j.explain;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * Sensitivity analysis (Simonyan et al. 2014; seed 001 of Montavon et al.): the squared gradient of the target
 * logit, summed over the channel axis, R_p = sum_c (d f_t / d x_{c,p})^2. For image input [N, C, H, W] the
 * attribution is [N, 1, H, W] (one map per image; axis 1 is always summed, so any [N, C, ...] input gives
 * [N, 1, ...]); for flat input [N, F] it is the elementwise squared gradient, [N, F]. It says which pixels
 * would change the score most, not what made the score: it is non-negative and does not sum to f.
 */
public final class Sensitivity extends TargetedExplainer {
    private final Backprop backprop;

    public Sensitivity(Model model) {
        super(model);
        this.backprop = new Backprop(model, Backprop.Relu.GRADIENT);
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Backprop.Result r = backprop.run(input, targets);
        Tensor g2 = r.gradient().square();
        return plain(input.rank() >= 3 ? g2.sum(1, true) : g2, targets, r.output());
    }
}
