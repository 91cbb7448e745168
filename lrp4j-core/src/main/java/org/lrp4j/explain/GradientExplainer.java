package org.lrp4j.explain;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * The gradient (saliency) of the target logit with respect to the input, d f_t / d x, seed one_hot(target), on the
 * unmodified network (no canonizers). ReLU's derivative at exactly 0 is 0 and max pooling routes the gradient to
 * the first maximum of each window, as in PyTorch. Attribution shape = input shape.
 */
public final class GradientExplainer extends TargetedExplainer {
    private final Backprop backprop;

    public GradientExplainer(Model model) {
        super(model);
        this.backprop = new Backprop(model, Backprop.Relu.GRADIENT);
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Backprop.Result r = backprop.run(input, targets);
        return plain(r.gradient(), targets, r.output());
    }

    @Override
    protected Explanation explainOnOwnOutput(Tensor input, Targets targets) {
        Backprop.Targeted t = backprop.run(input, targets);
        return plain(t.result().gradient(), t.targets(), t.result().output());
    }
}
