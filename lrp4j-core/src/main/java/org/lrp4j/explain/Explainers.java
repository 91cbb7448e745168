package org.lrp4j.explain;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.lrp4j.graph.Model;

/** Every method by name, as the command line picks them. */
public final class Explainers {
    private Explainers() {
    }

    /** Method names with a one-line description each, in the order the help lists them. */
    public static final Map<String, String> METHODS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("lrp", "layer-wise relevance propagation with a composite (--composite, --rule)");
        m.put("gradient", "d target logit / d input (saliency)");
        m.put("sensitivity", "squared gradient summed over channels, [N,1,H,W] (Montavon et al.)");
        m.put("gradient-x-input", "input * gradient");
        m.put("smoothgrad", "average over --samples noisy copies (--noise of the input range, --noise-seed) of"
                + " --over METHOD (default gradient)");
        m.put("integrated-gradients", "(x - baseline) * mean gradient on --steps points (right Riemann sum),"
                + " --baseline or zeros; prints the completeness gap");
        m.put("occlusion", "drop of the target logit when a --window square (--stride, --fill) is occluded,"
                + " averaged over overlapping windows");
        m.put("guided-backprop", "gradient where ReLUs pass back only positive signals at positive inputs");
        m.put("deconvnet", "backward pass where ReLUs apply relu to the signal and ignore the forward mask");
        m.put("grad-cam", "channel-weighted map at --node (default last Conv), ReLU unless --no-relu, bilinearly"
                + " upsampled, [N,1,H,W]");
        m.put("guided-grad-cam", "guided backprop * upsampled Grad-CAM");
        m.put("taylor", "(x - x0) * gradient at a root x0 (bisection towards --baseline or zeros); prints f(x0)"
                + " and the remainder");
        m.put("deep-taylor", "Deep Taylor Decomposition: per-layer root directions by input domain (w^2, z+, z^B"
                + " with --low/--high)");
        m.put("patternnet", "the target's signal projected back with the patterns in place of the weights"
                + " (--patterns p.npz from 'lrp4j patterns fit'; ReLU gates and max-pool routes from the forward pass)");
        m.put("patternattribution", "backward pass with weights w * a (--patterns p.npz): Deep Taylor with the"
                + " learned root point, not multiplied by x");
        METHODS = java.util.Collections.unmodifiableMap(m);
    }

    public static final List<String> NAMES = List.copyOf(METHODS.keySet());

    /** The methods that need the model's patterns ({@link MethodOptions#patterns(org.lrp4j.patterns.Patterns)}). */
    public static final java.util.Set<String> NEED_PATTERNS = java.util.Set.of("patternnet", "patternattribution");

    /** The explainer of {@code method} (a name of {@link #NAMES}) with the options it reads. */
    public static Explainer byName(String method, Model model, MethodOptions o) {
        String name = method.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (name) {
            case "lrp" -> LrpExplainer.builder(model, o.composite()).seed(o.seed()).build();
            case "gradient", "saliency" -> new GradientExplainer(model);
            case "sensitivity" -> new Sensitivity(model);
            case "gradient-x-input", "gradient-times-input", "input-x-gradient" -> new GradientTimesInput(model);
            case "smoothgrad" -> {
                String over = o.over().trim().toLowerCase(Locale.ROOT);
                if (over.equals("smoothgrad")) {
                    throw new IllegalArgumentException("smoothgrad cannot be taken over smoothgrad; choose another"
                            + " method for --over: " + NAMES);
                }
                yield SmoothGrad.over(byName(over, model, o), o.samples(), o.noise(), o.noiseSeed());
            }
            case "integrated-gradients", "ig" -> new IntegratedGradients(model, o.steps(), o.baseline());
            case "occlusion" -> new Occlusion(model, o.window(), o.stride(), o.fill());
            case "guided-backprop", "guided-backpropagation" -> new GuidedBackprop(model);
            case "deconvnet" -> new Deconvnet(model);
            case "grad-cam", "gradcam" -> new GradCam(model, o.node(), o.relu());
            case "guided-grad-cam", "guided-gradcam" -> new GuidedGradCam(model, o.node(), o.relu());
            case "taylor" -> new Taylor(model, o.baseline(), o.score());
            case "deep-taylor", "deeptaylor" -> DeepTaylor.builder(model).bounds(o.low(), o.high()).build();
            case "patternnet", "pattern-net" -> new PatternNet(model, o.patterns("patternnet"));
            case "patternattribution", "pattern-attribution" -> new PatternAttribution(model,
                    o.patterns("patternattribution"));
            default -> throw new IllegalArgumentException("unknown method '" + method + "'; methods: " + NAMES);
        };
    }
}
