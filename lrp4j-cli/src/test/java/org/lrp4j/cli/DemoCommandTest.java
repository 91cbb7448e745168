package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lrp4j.cli.TrainEvaluateCommandTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.image.DecodedImage;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.ImageFiles;
import org.lrp4j.image.Preprocessing;

class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void demoWritesAPageThatReferencesOnlyFilesThatExist() throws Exception {
        Path out = dir.resolve("demo");
        long t0 = System.nanoTime();
        TrainEvaluateCommandTest.Run r = run("demo", "--out", out.toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(r.exit()).as(r.err()).isZero();
        Path page = out.resolve("index.html").toAbsolutePath().normalize();
        assertThat(r.out().strip().lines().reduce((a, b) -> b).orElse("")).isEqualTo(page.toString());
        assertThat(seconds).as("the demo finishes in seconds").isLessThan(60);

        String html = Files.readString(page);
        List<String> refs = new ArrayList<>();
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        while (m.find()) {
            refs.add(m.group(1));
        }
        int samples = DemoCommand.samples().size();
        int methods = DemoCommand.METHODS.size();
        assertThat(samples).isEqualTo(12);
        assertThat(methods).isGreaterThanOrEqualTo(3);
        assertThat(refs).hasSize(2 + samples * (1 + methods));
        for (String ref : refs) {
            assertThat(ref).as("relative link").doesNotContain(":").doesNotStartWith("/");
            assertThat(out.resolve(ref)).as(ref).isRegularFile();
        }
        assertThat(html).doesNotContain("<script").contains("<style>");
        for (DemoCommand.Method method : DemoCommand.METHODS) {
            assertThat(html).contains(DemoCommand.esc(method.caption()));
        }
        for (DemoCommand.Sample s : DemoCommand.samples()) {
            assertThat(html).contains("true: <b>" + DemoCommand.esc(FashionMnist.CLASS_NAMES.get(s.label())) + "</b>");
        }
        // every class is among the samples, and the embedded model gets nearly all of them right
        assertThat(DemoCommand.samples().stream().map(DemoCommand.Sample::label).distinct().count()).isEqualTo(10);
        assertThat(count(html, "class=\"ok\"")).isGreaterThanOrEqualTo(10);
        assertThat(count(html, "class=\"ok\"") + count(html, "class=\"wrong\"")).isEqualTo(samples);
    }

    @Test
    void embeddedModelHeatmapsPutTheirRelevanceOnTheGarment() throws Exception {
        // per method and over all samples, |relevance| per pixel on the garment (pixels > 0.1 grown by 2 pixels,
        // about 65% of the image) is well above that on the far background (about 2.5x with the embedded model;
        // a flat or random heatmap gives 1)
        Model model = DemoCommand.loadModel();
        List<DecodedImage> decoded = new ArrayList<>();
        for (DemoCommand.Sample s : DemoCommand.samples()) {
            decoded.add(ImageFiles.decode(DemoCommand.resource(DemoCommand.SAMPLES_DIR + s.file()), s.file()));
        }
        Preprocessing p = Preprocessing.fashionMnist();
        ImageBatch batch = p.apply(decoded, 1);
        for (DemoCommand.Method method : DemoCommand.METHODS) {
            Explanation e = method.explainer().apply(new DemoCommand.Context(model, p.bounds()))
                    .explain(batch.input(), Targets.predicted());
            Tensor a = e.attribution();
            Tensor img = batch.display();
            int n = a.dim(0);
            double inside = 0;
            double outside = 0;
            int nInside = 0;
            int nOutside = 0;
            for (int i = 0; i < n; i++) {
                boolean[] mask = garment(img.select(i), 2);
                for (int j = 0; j < 784; j++) {
                    double rel = Math.abs(a.getFlat(i * 784 + j));
                    if (mask[j]) {
                        inside += rel;
                        nInside++;
                    } else {
                        outside += rel;
                        nOutside++;
                    }
                }
            }
            double ratio = (inside / nInside) / (outside / nOutside);
            if (method.id().equals("grad-cam")) {
                // a coarse 7x7-pixel-cell map of the last conv's rectified features: it marks the garment's outline
                // and its surroundings, so only check it is not empty
                assertThat(inside + outside).as("Grad-CAM is not empty").isPositive();
                continue;
            }
            assertThat(ratio).as(method.caption() + ": |relevance| per pixel on the garment / on the far background")
                    .isGreaterThan(1.8);
        }
    }

    @Test
    void patternsAddThePatternNetAndPatternAttributionColumns() throws Exception {
        // patterns of the embedded model ('patterns fit' without --model) from random inputs in the pixel range
        Path x = dir.resolve("x.npy");
        org.lrp4j.io.Npy.write(x, Tensor.rand(new java.util.SplittableRandom(3), -0.81f, 2.02f, 48, 1, 28, 28));
        Path p = dir.resolve("p.npz");
        var fit = run("patterns", "fit", "--input", x.toString(), "--out", p.toString());
        assertThat(fit.exit()).as(fit.err()).isZero();
        Path out = dir.resolve("demo-patterns");
        var r = run("demo", "--out", out.toString(), "--patterns", p.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String html = Files.readString(out.resolve("index.html"));
        int samples = DemoCommand.samples().size();
        for (DemoCommand.Method method : DemoCommand.PATTERN_METHODS) {
            assertThat(html).contains("<th>" + DemoCommand.esc(method.caption()));
            for (int i = 0; i < samples; i++) {
                assertThat(out.resolve(DemoCommand.heatmapFile(i, method))).isRegularFile();
            }
        }
        assertThat(r.out()).contains("with " + (DemoCommand.METHODS.size() + 2) + " methods");
        // patterns of another model: one line, exit code 2
        Path other = dir.resolve("other.npz");
        Model m = org.lrp4j.graph.Architectures.create("cnn", 1, 28, 10, 9);
        new org.lrp4j.patterns.PatternFit(m, false).add(Tensor.rand(new java.util.SplittableRandom(4), -1f, 1f, 8,
                1, 28, 28)).patterns().save(other);
        var bad = run("demo", "--out", dir.resolve("never").toString(), "--patterns", other.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("lrp4j demo: error: ").contains("another model");
    }

    @Test
    void demoOptionsAndErrors() {
        TrainEvaluateCommandTest.Run r = run("demo", "--out", dir.resolve("d2").toString(), "--colormap", "coldnhot",
                "--overlay", "--percentile", "100");
        assertThat(r.exit()).as(r.err()).isZero();
        TrainEvaluateCommandTest.Run bad = run("demo", "--out", dir.resolve("d3").toString(), "--colormap", "jet");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown colour map 'jet'").doesNotContain("\tat ");
    }

    /** Pixels brighter than 0.1, grown by {@code d} pixels (Chebyshev distance). */
    static boolean[] garment(Tensor image, int d) {
        boolean[] m = new boolean[784];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                if (image.getFlat(y * 28 + x) <= 0.1f) {
                    continue;
                }
                for (int dy = -d; dy <= d; dy++) {
                    for (int dx = -d; dx <= d; dx++) {
                        int yy = y + dy;
                        int xx = x + dx;
                        if (yy >= 0 && yy < 28 && xx >= 0 && xx < 28) {
                            m[yy * 28 + xx] = true;
                        }
                    }
                }
            }
        }
        return m;
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
