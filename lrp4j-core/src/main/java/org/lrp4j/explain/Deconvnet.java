package org.lrp4j.explain;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * The deconvnet (Zeiler and Fergus 2014): the backward pass of the target logit where every ReLU applies the ReLU to
 * the incoming signal, g_in = max(g_out, 0), ignoring the forward mask; max pooling routes to the recorded maximum
 * (the "switches") and the linear layers use their transposed weights. Attribution shape = input shape.
 */
public final class Deconvnet extends TargetedExplainer {
    private final Backprop backprop;

    public Deconvnet(Model model) {
        super(model);
        this.backprop = new Backprop(model, Backprop.Relu.DECONV);
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Backprop.Result r = backprop.run(input, targets);
        return plain(r.gradient(), targets, r.output());
    }
}
