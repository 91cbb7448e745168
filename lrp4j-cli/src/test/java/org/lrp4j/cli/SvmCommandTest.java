package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.lrp4j.cli.TrainEvaluateCommandTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.io.Npy;
import org.lrp4j.io.NpyArray;
import org.lrp4j.svm.BowConfig;
import org.lrp4j.svm.BowSvm;
import org.lrp4j.svm.SvmFile;
import org.lrp4j.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import libsvm.svm;
import libsvm.svm_model;
import libsvm.svm_node;
import libsvm.svm_parameter;
import libsvm.svm_problem;

class SvmCommandTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> rows(String out) throws Exception {
        List<JsonNode> r = new java.util.ArrayList<>();
        for (String l : out.lines().filter(l -> l.startsWith("{")).toList()) {
            r.add(JSON.readTree(l));
        }
        return r;
    }

    /** A model written by LIBSVM's own trainer ({@code svm_save_model}), on 3 random classes of width 6. */
    private Path libsvmModel(int kernel) throws Exception {
        SplittableRandom rng = new SplittableRandom(4);
        svm_problem prob = new svm_problem();
        prob.l = 90;
        prob.x = new svm_node[90][6];
        prob.y = new double[90];
        for (int i = 0; i < 90; i++) {
            prob.y[i] = i % 3;
            for (int j = 0; j < 6; j++) {
                prob.x[i][j] = new svm_node();
                prob.x[i][j].index = j + 1;
                prob.x[i][j].value = rng.nextDouble() + (j % 3 == i % 3 ? 0.7 : 0);
            }
        }
        svm_parameter p = new svm_parameter();
        p.svm_type = svm_parameter.C_SVC;
        p.kernel_type = kernel;
        p.gamma = 0.5;
        p.C = 1;
        p.eps = 1e-3;
        p.cache_size = 10;
        p.weight_label = new int[0];
        p.weight = new double[0];
        svm.svm_set_print_string_function(s -> { });
        svm_model m = svm.svm_train(prob, p);
        Path f = dir.resolve(kernel == svm_parameter.RBF ? "rbf.model" : "linear.model");
        svm.svm_save_model(f.toString(), m);
        return f;
    }

    private Path features(int n, int width) throws Exception {
        Path f = dir.resolve("x" + width + ".npy");
        Npy.write(f, Tensor.rand(new SplittableRandom(8), 0f, 1.5f, n, width));
        return f;
    }

    @Test
    void aLibsvmRbfModelIsExplainedByTaylorAndTheJsonIdentityHolds() throws Exception {
        Path out = dir.resolve("r.npy");
        var r = run("svm", "explain", "--model", libsvmModel(svm_parameter.RBF).toString(), "--features",
                features(4, 6).toString(), "--json", "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<JsonNode> rows = rows(r.out());
        assertThat(rows).hasSize(4);
        for (JsonNode j : rows) {
            assertThat(j.get("method").asText()).isEqualTo("taylor");
            assertThat(j.get("relevance_sum").asDouble() + j.get("root_value").asDouble()
                    + j.get("remainder").asDouble()).isCloseTo(j.get("decision").asDouble(), within(1e-9));
            assertThat(j.has("bias")).isTrue();
        }
        NpyArray a = Npy.read(out);
        assertThat(a.shape()).containsExactly(4, 6);
        double s = 0;
        for (int d = 0; d < 6; d++) {
            s += a.toDoubleArray()[d];
        }
        assertThat(s).isCloseTo(rows.get(0).get("relevance_sum").asDouble(), within(1e-9));
    }

    @Test
    void aLinearModelsDecisionIsRelevancePlusBiasOrAllRelevanceWhenTheBiasIsShared() throws Exception {
        Path model = libsvmModel(svm_parameter.LINEAR);
        Path x = features(3, 6);
        var apart = run("svm", "explain", "--model", model.toString(), "--features", x.toString(), "--json",
                "--target", "2");
        var shared = run("svm", "explain", "--model", model.toString(), "--features", x.toString(), "--json",
                "--target", "2", "--bias-share", "equal");
        assertThat(apart.exit()).as(apart.err()).isZero();
        assertThat(shared.exit()).as(shared.err()).isZero();
        for (int i = 0; i < 3; i++) {
            JsonNode a = rows(apart.out()).get(i);
            JsonNode s = rows(shared.out()).get(i);
            assertThat(a.get("target").asInt()).isEqualTo(2);
            assertThat(a.get("relevance_sum").asDouble() + a.get("bias").asDouble())
                    .isCloseTo(a.get("decision").asDouble(), within(1e-9));
            assertThat(s.get("bias").asDouble()).isZero();
            assertThat(s.get("relevance_sum").asDouble()).isCloseTo(a.get("decision").asDouble(), within(1e-9));
            assertThat(a.has("root_value")).isFalse();
        }
    }

    @Test
    void badModelsAndInputsGiveOneLineAndExitCode2() throws Exception {
        Path model = libsvmModel(svm_parameter.LINEAR);
        Path broken = dir.resolve("broken.model");
        Files.writeString(broken, Files.readString(model).replace("kernel_type linear", "kernel_type sigmoid"));
        Path narrow = features(2, 4);
        Path out = dir.resolve("never.npy");
        for (String[] args : new String[][] {
            {"svm", "explain", "--model", broken.toString(), "--features", narrow.toString()},
            {"svm", "explain", "--model", model.toString(), "--features", narrow.toString(), "--out", out.toString()},
            {"svm", "explain", "--model", model.toString(), "--image", model.toString()},
            {"svm", "explain", "--model", model.toString(), "--features", features(2, 6).toString(), "--target", "5"},
            {"svm", "train", "--kernel", "poly", "--out", dir.resolve("m.svm").toString()},
            {"svm", "explain", "--model", model.toString(), "--features", features(2, 6).toString(), "--out",
                dir.resolve("no/such/dir/r.npy").toString()}}) {
            var r = run(args);
            assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(2);
            assertThat(r.err().lines().filter(l -> l.contains("error:")).count()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("Exception", "\tat ");
        }
        assertThat(out).doesNotExist();
        assertThat(run("svm", "explain", "--model", broken.toString(), "--features", narrow.toString()).err())
                .contains("unsupported kernel_type 'sigmoid'");
        assertThat(run("svm", "explain", "--model", model.toString(), "--features", narrow.toString()).err())
                .contains("features of width 4");
    }

    /** Half-bright 28 x 28 images (class 0 left, class 1 top) and a small soft-assignment HIK pipeline on them. */
    private Tensor toyImages(int n, int[] y) {
        SplittableRandom rng = new SplittableRandom(1);
        float[] v = new float[n * 784];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            for (int p = 0; p < 784; p++) {
                boolean on = y[i] == 0 ? p % 28 < 14 : p / 28 < 14;
                v[i * 784 + p] = (float) ((on ? 1.5 : -0.5) + 0.3 * rng.nextGaussian());
            }
        }
        return Tensor.wrap(v, n, 1, 28, 28);
    }

    private Path toyPipeline(Tensor x, int[] y) throws Exception {
        BowConfig cfg = new BowConfig(1, 28, 28, 7, 7, BowConfig.Descriptor.RAW, 8, BowConfig.Assignment.SOFT,
                Double.NaN, 1, 0.286f, 0.353f);
        Path model = dir.resolve("p.svm");
        SvmFile.write(BowSvm.fit(x, y, cfg, "hik", Double.NaN, 1, 0, null), model);
        return model;
    }

    @Test
    void pngImagesAreExplainedWithTheSameNumbersAsTheirTensor() throws Exception {
        int[] y = new int[40];
        Tensor x = toyImages(40, y);
        Path model = toyPipeline(x, y);
        // a PNG of image 0 as pixels in [0, 1]; its tensor is the PNG normalised with the pipeline's mean and std
        float[] v = x.slice(0, 1).copy().toArray();
        java.awt.image.BufferedImage png = new java.awt.image.BufferedImage(28, 28,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        float[] normalised = new float[784];
        for (int p = 0; p < 784; p++) {
            int g = Math.max(0, Math.min(255, Math.round((v[p] * 0.353f + 0.286f) * 255)));
            png.getRaster().setSample(p % 28, p / 28, 0, g);
            normalised[p] = (g / 255f - 0.286f) / 0.353f;
        }
        Path file = dir.resolve("img.png");
        javax.imageio.ImageIO.write(png, "png", file.toFile());
        Path heat = dir.resolve("img-lrp.png");
        var r = run("svm", "explain", "--model", model.toString(), "--image", file.toString(), "--heatmap",
                heat.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = rows(r.out()).get(0);
        assertThat(j.get("relevance_sum").asDouble() + j.get("bias").asDouble())
                .isCloseTo(j.get("decision").asDouble(), within(1e-9));
        assertThat(heat).isNotEmptyFile();
        BowSvm back = ((SvmFile.Pipeline) SvmFile.read(model)).pipeline();
        double expected = back.scores(Tensor.wrap(normalised, 1, 1, 28, 28)).toArray()[j.get("target").asInt()];
        assertThat(j.get("decision").asDouble()).isCloseTo(expected, within(1e-4));
    }

    @Test
    void pixelFlippingRunsOnAnSvmPipelineWithLrpGradientAndRandom() throws Exception {
        int[] y = new int[40];
        Tensor x = toyImages(40, y);
        Path model = toyPipeline(x, y);
        Path input = dir.resolve("x.npy");
        Npy.write(input, x.slice(0, 4).copy());
        var r = run("pixel-flipping", "--model", model.toString(), "--input", input.toString(), "--steps", "3",
                "--region", "4", "--out", dir.resolve("pf").toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        List<JsonNode> rows = rows(r.out());
        assertThat(rows).hasSize(9);
        assertThat(rows.stream().map(j -> j.get("method").asText()).distinct())
                .containsExactly("lrp", "gradient", "random");
        assertThat(dir.resolve("pf").resolve("pixel-flipping.png")).isNotEmptyFile();
        var libsvmFile = run("pixel-flipping", "--model", libsvmModel(svm_parameter.LINEAR).toString(), "--input",
                input.toString(), "--out", dir.resolve("pf3").toString());
        assertThat(libsvmFile.exit()).isEqualTo(2);
        assertThat(libsvmFile.err()).contains("is a LIBSVM model");
        var bad = run("pixel-flipping", "--model", model.toString(), "--input", input.toString(), "--methods",
                "lrp:epsilon-plus-flat", "--out", dir.resolve("pf2").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown method 'lrp:epsilon-plus-flat' for an SVM pipeline");
    }

    @Test
    void trainOnFashionMnistThenExplainWritesConservingHeatmaps() throws Exception {
        boolean present = Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        if (!present) {
            System.err.println("NOTICE: SVM training test skipped: apt-get install dataset-fashion-mnist");
        }
        Assumptions.assumeTrue(present);
        Path model = dir.resolve("m.svm");
        var t = run("svm", "train", "--train", "300", "--test", "200", "--words", "16", "--out", model.toString());
        assertThat(t.exit()).as(t.err()).isZero();
        String acc = t.out().lines().filter(l -> l.startsWith("test accuracy")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(acc.split(" ")[2])).isGreaterThan(0.5);
        Path heat = dir.resolve("h.png");
        var e = run("svm", "explain", "--model", model.toString(), "--dataset", "fashion-mnist", "--index", "0,1",
                "--heatmap", heat.toString(), "--json");
        assertThat(e.exit()).as(e.err()).isZero();
        for (JsonNode j : rows(e.out())) {
            assertThat(j.get("relevance_sum").asDouble() + j.get("bias").asDouble())
                    .isCloseTo(j.get("decision").asDouble(), within(1e-9));
            assertThat(j.get("pixel_sum").asDouble()).isCloseTo(j.get("relevance_sum").asDouble(), within(1e-4));
            assertThat(j.get("target").asInt()).isEqualTo(j.get("predicted").asInt());
        }
        assertThat(dir.resolve("h-0.png")).isNotEmptyFile();
        assertThat(dir.resolve("h-1.png")).isNotEmptyFile();
        Path grid = dir.resolve("grid.png");
        var g = run("svm", "explain", "--model", model.toString(), "--dataset", "fashion-mnist", "--index", "0,1,2",
                "--heatmap", grid.toString(), "--grid");
        assertThat(g.exit()).as(g.err()).isZero();
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(grid.toFile());
        assertThat(img.getWidth()).isGreaterThan(3 * 112);
        assertThat(img.getHeight()).isGreaterThan(2 * 112);
    }
}
