package org.lrp4j.lrp.rules;

import java.util.List;

import org.lrp4j.lrp.rules.Spec.Group;
import org.lrp4j.lrp.rules.Spec.Mask;
import org.lrp4j.lrp.rules.Spec.Modifier;
import org.lrp4j.lrp.rules.Spec.Signed;
import org.lrp4j.lrp.rules.Spec.Term;

/**
 * The gamma rule: favours positive contributions by adding gamma times the positive (for units with z &gt; 0) or
 * negative (z &lt; 0) weights: U = w + g w+, V = w + g w-. Units with z = 0 pass nothing. Zennit's form, with
 * both signs of the input.
 */
public record Gamma(float gamma, float epsilon, boolean zeroBias) implements Weighted {

    public Gamma {
        if (!(gamma >= 0) || Float.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma: gamma must be a finite number >= 0 but was " + gamma);
        }
    }

    public Gamma(float gamma) {
        this(gamma, DEFAULT_EPSILON, false);
    }

    /**
     * With U' = U / (2 + g) and V' = V / (2 + g) (biases alike): p' = {(x+, U', b_U'), (x-, V', none)} for units
     * with z &gt; 0 and n' = {(x+, V', b_V'), (x-, U', none)} for units with z &lt; 0, stabilized by
     * eps / (2 + g). U + V = (2 + g) w, so p' + n' = z and the traced forward computes [p'; n']; the rule is
     * invariant to the scale (R / stab(p) times U equals R / stab'(p') times U' with the stabilizer scaled alike).
     */
    @Override
    public Spec spec() {
        Modifier u = Modifier.gamma(gamma, true);
        Modifier v = Modifier.gamma(gamma, false);
        return new Spec("gamma", List.of(
                new Group(List.of(new Term(Signed.X_POS, u, u.unless(zeroBias)), new Term(Signed.X_NEG, v, null)),
                        Mask.POSITIVE, 1f),
                new Group(List.of(new Term(Signed.X_POS, v, v.unless(zeroBias)), new Term(Signed.X_NEG, u, null)),
                        Mask.NEGATIVE, 1f)),
                new Spec.Epsilon(epsilon / (2f + gamma)), true);
    }

    @Override
    public String describe() {
        return "gamma(" + gamma + Terms.zeroBiasSuffix(zeroBias) + ")";
    }
}
