package org.lrp4j.explain;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.rules.Projection;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.patterns.Patterns;
import org.lrp4j.tensor.Tensor;

/**
 * PatternNet (Kindermans et al. 2018): the estimated signal of the target neuron projected back to the input,
 * layer by layer, with each Conv and Gemm weight replaced by its pattern (a+ for a node read by ReLUs only, a
 * otherwise), the ReLU gates and max-pool routes taken from the forward pass. Seeded like LRP with the target
 * logit's value, s_out = y. Attribution shape = input shape; a signal, not a decomposition (no conservation).
 */
public final class PatternNet extends TargetedExplainer {
    private final Backprop backprop;

    public PatternNet(Model model, Patterns patterns) {
        super(model);
        this.backprop = new Backprop(model, "patternnet", projections(model, patterns, false));
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Backprop.Result r = backprop.runFromLogits(input, targets);
        return plain(r.gradient(), targets, r.output());
    }

    /**
     * A {@link Projection} per Conv and Gemm node with the pattern, or with w * pattern when {@code timesWeight};
     * the patterns must belong to {@code model}.
     */
    static Map<String, Rule> projections(Model model, Patterns patterns, boolean timesWeight) {
        String hash = Patterns.modelHash(model);
        if (!patterns.modelHash().equals(hash)) {
            throw new IllegalArgumentException("the patterns belong to another model (parameters sha256 "
                    + patterns.modelHash() + ", model '" + model.name() + "' " + hash + "); fit patterns for this"
                    + " model with 'lrp4j patterns fit'");
        }
        Map<String, Rule> rules = new LinkedHashMap<>();
        for (Patterns.NodePatterns p : patterns.nodes().values()) {
            Tensor a = p.signal();
            String name = p.rectified() ? "a+" : "a";
            if (timesWeight) {
                Tensor w = model.parameter(p.node(), "weight").value();
                rules.put(p.node(), new Projection("w*" + name, Variable.constant(w.mul(a))));
            } else {
                rules.put(p.node(), new Projection(name, Variable.constant(a)));
            }
        }
        return rules;
    }
}
