package org.lrp4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.eval.FlipCurve;
import org.lrp4j.eval.FlipReport;
import org.lrp4j.eval.Method;
import org.lrp4j.eval.MethodSpecs;
import org.lrp4j.eval.Order;
import org.lrp4j.eval.PairedDifference;
import org.lrp4j.eval.Perturbation;
import org.lrp4j.eval.PixelFlipping;
import org.lrp4j.eval.Score;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.svm.BowConfig;
import org.lrp4j.svm.BowSvm;
import org.lrp4j.svm.SvmFile;
import org.lrp4j.svm.SvmMethods;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.viz.Heatmap;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.viz.LineChart;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j pixel-flipping}: region perturbation curves, AUC and AOPC of attribution methods. */
@Command(name = "pixel-flipping", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate explanations by region perturbation (pixel flipping): perturb the regions of each"
                + " image in the order of its attribution (most relevant first, least relevant first, or random) and"
                + " record the target's score after each step.",
                "Writes curves.csv, summary.md, summary.jsonl, pixel-flipping.svg and pixel-flipping.png to --out.",
                "AUC: trapezoid rule over (fraction, mean curve), the unperturbed point included; AOPC: mean over"
                        + " t = 0..T of curve[0] - curve[t]; with --normalize each image's curve is divided by its"
                        + " unperturbed score first."})
final class PixelFlippingCommand implements Callable<Integer> {

    @Option(names = "--model", description = "model file (.onnx, written by 'lrp4j train', or an SVM pipeline"
            + " written by 'lrp4j svm train'); default: the embedded Fashion-MNIST CNN of 'lrp4j demo'")
    Path model;

    @Option(names = "--input", description = "input batch as .npy [N, C, H, W] (float32/float64)")
    Path input;

    @CommandLine.Mixin
    ImageInputOptions images;

    @CommandLine.Mixin
    TestImagesOptions testImages;

    @Option(names = "--methods", defaultValue = "lrp:epsilon-plus-flat,gradient-x-input,sensitivity,random",
            description = "comma-separated methods: explain's names (gradient, sensitivity, gradient-x-input,"
                    + " integrated-gradients, grad-cam, patternnet and patternattribution with --patterns, ...),"
                    + " lrp:PRESET, lrp:RULE (on every Conv and Gemm), each"
                    + " with ;SELECTOR=RULE overrides (e.g. 'lrp:epsilon(0.01);LRN=pass'), or random (a random"
                    + " heatmap) (default: ${DEFAULT-VALUE}). For an SVM pipeline: lrp, lrp:equal (bias shared),"
                    + " gradient, gradient-x-input, random (default: lrp,gradient,random; lrp,random for hard"
                    + " assignment or hog)")
    String methods;

    @Option(names = "--patterns", paramLabel = "P.npz", description = "the model's patterns ('lrp4j patterns"
            + " fit'), for the methods patternnet and patternattribution")
    Path patterns;

    @Option(names = "--order", defaultValue = "morf,lerf,random",
            description = "morf, lerf, random, comma-separated (default: ${DEFAULT-VALUE})")
    String order;

    @Option(names = "--region", defaultValue = "1", paramLabel = "K",
            description = "side of the square regions in pixels; 1 is pixel flipping (default: ${DEFAULT-VALUE})")
    int region;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "T",
            description = "the curve has T+1 points (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--fraction", defaultValue = "1", paramLabel = "F",
            description = "share of the regions perturbed at the last step, in (0, 1] (default: ${DEFAULT-VALUE})")
    double fraction;

    @Option(names = "--perturb", defaultValue = "uniform",
            description = "uniform (noise over the data range), mean (the image's channel means), constant:V (V in"
                    + " the model's input space), blur[:SIGMA] (Gaussian, default sigma 2 pixels) (default:"
                    + " ${DEFAULT-VALUE})")
    String perturb;

    @Option(names = "--score", defaultValue = "logit", description = "logit or prob (softmax) of the target (default:"
            + " ${DEFAULT-VALUE})")
    String score;

    @Option(names = "--target", defaultValue = "pred",
            description = "pred or a class index, fixed on the unperturbed input (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--normalize", description = "divide each image's curve by its unperturbed score first")
    boolean normalize;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the noise, the random order and the random"
            + " heatmap (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--low", description = "lowest input value: the data range of uniform noise and the box of"
            + " epsilon-gamma-box (default: from the image pipeline, the dataset's normalisation or the model's"
            + " metadata, else the input's minimum)")
    Float low;

    @Option(names = "--high", description = "highest input value (default: as for --low)")
    Float high;

    @Option(names = "--batch", defaultValue = "256", description = "rows per forward pass when scoring perturbed"
            + " images (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--out", defaultValue = "pixel-flipping", description = "output folder (default:"
            + " ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--json", description = "print one JSON object per (method, order) instead of the table")
    boolean json;

    @Option(names = "--pairs", split = ",", paramLabel = "I:J", description = "paired comparisons of methods by their"
            + " position in --methods (1-based): I:J reports, per order, the mean over images of AUC(I) - AUC(J) with"
            + " its paired standard error (the images' own variation cancels), in summary.md, summary.jsonl and the"
            + " printed table")
    List<String> pairs = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // every option is checked before any work starts
        int sources = (input != null ? 1 : 0) + (images.given() ? 1 : 0) + (testImages.given() ? 1 : 0);
        if (sources != 1) {
            throw bad("give the images as one of --input x.npy, --image FILE... or --dataset fashion-mnist");
        }
        String problem = testImages.check(spec);
        if (problem != null) {
            throw bad(problem);
        }
        if ((low == null) != (high == null) || (low != null && !(low < high))) {
            throw bad("give both --low and --high with low < high");
        }
        List<int[]> pairIndex = parsePairs();
        try {
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " is a file; give a folder for the results");
            }
            Outputs.checkFolder(out, "--out " + out);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        // an SVM pipeline (lrp4j svm train) is a classifier of its own; anything else is a graph model
        BowSvm svm = model != null && SvmFile.isPipeline(model) ? ((SvmFile.Pipeline) SvmFile.read(model)).pipeline()
                : null;
        if (model != null && svm == null && SvmFile.isLibsvmModel(model)) {
            throw bad(model + " is a LIBSVM model, whose inputs are feature vectors, not images; pixel flipping needs"
                    + " an image classifier such as an 'lrp4j svm train' pipeline");
        }
        ModelLoader.Loaded loaded = model == null || svm != null ? null : ModelLoader.loadWithInfo(model);
        Model m = svm != null ? null : loaded == null ? DemoCommand.loadModel() : loaded.model();
        if (svm != null && !spec.commandLine().getParseResult().hasMatchedOption("--methods")) {
            methods = svm.config().assignment() == BowConfig.Assignment.SOFT
                    && svm.config().descriptor() == BowConfig.Descriptor.RAW ? "lrp,gradient,random" : "lrp,random";
        }
        org.lrp4j.patterns.Patterns fitted = null;
        try {
            if (patterns != null && svm != null) {
                throw new IllegalArgumentException("--patterns applies to graph models, not to an SVM pipeline");
            }
            fitted = patterns == null ? null : org.lrp4j.patterns.Patterns.load(patterns, m);
            // checked now with provisional bounds, built again below with the data's
            if (svm != null) {
                SvmMethods.parse(methods, svm, seed);
            } else {
                MethodSpecs.parse(methods, m, MethodOptions.defaults().bounds(Tensor.scalar(low == null ? -1f : low),
                        Tensor.scalar(high == null ? 1f : high)).patterns(fitted), seed);
            }
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        Perturbation perturbation;
        Score sc;
        Targets targets;
        PixelFlipping.Builder builder;
        try {
            perturbation = Perturbation.parse(perturb);
            sc = Score.parse(score);
            targets = Targets.parse(target);
            if (targets instanceof Targets.All || (targets instanceof Targets.Fixed f && f.classes().length != 1)) {
                throw new IllegalArgumentException("--target must be pred or one class index, not '" + target + "'");
            }
            builder = (svm != null ? PixelFlipping.builder(svm::scores) : PixelFlipping.builder(m))
                    .orders(Order.parseList(order)).region(region).steps(steps)
                    .fraction(fraction).perturbation(perturbation).score(sc).seed(seed).batch(batch);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        Tensor x;
        float[] range = null;
        if (testImages.given()) {
            Dataset d = testImages.load();
            if (svm == null) {
                EvaluateCommand.checkInput(m, d);
            }
            x = d.images();
            range = testImages.range();
        } else if (images.given()) {
            ImageBatch b = svm != null ? SvmCommand.loadImages(images, svm.config()) : images.load(m);
            x = b.input();
            Perturbation.Range span = Perturbation.Range.spanning(b.bounds().low(), b.bounds().high());
            range = new float[] {span.low(), span.high()};
        } else {
            x = InputFiles.readModelInput(input, "--input");
            range = svm != null ? new float[] {-svm.config().mean() / svm.config().std(),
                (1 - svm.config().mean()) / svm.config().std()}
                    : loaded != null ? ExplainCommand.boundsFromMetadata(loaded) : metadataOfEmbedded();
        }
        if (x.rank() != 4) {
            throw new IllegalArgumentException("pixel flipping needs images [N, C, H, W] but the input has shape "
                    + x.shape() + "; give a batch of images");
        }
        if (low != null) {
            range = new float[] {low, high};
        }
        if (range == null) {
            Perturbation.Range span = Perturbation.Range.spanning(x, x);
            range = new float[] {span.low(), span.high()};
            System.err.println("lrp4j pixel-flipping: note: data range taken from the input: [" + range[0] + ", "
                    + range[1] + "] (give --low/--high for the true range)");
        }
        List<Method> list;
        PixelFlipping run;
        try {
            MethodOptions options = MethodOptions.defaults().bounds(Tensor.scalar(range[0]), Tensor.scalar(range[1]))
                    .patterns(fitted);
            list = svm != null ? SvmMethods.parse(methods, svm, seed) : MethodSpecs.parse(methods, m, options, seed);
            run = builder.range(new Perturbation.Range(range[0], range[1])).build();
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        for (int[] ij : pairIndex) {
            if (Math.max(ij[0], ij[1]) > list.size()) {
                throw bad("--pairs " + ij[0] + ":" + ij[1] + " names a method beyond the " + list.size() + " of"
                        + " --methods; positions run from 1 to " + list.size());
            }
        }
        int n = x.dim(0);
        ProgressBar bar = new ProgressBar(System.err, "pixel-flipping", "images");
        long t0 = System.nanoTime();
        PixelFlipping.Result result = run.run(x, targets, list, bar::update);
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<FlipCurve> curves = result.summaries(normalize);
        List<PairedDifference> paired = new ArrayList<>();
        for (int[] ij : pairIndex) {
            for (Order o : result.orders()) {
                paired.add(PairedDifference.of(result, list.get(ij[0] - 1).name(), list.get(ij[1] - 1).name(), o,
                        normalize));
            }
        }
        write(curves, paired, sc);
        if (json) {
            for (FlipCurve c : curves) {
                System.out.println(FlipReport.json(c, sc, normalize));
            }
            for (PairedDifference d : paired) {
                System.out.println(FlipReport.json(d));
            }
        } else {
            System.out.printf(Locale.ROOT, "pixel flipping: %d images, %d regions of %dx%d, %d steps to %.0f%% of the"
                    + " regions, perturbation %s, score %s%s, seed %d; %.1f s%n%n", n, result.regions(), region,
                    region, steps, 100 * fraction, perturbation.describe(), sc.label(), normalize ? " (normalised)" : "",
                    seed, seconds);
            System.out.print(FlipReport.markdown(curves));
            if (!paired.isEmpty()) {
                System.out.println();
                System.out.print(FlipReport.markdownPaired(paired));
            }
            System.out.println();
            System.out.println("written to " + out.toAbsolutePath().normalize() + ": curves.csv, summary.md,"
                    + " summary.jsonl, pixel-flipping.svg, pixel-flipping.png");
        }
        return 0;
    }

    /** Writes every output file next to its final name first, then moves them: no half-written results. */
    private void write(List<FlipCurve> curves, List<PairedDifference> paired, Score sc) throws IOException {
        Files.createDirectories(out);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("curves.csv", FlipReport.csv(curves).getBytes(StandardCharsets.UTF_8));
        String md = "# Pixel flipping\n\n`lrp4j pixel-flipping " + String.join(" ", args()) + "`\n\n"
                + FlipReport.markdown(curves) + (paired.isEmpty() ? "" : "\n" + FlipReport.markdownPaired(paired));
        files.put("summary.md", md.getBytes(StandardCharsets.UTF_8));
        StringBuilder jl = new StringBuilder();
        for (FlipCurve c : curves) {
            jl.append(FlipReport.json(c, sc, normalize)).append('\n');
        }
        for (PairedDifference d : paired) {
            jl.append(FlipReport.json(d)).append('\n');
        }
        files.put("summary.jsonl", jl.toString().getBytes(StandardCharsets.UTF_8));
        List<LineChart.Panel> panels = FlipReport.panels(curves, sc, normalize);
        String title = "Pixel flipping, " + curves.get(0).images() + " images";
        files.put("pixel-flipping.svg", LineChart.svg(title, panels).getBytes(StandardCharsets.UTF_8));
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(LineChart.png(title, panels), "png", png);
        files.put("pixel-flipping.png", png.toByteArray());
        Outputs.writeAll(out, files);
    }

    /** --pairs as 1-based (I, J) with I != J, checked before any work. */
    private List<int[]> parsePairs() {
        List<int[]> out = new ArrayList<>();
        for (String p : pairs) {
            String[] ij = p.strip().split(":");
            try {
                int i = Integer.parseInt(ij[0].strip());
                int j = ij.length == 2 ? Integer.parseInt(ij[1].strip()) : -1;
                if (ij.length != 2 || i < 1 || j < 1 || i == j) {
                    throw new NumberFormatException();
                }
                out.add(new int[] {i, j});
            } catch (NumberFormatException e) {
                throw bad("--pairs '" + p + "' is not I:J with two different positions in --methods counted from 1"
                        + " (e.g. --pairs 2:1,4:3)");
            }
        }
        return out;
    }

    private List<String> args() {
        List<String> a = new ArrayList<>();
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        // run from Main, the sub-command's own name comes first
        for (String s : original.isEmpty() || !original.get(0).equals(spec.name()) ? original
                : original.subList(1, original.size())) {
            a.add(s.matches("[A-Za-z0-9_./:=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'");
        }
        return a;
    }

    private static float[] metadataOfEmbedded() {
        return new float[] {-FashionMnist.MEAN / FashionMnist.STD, (1 - FashionMnist.MEAN) / FashionMnist.STD};
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
