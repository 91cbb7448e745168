package org.lrp4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Function;

import org.lrp4j.data.FashionMnist;
import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.viz.ColorMap;
import org.lrp4j.image.DecodedImage;
import org.lrp4j.viz.Grid;
import org.lrp4j.viz.Heatmap;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.ImageFiles;
import org.lrp4j.image.Preprocessing;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lrp4j demo}: explains the embedded Fashion-MNIST CNN on the embedded sample images with every method of
 * {@link #METHODS} and writes the heatmaps and an {@code index.html} page.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain a small CNN trained on Fashion-MNIST (embedded in lrp4j, no download) on a dozen"
                + " test images with several methods; writes heatmap PNGs and an index.html page to look at.",
                "Red: relevance for the predicted class; blue: relevance against it."})
final class DemoCommand implements Callable<Integer> {

    /** The embedded model, a resource next to this class; the loader picks the format by extension. */
    static final String MODEL_RESOURCE = "demo/cnn.onnx";
    static final String SAMPLES_INDEX = "demo/samples.tsv";
    static final String SAMPLES_DIR = "demo/samples/";
    static final String MODEL_INFO = "demo/model.properties";

    /** What the methods are built from. */
    record Context(Model model, Preprocessing.Bounds bounds, org.lrp4j.patterns.Patterns patterns) {
        Context(Model model, Preprocessing.Bounds bounds) {
            this(model, bounds, null);
        }
    }

    /** One column of the page: a file-name id, a caption, a one-line description and the explainer. */
    record Method(String id, String caption, String detail, Function<Context, Explainer> explainer) {
    }

    /** The methods of the demo, in page order; one line each. */
    static final List<Method> METHODS = List.of(
            new Method("lrp-epsilon-plus-flat", "LRP ε-plus-flat",
                    "flat in the first layer, z+ in conv, ε in dense layers",
                    c -> Explainer.lrp(c.model(), Composites.epsilonPlusFlat())),
            new Method("lrp-epsilon-gamma-box", "LRP ε-γ-box",
                    "zbox (pixel bounds of the pipeline) first, γ=0.25 in conv, ε in dense",
                    c -> Explainer.lrp(c.model(), Composites.epsilonGammaBox(c.bounds().low(), c.bounds().high()))),
            new Method("lrp-epsilon-alpha2-beta1", "LRP ε-α2-β1",
                    "α=2, β=1 in conv, ε in dense layers",
                    c -> Explainer.lrp(c.model(), Composites.epsilonAlpha2Beta1())),
            new Method("gradient", "Gradient", "d logit / d input (saliency)",
                    c -> new org.lrp4j.explain.GradientExplainer(c.model())),
            new Method("sensitivity", "Sensitivity", "squared gradient summed over channels",
                    c -> new org.lrp4j.explain.Sensitivity(c.model())),
            new Method("gradient-x-input", "Gradient × input", "input times gradient",
                    c -> new org.lrp4j.explain.GradientTimesInput(c.model())),
            new Method("grad-cam", "Grad-CAM", "last conv layer, ReLU, bilinear upsampling",
                    c -> new org.lrp4j.explain.GradCam(c.model())));

    /** The columns added by {@code --patterns}. */
    static final List<Method> PATTERN_METHODS = List.of(
            new Method("patternnet", "PatternNet", "the signal projected back with the patterns a+ / a",
                    c -> new org.lrp4j.explain.PatternNet(c.model(), c.patterns())),
            new Method("patternattribution", "PatternAttribution", "backward pass with weights w · a+ / a",
                    c -> new org.lrp4j.explain.PatternAttribution(c.model(), c.patterns())));

    @Option(names = "--patterns", paramLabel = "P.npz", description = "also show PatternNet and PatternAttribution"
            + " with these patterns of the embedded model ('lrp4j patterns fit --dataset fashion-mnist --out P.npz')")
    Path patterns;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "lrp4j-demo",
            description = "folder for the page and the PNGs (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--colormap", paramLabel = "MAP", defaultValue = "bwr",
            description = "bwr, seismic, coldnhot, red-blue, hot or gray (default: ${DEFAULT-VALUE})")
    String colormap;

    @Option(names = "--overlay", description = "blend the heatmaps over the images")
    boolean overlay;

    @Option(names = "--percentile", paramLabel = "P", defaultValue = "99",
            description = "full colour at the P-th percentile of |relevance| of each heatmap, larger values clipped;"
                    + " 100 scales by the maximum (default: ${DEFAULT-VALUE})")
    float percentile;

    /** One embedded sample: its file, true class and index in the Fashion-MNIST test set. */
    record Sample(String file, int label, int testIndex) {
    }

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        long start = System.nanoTime();
        Heatmap.Style style = Heatmap.Style.defaults().withColorMap(ColorMap.parse(colormap)).withOverlay(overlay)
                .withPercentile(percentile);
        Model model = loadModel();
        org.lrp4j.patterns.Patterns fitted = patterns == null ? null
                : org.lrp4j.patterns.Patterns.load(patterns, model);
        List<Method> methods = new ArrayList<>(METHODS);
        if (fitted != null) {
            methods.addAll(PATTERN_METHODS);
        }
        List<Sample> samples = samples();
        List<DecodedImage> decoded = new ArrayList<>();
        for (Sample s : samples) {
            decoded.add(ImageFiles.decode(resource(SAMPLES_DIR + s.file()), s.file()));
        }
        Preprocessing pipeline = Preprocessing.fashionMnist();
        ImageBatch batch = pipeline.apply(decoded, 1);
        Context context = new Context(model, pipeline.bounds(), fitted);
        List<String> classes = FashionMnist.CLASS_NAMES;

        Path dir = out.toAbsolutePath().normalize();
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("heatmaps"));
        for (int i = 0; i < samples.size(); i++) {
            Heatmap.writePng(Heatmap.picture(batch.image(i), 112), dir.resolve(imageFile(i)));
        }
        Heatmap.writePng(horizontalBar(style.colorMap(), 240, 14), dir.resolve("colorbar.png"));

        Tensor logits = model.predict(batch.input());
        List<long[]> timings = new ArrayList<>();
        BufferedImage[][] heatmaps = new BufferedImage[samples.size()][methods.size()];
        for (Method m : methods) {
            long t0 = System.nanoTime();
            Explanation e = m.explainer().apply(context).explain(batch.input(), Targets.predicted());
            long t1 = System.nanoTime();
            for (int i = 0; i < samples.size(); i++) {
                BufferedImage img = Heatmap.render(e.attribution().select(i), batch.image(i), style);
                Heatmap.writePng(img, dir.resolve(heatmapFile(i, m)));
                heatmaps[i][methods.indexOf(m)] = img;
            }
            timings.add(new long[] {t1 - t0, System.nanoTime() - t1});
        }
        List<Grid.Panel> panels = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            panels.add(new Grid.Panel("true: " + classes.get(samples.get(i).label()) + "\npredicted: "
                    + classes.get(argmax(logits, i, logits.dim(1))), Heatmap.picture(batch.image(i), 112)));
            for (int k = 0; k < methods.size(); k++) {
                panels.add(new Grid.Panel(methods.get(k).caption(), heatmaps[i][k]));
            }
        }
        Heatmap.writePng(Grid.layout(panels, methods.size() + 1), dir.resolve("grid.png"));
        Path page = dir.resolve("index.html");
        Files.writeString(page, html(model, methods, samples, classes, logits, style, timings), StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "explained %d images with %d methods in %.1f s; %d heatmaps in %s%n",
                samples.size(), methods.size(), (System.nanoTime() - start) / 1e9, samples.size() * methods.size(),
                dir);
        System.out.println(page);
        return 0;
    }

    static String imageFile(int i) {
        return String.format(Locale.ROOT, "images/%02d.png", i);
    }

    static String heatmapFile(int i, Method m) {
        return String.format(Locale.ROOT, "heatmaps/%02d-%s.png", i, m.id());
    }

    /** The embedded model, copied to a temporary file for the loader. */
    static Model loadModel() throws IOException {
        String ext = MODEL_RESOURCE.substring(MODEL_RESOURCE.lastIndexOf('.'));
        Path tmp = Files.createTempFile("lrp4j-demo-", ext);
        try {
            Files.write(tmp, resource(MODEL_RESOURCE));
            return ModelLoader.load(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static List<Sample> samples() throws IOException {
        List<Sample> list = new ArrayList<>();
        String text = new String(resource(SAMPLES_INDEX), StandardCharsets.UTF_8);
        for (String line : new java.io.BufferedReader(new StringReader(text)).lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            list.add(new Sample(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[3])));
        }
        return list;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the lrp4j jar lacks its demo resource " + name + "; rebuild it with mvn package");
            }
            return in.readAllBytes();
        }
    }

    static Properties modelInfo() throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(new String(resource(MODEL_INFO), StandardCharsets.UTF_8)));
        return p;
    }

    /** The colour map from -1 (left; 0 for unsigned maps) to +1 (right). */
    static BufferedImage horizontalBar(ColorMap map, int width, int height) {
        BufferedImage bar = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        float low = map.signed() ? -1f : 0f;
        for (int x = 0; x < width; x++) {
            int c = map.rgb(low + (1f - low) * x / (width - 1));
            for (int y = 0; y < height; y++) {
                bar.setRGB(x, y, c);
            }
        }
        return bar;
    }

    private String html(Model model, List<Method> methods, List<Sample> samples, List<String> classes,
                        Tensor logits, Heatmap.Style style, List<long[]> timings) throws IOException {
        Properties info = modelInfo();
        int k = logits.dim(1);
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>lrp4j demo: explaining a Fashion-MNIST CNN</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:24px;")
                .append("color:#222;background:#fff}\n")
                .append("h1{font-size:22px;margin:0 0 6px}p{margin:4px 0;max-width:1100px;line-height:1.4}\n")
                .append("code{background:#f2f2f2;padding:1px 4px;border-radius:3px}\n")
                .append("table{border-collapse:collapse;margin-top:16px}\n")
                .append("th,td{padding:6px 8px;text-align:center;vertical-align:top}\n")
                .append("th{font-size:13px;font-weight:600;border-bottom:1px solid #ccc}\n")
                .append("th small{display:block;font-weight:400;color:#666;max-width:170px;margin:2px auto 0}\n")
                .append("tr+tr td{border-top:1px solid #eee}\n")
                .append("img{image-rendering:pixelated;display:block;margin:0 auto}\n")
                .append("td img{outline:1px solid #ddd}td small{display:block;margin-top:3px;font-size:12px}\n")
                .append("td.label{text-align:left;font-size:13px;min-width:150px;vertical-align:middle}\n")
                .append(".wrong{color:#b00020;font-weight:600}.ok{color:#1b5e20}\n")
                .append(".legend{display:flex;align-items:center;gap:8px;font-size:13px;margin-top:10px}\n")
                .append(".legend img{margin:0;outline:1px solid #ccc}\n")
                .append("</style>\n</head>\n<body>\n");
        b.append("<h1>lrp4j demo: what a Fashion-MNIST CNN looks at</h1>\n");
        b.append("<p>Model: ").append(esc(info.getProperty("description", "CNN"))).append(", ")
                .append(String.format(Locale.ROOT, "%,d", model.parameterCount())).append(" parameters, test accuracy ")
                .append(esc(info.getProperty("accuracy", "?"))).append(", trained with <code>")
                .append(esc(info.getProperty("command", ""))).append("</code>.</p>\n");
        b.append("<p>Each heatmap explains the <b>predicted</b> class: red pixels are evidence for it, blue pixels"
                + " evidence against it (colour map <code>").append(style.colorMap().id()).append("</code>, each"
                + " heatmap scaled on its own: ").append(style.percentile() >= 100 ? "its largest |relevance|"
                : "the " + fmt(style.percentile()) + "th percentile of |relevance|, larger values clipped,")
                .append(" is full colour). Images: Fashion-MNIST test set"
                + " (Zalando Research, MIT licence).</p>\n");
        b.append("<div class=\"legend\"><span>").append(style.colorMap().signed() ? "−max (against)" : "0")
                .append("</span><img src=\"colorbar.png\" width=\"240\" height=\"14\" alt=\"colour bar\">")
                .append("<span>+max (for the class)</span></div>\n");
        b.append("<table>\n<tr><th>image</th><th>true / predicted</th>");
        for (int m = 0; m < methods.size(); m++) {
            Method method = methods.get(m);
            b.append("<th>").append(esc(method.caption())).append("<small>").append(esc(method.detail()))
                    .append("</small></th>");
        }
        b.append("</tr>\n");
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            int pred = argmax(logits, i, k);
            double p = softmax(logits, i, k)[pred];
            boolean right = pred == s.label();
            b.append("<tr><td><img src=\"").append(imageFile(i)).append("\" width=\"112\" height=\"112\" alt=\"")
                    .append(esc(classes.get(s.label()))).append("\"></td>");
            b.append("<td class=\"label\">true: <b>").append(esc(classes.get(s.label()))).append("</b><br>")
                    .append("predicted: <span class=\"").append(right ? "ok" : "wrong").append("\">")
                    .append(esc(classes.get(pred))).append("</span> ")
                    .append(String.format(Locale.ROOT, "(%.1f%%)", 100 * p))
                    .append("<br><small>test image #").append(s.testIndex()).append("</small></td>");
            for (Method m : methods) {
                b.append("<td><img src=\"").append(heatmapFile(i, m)).append("\" width=\"112\" height=\"112\" alt=\"")
                        .append(esc(m.caption() + " heatmap")).append("\" title=\"").append(esc(m.caption()))
                        .append("\"><small>").append(esc(m.caption())).append("</small></td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n<p style=\"margin-top:14px\">All heatmaps in one picture: <a href=\"grid.png\">grid.png</a>."
                + "</p>\n<p style=\"margin-top:14px;font-size:12px;color:#666\">Time per method for all ")
                .append(samples.size()).append(" images (explain + render): ");
        for (int m = 0; m < methods.size(); m++) {
            b.append(m == 0 ? "" : ", ").append(esc(methods.get(m).caption())).append(String.format(Locale.ROOT,
                    " %.0f + %.0f ms", timings.get(m)[0] / 1e6, timings.get(m)[1] / 1e6));
        }
        b.append(". Written by <code>lrp4j demo</code>.</p>\n</body>\n</html>\n");
        return b.toString();
    }

    private static String fmt(float v) {
        return v == Math.rint(v) ? Integer.toString((int) v) : Float.toString(v);
    }

    static int argmax(Tensor logits, int row, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (logits.get(row, c) > logits.get(row, best)) {
                best = c;
            }
        }
        return best;
    }

    static double[] softmax(Tensor logits, int row, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, logits.get(row, c));
        }
        double[] p = new double[k];
        double sum = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(logits.get(row, c) - max);
            sum += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= sum;
        }
        return p;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
