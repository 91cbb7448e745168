package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/**
 * How relevance passes one node: from the relevance at the node's output to the relevance of each of its inputs.
 * The family is closed; {@link Rules#parse} reads the textual form used on the command line
 * ({@code epsilon(0.25)}, {@code gamma(0.25)}, {@code alpha_beta(2,1)}, {@code zbox(-0.81,2.02)}, ...).
 * Stabilizers follow the convention stab(z) = z + eps * s(z) with s(0) = +1.
 */
public sealed interface Rule permits Weighted, Norm, LrnTaylor, Pass, Gradient, GuidedReluGradient, DeconvReluGradient,
        Projection {

    /** Relevance for each input of the node, in input order (null for an input that receives none). */
    List<Variable> propagate(RuleContext context);

    /**
     * The node's output in LRP's forward pass, when the rule computes it from terms it needs again in
     * {@link #propagate} (kept in {@code context.kept()}); null to let the layer compute it. The output must be the
     * node's function of its inputs, up to rounding.
     */
    default Variable forward(RuleContext context) {
        return null;
    }

    /** The textual form, e.g. {@code epsilon(1e-06)}; {@link Rules#parse} reads it back. */
    String describe();

    /** The default stabilizer of the weighted rules (Zennit's). */
    float DEFAULT_EPSILON = 1e-6f;
}
