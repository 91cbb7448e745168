package org.lrp4j.lrp.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.lrp4j.tensor.Tensor;

/**
 * Reads rules from text, as written on the command line: {@code epsilon}, {@code epsilon(0.25)},
 * {@code zero}, {@code zplus}, {@code gamma(0.25)}, {@code alpha_beta(2,1)}, {@code zbox(-0.81,2.02)},
 * {@code flat}, {@code wsquare}, {@code norm}, {@code pass}, {@code gradient}. The weighted rules accept a
 * trailing {@code zero_bias} argument (ignore the bias, Zennit's zero_params='bias'), e.g.
 * {@code epsilon(0.25,zero_bias)}.
 */
public final class Rules {
    private Rules() {
    }

    public static final List<String> NAMES = List.of("epsilon", "zero", "zplus", "gamma", "alpha_beta", "zbox", "flat",
            "wsquare", "norm", "pass", "gradient", "taylor");

    private static final Pattern SYNTAX = Pattern.compile("\\s*([a-zA-Z_0-9]+)\\s*(?:\\((.*)\\))?\\s*");

    public static Rule parse(String text) {
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read rule '" + text + "'; write NAME or NAME(ARGS), e.g. "
                    + "epsilon(0.25), gamma(0.25), alpha_beta(2,1), zbox(-0.81,2.02); rules: " + NAMES);
        }
        String name = m.group(1).toLowerCase(Locale.ROOT);
        List<String> args = new ArrayList<>();
        if (m.group(2) != null && !m.group(2).isBlank()) {
            for (String a : m.group(2).split(",")) {
                args.add(a.trim());
            }
        }
        boolean zeroBias = args.remove("zero_bias");
        float[] v = numbers(text, args);
        return switch (name) {
            case "epsilon" -> new Epsilon(arity(text, v, 0, 1) == 0 ? Rule.DEFAULT_EPSILON : v[0], zeroBias);
            case "zero", "lrp0" -> {
                arity(text, v, 0, 0);
                yield new Zero(zeroBias);
            }
            case "zplus", "z_plus" -> {
                arity(text, v, 0, 0);
                yield new ZPlus(Rule.DEFAULT_EPSILON, zeroBias);
            }
            case "gamma" -> new Gamma(arity(text, v, 0, 1) == 0 ? 0.25f : v[0], Rule.DEFAULT_EPSILON, zeroBias);
            case "alpha_beta", "alphabeta" -> {
                arity(text, v, 2, 2);
                yield new AlphaBeta(v[0], v[1], Rule.DEFAULT_EPSILON, zeroBias);
            }
            case "alpha2_beta1" -> new AlphaBeta(2f, 1f, Rule.DEFAULT_EPSILON, zeroBias);
            case "alpha1_beta0" -> new AlphaBeta(1f, 0f, Rule.DEFAULT_EPSILON, zeroBias);
            case "zbox", "z_box" -> {
                arity(text, v, 2, 2);
                if (!(v[0] < v[1])) {
                    throw new IllegalArgumentException("zbox: low must be below high but got " + text);
                }
                yield new ZBox(Tensor.scalar(v[0]), Tensor.scalar(v[1]), Rule.DEFAULT_EPSILON);
            }
            case "flat" -> new Flat(arity(text, v, 0, 1) == 0 ? Rule.DEFAULT_EPSILON : v[0]);
            case "wsquare", "w_square", "w2" -> new WSquare(arity(text, v, 0, 1) == 0 ? Rule.DEFAULT_EPSILON : v[0],
                    zeroBias);
            case "norm" -> new Norm(arity(text, v, 0, 1) == 0 ? Rule.DEFAULT_EPSILON : v[0]);
            case "taylor" -> new LrnTaylor(arity(text, v, 0, 1) == 0 ? LrnTaylor.DEFAULT_STABILIZER : v[0]);
            case "pass" -> {
                arity(text, v, 0, 0);
                yield new Pass();
            }
            case "gradient" -> {
                arity(text, v, 0, 0);
                yield new Gradient();
            }
            default -> throw new IllegalArgumentException("unknown rule '" + m.group(1) + "' in '" + text
                    + "'; rules: " + NAMES);
        };
    }

    private static float[] numbers(String text, List<String> args) {
        float[] v = new float[args.size()];
        for (int i = 0; i < v.length; i++) {
            try {
                v[i] = Float.parseFloat(args.get(i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("rule '" + text + "': argument '" + args.get(i)
                        + "' is not a number");
            }
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException("rule '" + text + "': argument '" + args.get(i) + "' is not finite");
            }
        }
        return v;
    }

    private static int arity(String text, float[] v, int min, int max) {
        if (v.length < min || v.length > max) {
            throw new IllegalArgumentException("rule '" + text + "' takes " + (min == max ? min : min + " to " + max)
                    + " number(s) but got " + v.length);
        }
        return v.length;
    }
}
