package org.lrp4j.lrp.rules;

import java.util.List;
import java.util.function.UnaryOperator;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * A weighted rule as a declaration (Zennit's BasicHook idea: input, parameter and output modifiers), which
 * {@link SpecExecutor} runs for a Conv or Gemm node with map f(x; w, b). The rule's groups g each have terms
 * k = (in_k, w_k, b_k), a unit mask and a coefficient c_g:
 * <pre>
 *   z_g = sum_k f(in_k; w_k, b_k)             the group's denominator
 *   s_g = mask_g(R) / stab(z_g)                the group's ratio
 *   R_in = sum_g c_g sum_k in_k * T(s_g; w_k)  T the transposed map
 * </pre>
 * For example epsilon is one group {(x, w, b)}; z+ is {(x+, w+, b+), (x-, w-, none)}.
 *
 * @param name      the rule's name in error messages
 * @param groups    the groups, in order
 * @param stabilizer how a ratio is stabilized
 * @param partition the groups' denominators sum to the layer's output f(x; w) + b when their biases sum to b (or to
 *                  f(x; w) when no group has a bias), so a traced forward may compute them instead of the output
 */
public record Spec(String name, List<Group> groups, Stabilizer stabilizer, boolean partition) {

    public Spec {
        groups = List.copyOf(groups);
        if (partition && groups.stream().flatMap(g -> g.terms().stream())
                .anyMatch(t -> t.input() instanceof Constant)) {
            throw new IllegalArgumentException("a partition of the output has no input-independent terms");
        }
    }

    /** One group of terms with a common denominator. */
    public record Group(List<Term> terms, Mask mask, float coefficient) {
        public Group {
            terms = List.copyOf(terms);
            if (terms.stream().map(Term::input).distinct().count() != terms.size()) {
                throw new IllegalArgumentException("a group reads each input once: " + terms);
            }
            if (terms.stream().filter(t -> t.bias() != null).count() > 1) {
                throw new IllegalArgumentException("at most one term of a group carries a bias: " + terms);
            }
        }

        /** A group over all units with coefficient 1. */
        public static Group of(Term... terms) {
            return new Group(List.of(terms), Mask.ALL, 1f);
        }
    }

    /** f(input; weight(w), bias(b)); {@code bias} null for none (zero_bias, or a term without bias). */
    public record Term(Input input, Modifier weight, Modifier bias) {
    }

    /** The units a group's relevance comes from, by the sign of the layer's output z. */
    public enum Mask {
        ALL, POSITIVE, NEGATIVE
    }

    /** What a term reads: the layer's input or a part of it, or an input-independent constant. */
    public sealed interface Input permits Signed, Constant {
    }

    /** x, x+ = max(x, 0) or x- = min(x, 0). */
    public enum Signed implements Input {
        X, X_POS, X_NEG
    }

    /**
     * An input-independent input, broadcast to the layer's input: all ones, or a bound of a box. Unless it has a
     * batch axis of its own, f(c; w, b) is the same for every image and computed once per plan.
     */
    public record Constant(String name, Tensor value) implements Input {
        public static final Constant ONES = new Constant("1", Tensor.scalar(1f));

        boolean isOnes() {
            return value.size() == 1 && value.getFlat(0) == 1f;
        }
    }

    /**
     * A named function of a parameter (weight or bias; w in the name stands for either). The name identifies the
     * function: derived parameters are kept in the plan under it.
     */
    public record Modifier(String name, UnaryOperator<Variable> function) {
        public static final Modifier IDENTITY = new Modifier("w", v -> v);
        public static final Modifier POSITIVE = new Modifier("w+", Ops::positive);
        public static final Modifier NEGATIVE = new Modifier("w-", Ops::negative);
        public static final Modifier MINUS_POSITIVE = new Modifier("-w+", v -> Ops.neg(Ops.positive(v)));
        public static final Modifier MINUS_NEGATIVE = new Modifier("-w-", v -> Ops.neg(Ops.negative(v)));
        public static final Modifier SQUARE = new Modifier("w^2", Ops::square);
        public static final Modifier ONES = new Modifier("1", v -> Variable.constant(Tensor.full(v.shape(), 1f)));

        /** (w + g w+) / (2 + g) or (w + g w-) / (2 + g): gamma's weights scaled so that the two sum to w. */
        public static Modifier gamma(float g, boolean positive) {
            return new Modifier("(w+" + g + "w" + (positive ? "+" : "-") + ")/(2+" + g + ")", w -> Ops.mul(
                    Ops.add(w, Ops.mul(positive ? Ops.positive(w) : Ops.negative(w), g)), 1f / (2f + g)));
        }

        /** The bias modifier: this one, or none with zero_bias. */
        public Modifier unless(boolean zeroBias) {
            return zeroBias ? null : this;
        }

        Variable apply(Variable v) {
            return function.apply(v);
        }
    }

    /** How R / z is stabilized. */
    public sealed interface Stabilizer permits Epsilon, DeadUnits {
        Variable ratio(Variable relevance, Variable z);
    }

    /** R / stab_eps(z) with stab_eps(z) = z + eps * s(z), s(0) = +1. */
    public record Epsilon(float epsilon) implements Stabilizer {
        @Override
        public Variable ratio(Variable relevance, Variable z) {
            return Ops.divStabilized(relevance, z, epsilon);
        }
    }

    /** R / z without a stabilizer, where units with z = 0 pass nothing. */
    public record DeadUnits() implements Stabilizer {
        @Override
        public Variable ratio(Variable relevance, Variable z) {
            Tensor dead = z.value().eq(Tensor.zeros(1));
            Variable numerator = Ops.where(dead, Variable.constant(Tensor.zeros(z.shape())), relevance);
            Variable denominator = Ops.where(dead, Variable.constant(Tensor.full(z.shape(), 1f)), z);
            return Ops.div(numerator, denominator);
        }
    }
}
