package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.Explainers;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.IntegratedGradients;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.SmoothGrad;
import org.lrp4j.explain.Taylor;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.OutputSeed;
import org.lrp4j.explain.PerClass;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.io.Npy;
import org.lrp4j.lrp.canonizers.Canonizer;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.Rules;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.image.ImageBatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j explain}: the attribution of an input for chosen targets, by LRP or another method. */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain a model's decision with Layer-wise Relevance Propagation or another method."})
// the lists of methods, rules and composites are added from their registries by describe(), so help cannot drift
final class ExplainCommand implements Callable<Integer> {

    /**
     * Completes the command's description from the registries: every method of {@link Explainers#METHODS} with its
     * one-line description, the rule names of {@link Rules#NAMES}, the presets of {@link Composites#NAMES} and the
     * selectors.
     */
    static void describe(CommandLine.Model.CommandSpec spec) {
        List<String> lines = new ArrayList<>(List.of(spec.usageMessage().description()));
        lines.add("Methods (--method):");
        for (java.util.Map.Entry<String, String> e : Explainers.METHODS.entrySet()) {
            // wrapped here with a hanging indent (picocli would wrap to the left margin)
            StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT, "  %-21s", e.getKey()));
            for (String word : e.getValue().split(" ")) {
                if (line.length() + 1 + word.length() > 79 && line.length() > 24) {
                    lines.add(line.toString());
                    line = new StringBuilder(" ".repeat(23));
                }
                line.append(' ').append(word);
            }
            lines.add(line.toString());
        }
        lines.add("Composites (--composite): " + String.join(", ", Composites.NAMES) + ".");
        lines.add("Rules (--rule SELECTOR=RULE): " + String.join(", ", Rules.NAMES) + "; with arguments as NAME(ARGS),"
                + " e.g. epsilon(0.25), gamma(0.25), alpha_beta(2,1), zbox(-0.81,2.02); weighted rules take a trailing"
                + " zero_bias, e.g. epsilon(0.25,zero_bias); taylor is for LRN nodes.");
        lines.add("Selectors: a node name or glob, an op type (Conv, Gemm, Add, AveragePool, ...), first, last,"
                + " linear[I] or linear[I:J] (Conv/Gemm nodes by position), or *.");
        spec.usageMessage().description(lines.toArray(String[]::new));
    }

    @Option(names = "--model", required = true, description = "model file (.onnx, or written by 'lrp4j train')")
    Path model;

    @Option(names = "--input", description = "input batch as .npy [N, ...] (float32/float64); or use --image")
    Path input;

    @CommandLine.Mixin
    ImageInputOptions images;

    @CommandLine.Mixin
    HeatmapOutputOptions heatmaps;

    /** The input batch, from --input or --image, and the zbox bounds (--low/--high, else the image pipeline's). */
    private record Inputs(Tensor x, ImageBatch batch, Tensor low, Tensor high) {
    }

    private Inputs inputs(ModelLoader.Loaded loaded) throws java.io.IOException {
        Model m = loaded.model();
        if ((input != null) == images.given()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give the input as --input x.npy or as --image FILE... (one of the two)");
        }
        if (low != null || high != null) {
            if (low == null || high == null || !(low < high)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "give both --low and --high with low < high");
            }
        }
        ImageBatch batch = images.given() ? images.load(m) : null;
        Tensor x = batch != null ? batch.input() : InputFiles.readModelInput(input, "--input");
        Tensor lo = low != null ? Tensor.scalar(low) : batch != null ? batch.bounds().low() : null;
        Tensor hi = high != null ? Tensor.scalar(high) : batch != null ? batch.bounds().high() : null;
        if (lo == null && hi == null) {
            float[] bounds = boundsFromMetadata(loaded);
            if (bounds != null) {
                lo = Tensor.scalar(bounds[0]);
                hi = Tensor.scalar(bounds[1]);
            }
        }
        return new Inputs(x, batch, lo, hi);
    }

    /**
     * The normalised values of black and white pixels, from the input normalisation that {@code lrp4j train} records
     * in the model ("(pixel / 255 - MEAN) / STD"), or null.
     */
    static float[] boundsFromMetadata(ModelLoader.Loaded loaded) {
        String norm = loaded.onnx().map(i -> i.metadata().get("lrp4j.input_normalization")).orElse(null);
        if (norm == null) {
            return null;
        }
        var m = java.util.regex.Pattern.compile("\\(pixel / 255 - ([-0-9.eE]+)\\) / ([-0-9.eE]+)").matcher(norm.trim());
        if (!m.matches()) {
            return null;
        }
        float mean = Float.parseFloat(m.group(1));
        float std = Float.parseFloat(m.group(2));
        return std > 0 ? new float[] {(0f - mean) / std, (1f - mean) / std} : null;
    }

    private void writeHeatmaps(Explanation e, List<String> classNames, ImageBatch batch) throws java.io.IOException {
        if (heatmaps.given()) {
            for (Path p : heatmaps.write(e, classNames, batch)) {
                System.out.println("heatmap written to " + p);
            }
        }
    }

    @Option(names = "--method", defaultValue = "lrp", paramLabel = "NAME",
            completionCandidates = Registries.MethodNames.class,
            description = "the explanation method: ${COMPLETION-CANDIDATES} (described above; default:"
                    + " ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--target", defaultValue = "pred",
            description = "pred, a class index, one index per image N,N,..., all (every class of every image),"
                    + " or topK (the K best classes of each image, e.g. top5) (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--classes", paramLabel = "N,N,...", split = ",",
            description = "explain these classes for every image (a class axis, like --target all)")
    int[] classes;

    @Option(names = "--batch", defaultValue = "16", paramLabel = "ROWS",
            description = "with several classes per image (all, topK, --classes): rows per pass; each class's"
                    + " heatmap is written as soon as it is done, so any number of classes fits the default heap"
                    + " (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--composite", defaultValue = "epsilon-plus-flat",
            completionCandidates = Registries.CompositeNames.class,
            description = "${COMPLETION-CANDIDATES}, or none (only --rule entries) (default: ${DEFAULT-VALUE})")
    String composite;

    @Option(names = "--low", description = "lowest input value, for zbox in epsilon-gamma-box and deep-taylor's box"
            + " (default: from --image's pipeline, or from the input normalisation 'lrp4j train' records in the model)")
    Float low;

    @Option(names = "--high", description = "highest input value, for zbox in epsilon-gamma-box and deep-taylor's box"
            + " (default: as for --low)")
    Float high;

    @Option(names = "--rule", paramLabel = "SELECTOR=RULE",
            description = "rule for the selected nodes, applied after the composite in order (repeatable)")
    List<String> rules = new ArrayList<>();

    @Option(names = "--canonize", defaultValue = "auto",
            description = "auto (merge BatchNorm, fold Identity/Dropout, norm rule for residual Add/Concat) or none"
                    + " (default: ${DEFAULT-VALUE})")
    String canonize;

    @Option(names = "--seed", defaultValue = "logit",
            description = "output seed: logit (one_hot * logit), onehot, or FILE.npy with the relevance to start from,"
                    + " shaped like the model output [N, classes] (default: ${DEFAULT-VALUE})")
    String seed;

    @Option(names = "--layer", description = "also write the relevance arriving at these nodes' outputs (repeatable)")
    List<String> layers = new ArrayList<>();

    @CommandLine.Mixin
    MethodOptionsMixin methodOptions;

    @Option(names = "--out", paramLabel = "FILE.npy", description = "write the relevance of the input as .npy"
            + " (nothing is written without --out or --heatmap)")
    Path out;

    @Option(names = "--save-input", paramLabel = "FILE.npy", description = "also write the model input (after"
            + " --image's preprocessing) as .npy, to plot or reuse with other tools")
    Path saveInput;

    @Option(names = "--report", description = "print the conservation report (relevance per node)")
    boolean report;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            heatmaps.validate(images.given());
            if (!layers.isEmpty() && out == null) {
                throw new IllegalArgumentException("--layer writes its relevance beside --out: add --out FILE.npy");
            }
            for (Path p : new Path[] {out, saveInput}) {
                if (p != null) {
                    Outputs.checkWritable(p, p == out ? "--out" : "--save-input");
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        String name = method.trim().toLowerCase(java.util.Locale.ROOT);
        if (!Explainers.NAMES.contains(name) || (name.equals("smoothgrad")
                && !Explainers.NAMES.contains(methodOptions.over.trim().toLowerCase(java.util.Locale.ROOT)))) {
            throw new CommandLine.ParameterException(spec.commandLine(), name.equals("smoothgrad")
                    ? "unknown method '" + methodOptions.over + "' for --over; methods: "
                            + String.join(", ", Explainers.NAMES)
                    : "unknown method '" + method + "'; methods: " + String.join(", ", Explainers.NAMES));
        }
        if (!name.equals("lrp")
                && !(name.equals("smoothgrad") && methodOptions.over.trim().equalsIgnoreCase("lrp"))) {
            return callMethod(name);
        }
        return callLrp(name);
    }

    private Integer callLrp(String name) throws Exception {
        ModelLoader.Loaded loaded = ModelLoader.loadWithInfo(model);
        Model m = loaded.model();
        List<String> classNames = loaded.classNames().orElse(List.of());
        Inputs in = inputs(loaded);
        Tensor x = in.x();
        Composite base = composite.equals("none") ? Composites.structural().named("none")
                : Composites.byName(composite, in.low(), in.high());
        LrpExplainer.Builder b = LrpExplainer.builder(m, base)
                .perNodeReport(report)
                .seed(seed.endsWith(".npy") ? OutputSeed.LOGIT : OutputSeed.parse(seed))
                .canonizers(switch (canonize) {
                    case "auto" -> Canonizer.auto();
                    case "none" -> List.of();
                    default -> throw new IllegalArgumentException("--canonize must be auto or none, not '" + canonize
                            + "'");
                });
        boolean seedFile = seed.endsWith(".npy");
        if (seedFile) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--target")) {
                System.err.println("lrp4j explain: warning: --target is ignored with --seed " + seed
                        + ": the rows of the seed file say which outputs are explained");
            }
            b.seed(Npy.readTensor(Path.of(seed)));
        }
        LrpExplainer explainer;
        Targets targets;
        PerClass.Classes perClass;
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
            perClass = perClass();
            targets = perClass != null ? null : Targets.parse(target);
        } catch (IllegalArgumentException e) {
            // a mistake in the options: one line and the usage, exit code 2
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (perClass != null) {
            return streamClasses(name.equals("smoothgrad") ? smoothOver(explainer) : explainer, m, x, in.batch(),
                    classNames, name.equals("smoothgrad") ? "smoothgrad over lrp (" + base.name() + ")" : base.name());
        }
        if (name.equals("smoothgrad")) {
            Explainer smooth = smoothOver(explainer);
            Explanation e = smooth.explain(x, targets);
            writeArrays(e, x);
            System.out.printf("explained %d image(s) with smoothgrad over lrp (%s, %d samples, noise %s);"
                    + " attribution %s%s%n", x.dim(0), base.name(), methodOptions.samples, methodOptions.noise,
                    e.attribution().shape(), where());
            printRows(e, x.dim(0));
            return 0;
        }
        Explanation e = explainer.explain(x, targets);
        writeArrays(e, x);
        writeHeatmaps(e, classNames, in.batch());
        System.out.printf("explained %d image(s) with %s; relevance %s%s%n", x.dim(0), base.name(),
                e.attribution().shape(), where());
        int rows = e.report().outputTotal().length;
        for (int i = 0; i < rows; i++) {
            int t = e.targets()[i];
            String label = t >= 0 && t < classNames.size() ? " (" + classNames.get(t) + ")" : "";
            String what = seedFile ? "seed from " + seed : "target " + t + label;
            System.out.printf("  %s: %s, relevance at output %.6g, at input %.6g%n", rowName(i, rows, x.dim(0)),
                    what, e.report().outputTotal()[i], e.report().inputTotal()[i]);
        }
        for (String l : layers) {
            Tensor r = e.layers().get(l);
            Path p = out.resolveSibling(stem(out) + "." + l.replaceAll("[^A-Za-z0-9_.-]", "_") + ".npy");
            if (r != null) {
                Outputs.writeNpy(p, r);
                System.out.printf("  relevance at %s %s written to %s%n", l, r.shape(), p);
            }
        }
        if (report) {
            System.out.print(e.report().format());
        }
        return 0;
    }

    private Explainer smoothOver(Explainer inner) {
        try {
            return SmoothGrad.over(inner, methodOptions.samples, methodOptions.noise,
                    methodOptions.noiseSeed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Every method but LRP (and smoothgrad over LRP), through {@link Explainers#byName}. */
    private Integer callMethod(String name) throws Exception {
        // options only LRP reads: say so instead of ignoring them silently
        if (methodOptions.patterns != null && !Explainers.NEED_PATTERNS.contains(name)) {
            System.err.println("lrp4j explain: note: --patterns applies to --method patternnet and patternattribution"
                    + " and is ignored by --method " + name);
        }
        for (String lrpOnly : new String[] {"--composite", "--rule", "--canonize", "--seed", "--layer"}) {
            if (spec.commandLine().getParseResult().hasMatchedOption(lrpOnly)) {
                System.err.println("lrp4j explain: note: " + lrpOnly + " applies to --method lrp and is ignored by --method "
                        + name);
            }
        }
        ModelLoader.Loaded loaded = ModelLoader.loadWithInfo(model);
        Model m = loaded.model();
        Inputs in = inputs(loaded);
        Tensor x = in.x();
        Explainer explainer;
        Targets targets;
        PerClass.Classes perClass;
        try {
            MethodOptions o = methodOptions.toOptions(m, in.low(), in.high());
            if (methodOptions.node != null) {
                m.node(methodOptions.node);
            }
            explainer = Explainers.byName(name, m, o);
            perClass = perClass();
            targets = perClass != null ? null : Targets.parse(target);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (perClass != null) {
            return streamClasses(explainer, m, x, in.batch(), loaded.classNames().orElse(List.of()),
                    name + (name.equals("smoothgrad") ? " over " + methodOptions.over : ""));
        }
        Explanation e;
        String extra = "";
        if (explainer instanceof IntegratedGradients ig) {
            IntegratedGradients.Result r = ig.explainWithCompleteness(x, targets);
            e = r.explanation();
            extra = r.format();
        } else if (explainer instanceof Taylor t) {
            Taylor.Result r = t.explainWithRoots(x, targets);
            e = r.explanation();
            extra = r.format();
        } else {
            e = explainer.explain(x, targets);
        }
        writeArrays(e, x);
        writeHeatmaps(e, loaded.classNames().orElse(List.of()), in.batch());
        System.out.printf("explained %d image(s) with %s%s; attribution %s%s%n", x.dim(0), name,
                name.equals("smoothgrad") ? " over " + methodOptions.over : "", e.attribution().shape(), where());
        if (explainer instanceof org.lrp4j.explain.GradCam g) {
            System.out.println("  grad-cam map at node '" + g.node() + "'" + (methodOptions.node == null
                    ? " (the last spatial feature map; --node chooses another)" : ""));
        } else if (explainer instanceof org.lrp4j.explain.GuidedGradCam g) {
            System.out.println("  grad-cam map at node '" + g.node() + "'");
        }
        if (!extra.isEmpty()) {
            System.out.print(extra);
        } else {
            printRows(e, x.dim(0));
        }
        if (report && e.report() != null) {
            System.out.print(e.report().format());
        }
        return 0;
    }

    /**
     * The classes per image when there are several (--target all, --target topK, --classes), else null; an error
     * for contradicting or impossible choices.
     */
    private PerClass.Classes perClass() {
        boolean targetGiven = spec.commandLine().getParseResult().hasMatchedOption("--target");
        if (classes != null) {
            if (targetGiven) {
                throw new IllegalArgumentException("give --target or --classes, not both");
            }
            return PerClass.fixed(classes);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, not " + batch);
        }
        String t = target.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("all")) {
            return PerClass.all();
        }
        var top = java.util.regex.Pattern.compile("top(\\d+)").matcher(t);
        if (top.matches()) {
            return PerClass.top(Integer.parseInt(top.group(1)));
        }
        return null;
    }

    /**
     * Several classes per image, streamed: explained --batch rows at a time, each heatmap written and the --out
     * array appended as soon as a class is done ([N, classes, ...], written to a temporary file and moved in place at
     * the end).
     */
    private Integer streamClasses(Explainer explainer, Model m, Tensor x, ImageBatch batchImages,
                                  List<String> modelClassNames, String label) throws java.io.IOException {
        Tensor outputs = m.predict(x);
        checkFiniteOutput(outputs);
        int n = x.dim(0);
        int k = outputs.size() / Math.max(1, n);
        int[] counts = new int[n];
        float[] rows = outputs.toArray();
        for (int i = 0; i < n; i++) {
            counts[i] = perClass().of(i, java.util.Arrays.copyOfRange(rows, i * k, (i + 1) * k)).length;
        }
        List<String> names = heatmaps.classNames(modelClassNames, k);
        HeatmapOutputOptions.Session session = heatmaps.given() ? heatmaps.open(n, modelClassNames, k, batchImages)
                : null;
        Path tmp = out == null ? null : Outputs.tempBeside(out);
        org.lrp4j.io.NpyStreamWriter[] npy = new org.lrp4j.io.NpyStreamWriter[1];
        boolean verbose = counts[0] <= 20;
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        long all = total;
        long[] done = {0};
        ProgressBar bar = all > 50 ? new ProgressBar(System.err, "explain", "class maps") : null;
        try {
            PerClass.explain(explainer, x, outputs, perClass(), batch, (i, c, a, chunk, row) -> {
                if (npy[0] == null && tmp != null) {
                    int[] shape = new int[a.rank() + 2];
                    shape[0] = n;
                    shape[1] = counts[0];
                    System.arraycopy(a.dims(), 0, shape, 2, a.rank());
                    npy[0] = new org.lrp4j.io.NpyStreamWriter(tmp, shape);
                }
                if (npy[0] != null) {
                    npy[0].write(a);
                }
                float score = rows[i * k + c];
                if (session != null) {
                    session.classMap(i, c, a, String.format(java.util.Locale.ROOT, "logit %.2f", score));
                }
                if (verbose) {
                    String rel = chunk.report() == null ? "" : String.format(java.util.Locale.ROOT,
                            ", relevance at input %.6g", chunk.report().inputTotal()[row]);
                    System.out.printf(java.util.Locale.ROOT, "  image %d, class %d (%s): output %.6g%s%n", i, c,
                            names.get(c), score, rel);
                }
                done[0]++;
                if (session != null && (done[0] == all || nextImageStarts(done[0], counts))) {
                    session.endImage(i);
                }
                if (bar != null) {
                    bar.update(done[0], all);
                }
            });
            if (npy[0] != null) {
                npy[0].close();
                npy[0] = null;
                java.nio.file.Files.move(tmp, out.toAbsolutePath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            if (session != null) {
                for (Path p : session.finish()) {
                    if (verbose) {
                        System.out.println("heatmap written to " + p);
                    }
                }
            }
        } finally {
            if (npy[0] != null) {
                npy[0].close();
            }
            if (tmp != null) {
                java.nio.file.Files.deleteIfExists(tmp);
            }
        }
        if (saveInput != null) {
            Outputs.writeNpy(saveInput, x);
        }
        System.out.printf("explained %d image(s) x %d class(es) with %s, %d rows per pass%s%s%n", n, counts[0], label,
                batch, out == null ? "" : "; relevance [" + n + ", " + counts[0] + ", ...] written to " + out,
                session == null ? "" : "; heatmaps in " + heatmaps.heatmap.toAbsolutePath().getParent());
        if (out == null && !heatmaps.given()) {
            System.err.println("lrp4j explain: note: no file written; add --out FILE.npy for the relevance or"
                    + " --heatmap FILE.png for pictures");
        }
        return 0;
    }

    /** Refuses to explain a model output with NaN or infinite values: every relevance would be NaN. */
    static void checkFiniteOutput(Tensor output) {
        float[] d = output.data();
        for (int i = 0; i < output.size(); i++) {
            if (!Float.isFinite(d[output.offset() + i])) {
                throw new IllegalStateException("the model output holds NaN or infinite values (the first at flat"
                        + " index " + i + "); an explanation of it would be meaningless; check the model's weights and"
                        + " the input's normalisation");
            }
        }
    }

    /** Whether {@code done} class maps complete an image (the counts are per image). */
    private static boolean nextImageStarts(long done, int[] counts) {
        long sum = 0;
        for (int c : counts) {
            sum += c;
            if (sum == done) {
                return true;
            }
        }
        return false;
    }

    /** The relevance to --out and the input to --save-input, each written whole or not at all. */
    private void writeArrays(Explanation e, Tensor x) throws java.io.IOException {
        checkFiniteOutput(e.output());
        if (out == null && !heatmaps.given()) {
            System.err.println("lrp4j explain: note: no file written; add --out FILE.npy for the relevance or"
                    + " --heatmap FILE.png for pictures");
        }
        if (out != null) {
            Outputs.writeNpy(out, e.attribution());
        }
        if (saveInput != null) {
            Outputs.writeNpy(saveInput, x);
            System.out.println("input " + x.shape() + " written to " + saveInput);
        }
    }

    private String where() {
        return out == null ? "" : " written to " + out;
    }

    private static void printRows(Explanation e, int images) {
        int k = e.output().size() / Math.max(1, e.output().dim(0));
        for (int i = 0; i < e.targets().length; i++) {
            System.out.printf("  %s: target %d, output %.6g%s%n", rowName(i, e.targets().length, images),
                    e.targets()[i],
                    e.output().getFlat(i * k + e.targets()[i]), e.report() == null ? "" : String.format(
                            java.util.Locale.ROOT, ", relevance at input %.6g", e.report().inputTotal()[i]));
        }
    }

    /**
     * "row i" when there is one explanation per image; with --target all (classes per image) "image i, class row c"
     * would be unreadable as a flat "row 17", so the image index is printed instead.
     */
    static String rowName(int i, int rows, int images) {
        if (images <= 0 || rows == images || rows % images != 0) {
            return "row " + i;
        }
        return "image " + (i / (rows / images));
    }

    private static String stem(Path p) {
        String s = p.getFileName().toString();
        return s.endsWith(".npy") ? s.substring(0, s.length() - 4) : s;
    }
}
