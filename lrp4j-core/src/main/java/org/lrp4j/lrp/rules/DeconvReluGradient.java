package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * The deconvnet's ReLU backward (Zeiler and Fergus 2014): the ReLU is applied to the incoming signal and the
 * forward mask is ignored, g_in = max(g_out, 0). Not an LRP rule: it is used with {@link Gradient} on every other
 * node to form the deconvnet backward pass.
 */
public record DeconvReluGradient() implements Rule {

    @Override
    public List<Variable> propagate(RuleContext c) {
        GuidedReluGradient.requireRelu(c, "deconv_relu");
        return Terms.single(Ops.relu(Ops.reshape(c.relevance(), c.input().shape().toArray())));
    }

    @Override
    public String describe() {
        return "deconv_relu";
    }
}
