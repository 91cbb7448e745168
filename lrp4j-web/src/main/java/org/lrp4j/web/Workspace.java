package org.lrp4j.web;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.imageio.ImageIO;

import org.lrp4j.eval.Method;
import org.lrp4j.eval.MethodSpecs;
import org.lrp4j.eval.Order;
import org.lrp4j.eval.Perturbation;
import org.lrp4j.eval.PixelFlipping;
import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.Explainers;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.NodeRelevance;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.onnx.OnnxImporter;
import org.lrp4j.patterns.Patterns;
import org.lrp4j.onnx.OnnxModelInfo;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.image.DecodedImage;
import org.lrp4j.viz.Heatmap;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.ImageFiles;
import org.lrp4j.image.ImageFormatException;
import org.lrp4j.image.Preprocessing;

/**
 * What the web app works on: the current model (the bundled one, or one a user uploaded), its class names, the
 * sample images, and the last relevance arrays for download. Explaining turns an image and a method into the
 * answer the page shows: top classes, heatmap and overlay, per-node conservation and the image's pixel-flipping
 * curve.
 */
public final class Workspace {

    /** A sample image: its id, file name, true class (or -1) and PNG bytes. */
    public record Sample(int id, String name, int label, byte[] png) {
    }

    /** The model with what the page needs to know of it. */
    record Current(String name, Model model, List<String> classNames, int[] chw, Preprocessing pipeline,
                   Patterns patterns) {
    }

    private volatile Current current;
    private final List<Sample> samples;
    private final Limits limits;
    private final Map<String, Tensor> relevance = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tensor> e) {
            return size() > 32;
        }
    };
    private final AtomicLong ids = new AtomicLong();

    public Workspace(String modelName, Model model, List<String> classNames, List<Sample> samples, Limits limits) {
        this(modelName, model, classNames, samples, limits, null);
    }

    /**
     * With the patterns of {@code model} (or null), which add PatternNet and PatternAttribution to the methods
     * until another model is uploaded.
     */
    public Workspace(String modelName, Model model, List<String> classNames, List<Sample> samples, Limits limits,
                     Patterns patterns) {
        if (patterns != null && !patterns.modelHash().equals(Patterns.modelHash(model))) {
            throw new IllegalArgumentException("the patterns belong to another model than '" + modelName + "'");
        }
        this.current = current(modelName, model, classNames, patterns);
        this.samples = List.copyOf(samples);
        this.limits = limits;
    }

    private static Current current(String name, Model model, List<String> classNames, Patterns patterns) {
        if (model.inputs().size() != 1 || model.outputs().size() != 1) {
            throw new IllegalArgumentException("the model has " + model.inputs().size() + " inputs and "
                    + model.outputs().size() + " outputs; the web app explains models with one image input and one"
                    + " output of class scores");
        }
        Shape s = model.inputs().get(0).sampleShape();
        if (s == null || s.rank() != 3) {
            throw new IllegalArgumentException("the model's input is " + (s == null ? "of unknown shape" : s.toString())
                    + "; the web app needs an image input [N, C, H, W]");
        }
        int[] chw = s.toArray();
        return new Current(name, model, classNames, chw, Preprocessing.autoBuilder(chw).build(), patterns);
    }

    public List<Sample> samples() {
        return samples;
    }

    Current model() {
        return current;
    }

    /**
     * Every method the page offers: the LRP presets, then the other methods (PatternNet and PatternAttribution only
     * when the current model came with patterns).
     */
    List<String> methods() {
        boolean patterns = current.patterns() != null;
        List<String> m = new ArrayList<>();
        for (String c : Composites.NAMES) {
            m.add("lrp:" + c);
        }
        for (String n : Explainers.NAMES) {
            if (!n.equals("lrp") && (patterns || !Explainers.NEED_PATTERNS.contains(n))) {
                m.add(n);
            }
        }
        return m;
    }

    /** Replaces the model by an uploaded ONNX file (parsed from a private temporary file, deleted after). */
    Map<String, Object> upload(byte[] onnx, String name) throws IOException {
        Path dir = Files.createTempDirectory("lrp4j-upload-");
        Path file = dir.resolve("model.onnx");
        try {
            Files.write(file, onnx);
            Model m;
            List<String> classes;
            try {
                m = OnnxImporter.load(file);
                classes = OnnxModelInfo.read(file).classNames().orElse(List.of());
            } catch (IOException | RuntimeException e) {
                throw new ApiException(400, "this is not an ONNX model lrp4j can read: " + oneLine(e.getMessage()));
            }
            m.nonFiniteWeights().ifPresent(problem -> {
                throw new ApiException(400, "the model's " + problem + "; the file is corrupted");
            });
            String safe = name == null || name.isBlank() ? "uploaded.onnx"
                    : name.replaceAll("[^A-Za-z0-9_.-]+", "_");
            try {
                current = current(safe, m, classes, null);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, e.getMessage());
            }
            return info();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    Map<String, Object> info() {
        Current c = current;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("input", c.chw());
        m.put("preprocessing", c.pipeline().name());
        m.put("classes", classNames(c));
        return m;
    }

    private static List<String> classNames(Current c) {
        int k = outputs(c);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(i < c.classNames().size() ? c.classNames().get(i) : "class " + i);
        }
        return names;
    }

    private static int outputs(Current c) {
        int[] one = new int[4];
        one[0] = 1;
        System.arraycopy(c.chw(), 0, one, 1, 3);
        Tensor y = c.model().predict(Tensor.zeros(one));
        return y.size();
    }

    /** The image of a request: a sample's id, or base64 bytes of a PNG, JPEG, BMP or GIF. */
    DecodedImage image(Integer sample, String base64) {
        byte[] bytes;
        String name;
        if (sample != null) {
            if (sample < 0 || sample >= samples.size()) {
                throw new ApiException(404, "no sample " + sample + "; samples are 0.." + (samples.size() - 1));
            }
            bytes = samples.get(sample).png();
            name = samples.get(sample).name();
        } else if (base64 != null) {
            String b = base64.startsWith("data:") ? base64.substring(base64.indexOf(',') + 1) : base64;
            if (b.length() / 4L * 3 > limits.maxImageBytes()) {
                throw new ApiException(413, "the image is larger than " + (limits.maxImageBytes() >> 20) + " MB");
            }
            try {
                bytes = Base64.getDecoder().decode(b.trim());
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "the image is not valid base64");
            }
            name = "upload";
        } else {
            throw new ApiException(400, "give \"sample\": ID or \"image\": BASE64");
        }
        DecodedImage d;
        try {
            d = ImageFiles.decode(bytes, name);
        } catch (ImageFormatException e) {
            throw new ApiException(400, "not an image lrp4j can read (PNG, JPEG, BMP or GIF): " + oneLine(e.getMessage()));
        }
        if ((long) d.width() * d.height() > limits.maxImagePixels()) {
            throw new ApiException(413, "the image has " + d.width() + " x " + d.height() + " pixels; at most "
                    + limits.maxImagePixels() + " are accepted");
        }
        return d;
    }

    /** Explains one image with one method for one target. */
    Map<String, Object> explain(DecodedImage image, String method, String target) throws IOException {
        Current c = current;
        ImageBatch batch;
        try {
            batch = c.pipeline().apply(List.of(image), c.chw()[0]);
        } catch (ImageFormatException e) {
            throw new ApiException(400, oneLine(e.getMessage()));
        }
        Tensor x = batch.input();
        if (x.dim(2) != c.chw()[1] || x.dim(3) != c.chw()[2]) {
            throw new ApiException(400, "the image is " + x.dim(3) + "x" + x.dim(2) + " after preprocessing but the"
                    + " model takes " + c.chw()[2] + "x" + c.chw()[1]);
        }
        Tensor logits = c.model().predict(x);
        int k = logits.size();
        float[] l = logits.toArray();
        for (float v : l) {
            if (!Float.isFinite(v)) {
                throw new ApiException(400, "the model output holds NaN or infinite values for this image");
            }
        }
        int t = parseTarget(target, l, k);
        MethodOptions options = MethodOptions.defaults().bounds(batch.bounds().low(), batch.bounds().high())
                .patterns(c.patterns());
        Explainer explainer;
        try {
            explainer = MethodSpecs.explainer(method, c.model(), options, true);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, oneLine(e.getMessage()));
        }
        Explanation e = explainer.explain(x, Targets.of(t));
        Tensor a = e.attribution().select(0);
        Heatmap.Style style = Heatmap.Style.defaults();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", method);
        out.put("target", t);
        out.put("target_name", classNames(c).get(t));
        out.put("top", top(l, classNames(c), 5));
        out.put("input", png(Heatmap.picture(batch.image(0), 112)));
        out.put("heatmap", png(Heatmap.render(a, null, style)));
        out.put("overlay", png(Heatmap.render(a, batch.image(0), style.withOverlay(true))));
        String id = "r" + ids.incrementAndGet();
        synchronized (relevance) {
            relevance.put(id, e.attribution());
        }
        out.put("relevance", "/api/relevance/" + id + ".npy");
        e.conservation().ifPresent(r -> {
            Map<String, Object> cons = new LinkedHashMap<>();
            cons.put("output", r.outputTotal()[0]);
            cons.put("input", r.inputTotal()[0]);
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (NodeRelevance n : r.nodes()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("node", n.node());
                row.put("op", n.opType());
                row.put("rule", n.rule());
                row.put("out", n.out()[0]);
                row.put("in", n.in()[0]);
                row.put("bias", n.biasAbsorbed()[0]);
                row.put("stabilizer", n.stabilizerAbsorbed()[0]);
                nodes.add(row);
            }
            cons.put("nodes", nodes);
            out.put("conservation", cons);
        });
        out.put("pixel_flipping", pixelFlipping(c, x, batch, explainer, method, t));
        return out;
    }

    /** The image's MoRF curve for the method and the random order (16 steps, uniform noise, seed 0). */
    private static Map<String, Object> pixelFlipping(Current c, Tensor x, ImageBatch batch, Explainer explainer,
                                                     String method, int target) {
        int region = Math.max(1, Math.min(x.dim(2), x.dim(3)) / 28);
        PixelFlipping.Result r = PixelFlipping.builder(c.model()).orders(List.of(Order.MORF, Order.RANDOM))
                .steps(16).region(region).perturbation(new Perturbation.Uniform())
                .range(Perturbation.Range.spanning(batch.bounds().low(), batch.bounds().high())).seed(0).build()
                .run(x, Targets.of(target), List.of(Method.of(method, explainer)), null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("fractions", r.fractions());
        out.put("morf", r.curves(method, Order.MORF)[0]);
        out.put("random", r.curves(method, Order.RANDOM)[0]);
        return out;
    }

    Tensor relevance(String id) {
        synchronized (relevance) {
            return relevance.get(id);
        }
    }

    private static int parseTarget(String target, float[] logits, int k) {
        if (target == null || target.equals("pred")) {
            int best = 0;
            for (int i = 1; i < k; i++) {
                best = logits[i] > logits[best] ? i : best;
            }
            return best;
        }
        try {
            int t = Integer.parseInt(target.trim());
            if (t < 0 || t >= k) {
                throw new ApiException(400, "target " + t + " is out of range: the model has " + k + " classes (0.."
                        + (k - 1) + ")");
            }
            return t;
        } catch (NumberFormatException e) {
            throw new ApiException(400, "target must be \"pred\" or a class index, not '" + target + "'");
        }
    }

    private static List<Map<String, Object>> top(float[] logits, List<String> names, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        Integer[] idx = new Integer[logits.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Double.compare(p[b], p[a]));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, idx.length); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("class", idx[i]);
            row.put("name", names.get(idx[i]));
            row.put("probability", p[idx[i]] / sum);
            out.add(row);
        }
        return out;
    }

    static String png(BufferedImage img) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(b.toByteArray());
    }

    static String oneLine(String s) {
        if (s == null) {
            return "unknown problem";
        }
        String line = s.lines().findFirst().orElse("").trim();
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
