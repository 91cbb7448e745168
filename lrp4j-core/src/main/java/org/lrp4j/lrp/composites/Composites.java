package org.lrp4j.lrp.composites;

import java.util.List;
import java.util.Locale;

import org.lrp4j.layers.Role;
import org.lrp4j.lrp.rules.AlphaBeta;
import org.lrp4j.lrp.rules.Epsilon;
import org.lrp4j.lrp.rules.Flat;
import org.lrp4j.lrp.rules.Gamma;
import org.lrp4j.lrp.rules.Gradient;
import org.lrp4j.lrp.rules.Norm;
import org.lrp4j.lrp.rules.LrnTaylor;
import org.lrp4j.lrp.rules.Pass;
import org.lrp4j.lrp.rules.ZBox;
import org.lrp4j.lrp.rules.ZPlus;
import org.lrp4j.tensor.Tensor;

/**
 * The preset composites, with the meaning Zennit gives them. All presets start from {@link #structural()}: the
 * rules of the nodes without weights.
 */
public final class Composites {
    private Composites() {
    }

    public static final List<String> NAMES = List.of("epsilon", "epsilon-plus", "epsilon-plus-flat",
            "epsilon-gamma-box", "epsilon-alpha2-beta1", "epsilon-alpha2-beta1-flat");

    /**
     * Rules for the nodes without weights, shared by every preset, by each layer's {@link Role}: activations and
     * layout changes pass relevance unchanged; local renormalisation (LRN) takes the first-order Taylor rule
     * ({@link LrnTaylor}, seed 001); average pooling takes the norm rule; max pooling, BatchNorm (when not merged by a
     * canonizer), residual Add and Concat (when not canonized), padding and other ops pass relevance as a gradient.
     * Conv and Gemm ({@link Role#WEIGHTED}) get no rule here.
     */
    public static Composite structural() {
        return Composite.empty("structural")
                .with(Selector.role(Role.ACTIVATION, Role.LAYOUT), new Pass())
                .with(Selector.role(Role.RENORMALIZATION), new LrnTaylor())
                .with(Selector.role(Role.AVERAGING), new Norm())
                .with(Selector.role(Role.ROUTING, Role.COMBINING, Role.OTHER), new Gradient());
    }

    /** Conv and Gemm: epsilon (what Captum's LRP applies to every layer by default). */
    public static Composite epsilon() {
        return structural().named("epsilon").with(Selector.opType("Conv", "Gemm"), new Epsilon());
    }

    /** Conv: zplus; Gemm: epsilon. */
    public static Composite epsilonPlus() {
        return structural().named("epsilon-plus")
                .with(Selector.opType("Conv"), new ZPlus())
                .with(Selector.opType("Gemm"), new Epsilon());
    }

    /** First Conv/Gemm: flat; other Conv: zplus; other Gemm: epsilon. */
    public static Composite epsilonPlusFlat() {
        return epsilonPlus().named("epsilon-plus-flat").with(Selector.first(), new Flat());
    }

    /** First Conv: zbox(low, high); other Conv: gamma(0.25); Gemm: epsilon. */
    public static Composite epsilonGammaBox(Tensor low, Tensor high) {
        return structural().named("epsilon-gamma-box")
                .with(Selector.opType("Conv"), new Gamma(0.25f))
                .with(Selector.opType("Gemm"), new Epsilon())
                .with(Selector.firstOf("Conv"), new ZBox(low, high, Epsilon.DEFAULT_EPSILON));
    }

    /** Conv: alpha_beta(2, 1); Gemm: epsilon. */
    public static Composite epsilonAlpha2Beta1() {
        return structural().named("epsilon-alpha2-beta1")
                .with(Selector.opType("Conv"), new AlphaBeta(2f, 1f))
                .with(Selector.opType("Gemm"), new Epsilon());
    }

    /** First Conv/Gemm: flat; other Conv: alpha_beta(2, 1); other Gemm: epsilon. */
    public static Composite epsilonAlpha2Beta1Flat() {
        return epsilonAlpha2Beta1().named("epsilon-alpha2-beta1-flat").with(Selector.first(), new Flat());
    }

    /**
     * A preset by name. {@code low} and {@code high} are the input bounds of epsilon-gamma-box (scalars, per
     * channel or full tensors) and may be null for the other presets.
     */
    public static Composite byName(String name, Tensor low, Tensor high) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "epsilon" -> epsilon();
            case "epsilon-plus" -> epsilonPlus();
            case "epsilon-plus-flat" -> epsilonPlusFlat();
            case "epsilon-gamma-box" -> {
                if (low == null || high == null) {
                    throw new IllegalArgumentException("composite epsilon-gamma-box needs the input bounds: give --low"
                            + " and --high (the smallest and largest value an input element can take)");
                }
                yield epsilonGammaBox(low, high);
            }
            case "epsilon-alpha2-beta1" -> epsilonAlpha2Beta1();
            case "epsilon-alpha2-beta1-flat" -> epsilonAlpha2Beta1Flat();
            default -> throw new IllegalArgumentException("unknown composite '" + name + "'; presets: " + NAMES);
        };
    }
}
