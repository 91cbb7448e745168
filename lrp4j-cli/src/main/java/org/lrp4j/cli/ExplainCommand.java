package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.OutputSeed;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.io.Npy;
import org.lrp4j.lrp.canonizers.Canonizer;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.Rules;
import org.lrp4j.tensor.Tensor;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j explain}: LRP relevance of an input for chosen targets. */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain a model's decision with Layer-wise Relevance Propagation.",
                "Rules: epsilon(E), zero, zplus, gamma(G), alpha_beta(A,B), zbox(L,H), flat, wsquare, norm, pass,"
                        + " gradient; weighted rules take a trailing zero_bias, e.g. epsilon(0.25,zero_bias).",
                "Selectors: a node name or glob, an op type (Conv, Gemm, Add, AveragePool, ...), first, last,"
                        + " linear[I] or linear[I:J] (Conv/Gemm nodes by position), or *."})
final class ExplainCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model file (.onnx, or written by 'lrp4j train')")
    Path model;

    @Option(names = "--input", required = true, description = "input batch as .npy [N, ...] (float32/float64)")
    Path input;

    @Option(names = "--target", defaultValue = "pred",
            description = "pred, all, a class index, or one index per image N,N,... (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--composite", defaultValue = "epsilon-plus-flat",
            description = "epsilon-plus, epsilon-plus-flat, epsilon-gamma-box, epsilon-alpha2-beta1,"
                    + " epsilon-alpha2-beta1-flat, or none (only --rule entries) (default: ${DEFAULT-VALUE})")
    String composite;

    @Option(names = "--low", description = "lowest input value, for zbox in epsilon-gamma-box")
    Float low;

    @Option(names = "--high", description = "highest input value, for zbox in epsilon-gamma-box")
    Float high;

    @Option(names = "--rule", paramLabel = "SELECTOR=RULE",
            description = "rule for the selected nodes, applied after the composite in order (repeatable)")
    List<String> rules = new ArrayList<>();

    @Option(names = "--canonize", defaultValue = "auto",
            description = "auto (merge BatchNorm, fold Identity/Dropout, norm rule for residual Add/Concat) or none"
                    + " (default: ${DEFAULT-VALUE})")
    String canonize;

    @Option(names = "--seed", defaultValue = "logit",
            description = "output seed: logit (one_hot * logit) or onehot (default: ${DEFAULT-VALUE})")
    String seed;

    @Option(names = "--layer", description = "also write the relevance arriving at these nodes' outputs (repeatable)")
    List<String> layers = new ArrayList<>();

    @Option(names = "--out", description = "relevance of the input as .npy (default: relevance.npy)",
            defaultValue = "relevance.npy")
    Path out;

    @Option(names = "--report", description = "print the conservation report (relevance per node)")
    boolean report;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelLoader.Loaded loaded = ModelLoader.loadWithInfo(model);
        Model m = loaded.model();
        List<String> classNames = loaded.classNames().orElse(List.of());
        Tensor x = Npy.readTensor(input);
        Composite base = composite.equals("none") ? Composites.structural().named("none")
                : Composites.byName(composite, low == null ? null : Tensor.scalar(low),
                high == null ? null : Tensor.scalar(high));
        if (low != null || high != null) {
            if (low == null || high == null || !(low < high)) {
                throw new IllegalArgumentException("give both --low and --high with low < high");
            }
        }
        LrpExplainer.Builder b = LrpExplainer.builder(m, base)
                .seed(OutputSeed.parse(seed))
                .canonizers(switch (canonize) {
                    case "auto" -> Canonizer.auto();
                    case "none" -> List.of();
                    default -> throw new IllegalArgumentException("--canonize must be auto or none, not '" + canonize
                            + "'");
                });
        LrpExplainer explainer;
        Targets targets;
        try {
            for (String r : rules) {
                int eq = r.indexOf('=');
                if (eq <= 0 || eq == r.length() - 1) {
                    throw new IllegalArgumentException("--rule '" + r + "' must be SELECTOR=RULE, e.g."
                            + " Conv=gamma(0.25) or first=flat");
                }
                b.rule(Selector.parse(r.substring(0, eq), m), Rules.parse(r.substring(eq + 1)));
            }
            for (String l : layers) {
                m.node(l);
                b.keep(l);
            }
            explainer = b.build();
            targets = Targets.parse(target);
        } catch (IllegalArgumentException e) {
            // a mistake in the options: one line and the usage, exit code 2
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Explanation e = explainer.explain(x, targets);
        Npy.write(out, e.attribution());
        System.out.printf("explained %d image(s) with %s; relevance %s written to %s%n", x.dim(0), base.name(),
                e.attribution().shape(), out);
        for (int i = 0; i < e.report().outputTotal().length; i++) {
            int t = e.targets()[i];
            String label = t >= 0 && t < classNames.size() ? " (" + classNames.get(t) + ")" : "";
            System.out.printf("  row %d: target %d%s, relevance at output %.6g, at input %.6g%n", i, t, label,
                    e.report().outputTotal()[i], e.report().inputTotal()[i]);
        }
        for (String l : layers) {
            Tensor r = e.layers().get(l);
            Path p = out.resolveSibling(stem(out) + "." + l.replaceAll("[^A-Za-z0-9_.-]", "_") + ".npy");
            if (r != null) {
                Npy.write(p, r);
                System.out.printf("  relevance at %s %s written to %s%n", l, r.shape(), p);
            }
        }
        if (report) {
            System.out.print(e.report().format());
        }
        return 0;
    }

    private static String stem(Path p) {
        String s = p.getFileName().toString();
        return s.endsWith(".npy") ? s.substring(0, s.length() - 4) : s;
    }
}
