package org.lrp4j.explain;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * Gradient x input: x * d f_t / d x elementwise (seed one_hot(target)). For a ReLU network without biases it sums
 * to the target logit and equals LRP-0. Attribution shape = input shape.
 */
public final class GradientTimesInput extends TargetedExplainer {
    private final Backprop backprop;

    public GradientTimesInput(Model model) {
        super(model);
        this.backprop = new Backprop(model, Backprop.Relu.GRADIENT);
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Backprop.Result r = backprop.run(input, targets);
        return plain(r.gradient().mul(input), targets, r.output());
    }

    @Override
    protected Explanation explainOnOwnOutput(Tensor input, Targets targets) {
        Backprop.Targeted t = backprop.run(input, targets);
        return plain(t.result().gradient().mul(input), t.targets(), t.result().output());
    }
}
