package org.lrp4j.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.lrp4j.explain.Explainers;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.lrp.rules.Rules;

/**
 * Reads the methods of an evaluation from text, as {@code lrp4j pixel-flipping --methods} takes them: a comma-separated
 * list (commas inside parentheses belong to a rule) of
 * <ul>
 *   <li>a method name of {@code lrp4j explain --method} ({@code gradient}, {@code sensitivity},
 *       {@code gradient-x-input}, {@code integrated-gradients}, {@code grad-cam}, ...), with that method's default
 *       options;</li>
 *   <li>{@code lrp:PRESET} (a composite: {@code epsilon-plus-flat}, {@code epsilon-gamma-box}, ...);</li>
 *   <li>{@code lrp:RULE}: that rule on every Conv and Gemm node, e.g. {@code lrp:epsilon(0.25)},
 *       {@code lrp:alpha_beta(1,0)} (the other nodes get the presets' structural rules);</li>
 *   <li>either followed by per-method rule overrides {@code ;SELECTOR=RULE}, e.g.
 *       {@code lrp:epsilon(0.01);LRN=pass}, or {@code lrp:SELECTOR=RULE;...} alone;</li>
 *   <li>{@code random}: a random heatmap (uniform values, seeded), the baseline.</li>
 * </ul>
 * The text of each entry is the method's name in the reports. Every entry is checked against the model when read.
 */
public final class MethodSpecs {
    private MethodSpecs() {
    }

    /** Splits at commas outside parentheses. */
    public static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char ch : list.toCharArray()) {
            if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
                if (depth < 0) {
                    throw new IllegalArgumentException("unbalanced ')' in methods '" + list + "'");
                }
            }
            if (ch == ',' && depth == 0) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("unbalanced '(' in methods '" + list + "'");
        }
        out.add(cur.toString().trim());
        for (String s : out) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("empty method in '" + list + "'; write e.g."
                        + " lrp:epsilon-plus-flat,gradient-x-input,random");
            }
        }
        return out;
    }

    /**
     * The methods of a comma-separated list for {@code model}. {@code options} carries the input bounds (for
     * epsilon-gamma-box and deep-taylor) and the other methods' options; {@code seed} seeds the random heatmap.
     */
    public static List<Method> parse(String list, Model model, MethodOptions options, long seed) {
        List<Method> out = new ArrayList<>();
        for (String spec : split(list)) {
            Method m = parseOne(spec, model, options, seed);
            if (out.stream().anyMatch(o -> o.name().equals(m.name()))) {
                throw new IllegalArgumentException("method '" + spec + "' is given twice");
            }
            out.add(m);
        }
        return out;
    }

    static Method parseOne(String spec, Model model, MethodOptions options, long seed) {
        String s = spec.trim();
        if (s.equalsIgnoreCase("random")) {
            return Method.randomHeatmap(s, seed);
        }
        return Method.of(s, explainer(s, model, options, false));
    }

    /**
     * The explainer of one method spec (not {@code random}): {@code lrp:...} as described above, with the per-node
     * conservation report when {@code perNodeReport}, or a method name of {@link Explainers}.
     */
    public static org.lrp4j.explain.Explainer explainer(String spec, Model model, MethodOptions options,
                                                        boolean perNodeReport) {
        String s = spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("lrp:")) {
            return lrp(s.substring(4), model, options, perNodeReport);
        }
        if (lower.equals("lrp")) {
            return LrpExplainer.builder(model, options.composite()).perNodeReport(perNodeReport).build();
        }
        String name = lower.replace('_', '-');
        if (!Explainers.NAMES.contains(name) && !name.equals("gradcam") && !name.equals("ig")
                && !name.equals("saliency")) {
            throw new IllegalArgumentException("unknown method '" + s + "'; give lrp:PRESET, lrp:RULE, random or one"
                    + " of " + Explainers.NAMES);
        }
        return Explainers.byName(name, model, options);
    }

    /** PRESET or RULE, then ;SELECTOR=RULE overrides; or only overrides. */
    private static LrpExplainer lrp(String body, Model model, MethodOptions options, boolean perNodeReport) {
        String[] parts = body.split(";");
        Composite base;
        int next = 0;
        String head = parts[0].trim();
        if (head.isEmpty()) {
            throw new IllegalArgumentException("'lrp:' needs a preset or a rule, e.g. lrp:epsilon-plus-flat,"
                    + " lrp:epsilon(0.25) or lrp:Conv=zplus;Gemm=epsilon");
        }
        if (head.contains("=")) {
            base = Composites.structural().named("rules");
        } else if (Composites.NAMES.contains(head.toLowerCase(Locale.ROOT))) {
            base = Composites.byName(head, options.low(), options.high());
            next = 1;
        } else {
            Rule r;
            try {
                r = Rules.parse(head);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'lrp:" + body + "': '" + head + "' is neither a preset "
                        + Composites.NAMES + " nor a rule (" + e.getMessage() + ")");
            }
            base = Composites.structural().named(head).with(Selector.opType("Conv", "Gemm"), r);
            next = 1;
        }
        LrpExplainer.Builder b = LrpExplainer.builder(model, base).seed(options.seed()).perNodeReport(perNodeReport);
        for (int i = next; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("'lrp:" + body + "': '" + p + "' must be SELECTOR=RULE, e.g."
                        + " LRN=pass or first=flat");
            }
            Selector sel = Selector.parse(p.substring(0, eq), model);
            boolean any = false;
            for (Node n : model.nodes()) {
                any |= sel.matches(n, model);
            }
            if (!any) {
                throw new IllegalArgumentException("'lrp:" + body + "': selector '" + p.substring(0, eq) + "' matches"
                        + " no node of model '" + model.name() + "'");
            }
            b.rule(sel, Rules.parse(p.substring(eq + 1)));
        }
        return b.build();
    }
}
