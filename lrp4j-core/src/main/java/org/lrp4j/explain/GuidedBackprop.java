package org.lrp4j.explain;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * Guided backpropagation (Springenberg et al. 2015): the gradient of the target logit where every ReLU passes back
 * only positive signals at positions where its input was positive, g_in = max(g_out, 0) * 1[x &gt; 0]; all other
 * nodes back-propagate their true gradient. Run by the LRP engine with the {@code guided_relu} rule on Relu nodes.
 * Attribution shape = input shape.
 */
public final class GuidedBackprop extends TargetedExplainer {
    private final Backprop backprop;

    public GuidedBackprop(Model model) {
        super(model);
        this.backprop = new Backprop(model, Backprop.Relu.GUIDED);
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Backprop.Result r = backprop.run(input, targets);
        return plain(r.gradient(), targets, r.output());
    }
}
