package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/**
 * The backward step of PatternNet and PatternAttribution at a Conv or Gemm node: the transposed map of the node
 * with its weight replaced by {@code weight} (same shape),
 * <pre>
 *   R_in = T(R; v)        v = a (PatternNet) or w * a (PatternAttribution); v = w gives the gradient
 * </pre>
 * Not a ratio of contributions, so it is no {@link Weighted} rule; the ReLU gates and max-pool routes around it are
 * the gradient's, from the traced forward pass. It carries a tensor per node, so {@link Rules#parse} does not read
 * it: PatternNet and PatternAttribution build it from fitted patterns.
 *
 * @param name   what replaces the weight, for {@link #describe()} (e.g. {@code a+}, {@code w*a+})
 * @param weight the replacement, shaped like the node's weight
 */
public record Projection(String name, Variable weight) implements Rule {

    @Override
    public List<Variable> propagate(RuleContext c) {
        Affine map = Affine.of(c.node(), "projection");
        if (!map.weight().shape().equals(weight.shape())) {
            throw new IllegalArgumentException("projection(" + name + ") at node '" + c.node().name() + "': weight "
                    + weight.shape() + " does not match the node's weight " + map.weight().shape());
        }
        return List.of(map.transpose(c.relevance(), weight, c.input().shape()));
    }

    @Override
    public String describe() {
        return "projection(" + name + ")";
    }
}
