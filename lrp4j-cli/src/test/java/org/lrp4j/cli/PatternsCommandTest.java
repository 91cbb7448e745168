package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lrp4j.cli.TrainEvaluateCommandTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.explain.PatternAttribution;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
import org.lrp4j.io.Npy;
import org.lrp4j.patterns.PatternFit;
import org.lrp4j.patterns.Patterns;
import org.lrp4j.tensor.Tensor;

/** {@code lrp4j patterns fit|quality}, the pattern methods in explain and pixel-flipping, and their mistakes. */
class PatternsCommandTest {

    @TempDir
    Path dir;
    Path model;
    Path input;
    Model m;
    Tensor x;

    @BeforeEach
    void setUp() throws Exception {
        m = Architectures.create("cnn", 1, 8, 4, 3);
        model = dir.resolve("cnn.lrp4j");
        ModelFile.save(m, new ModelFile.Header("cnn", 1, 8, 4), model);
        m = ModelFile.load(model);
        x = Tensor.randn(new SplittableRandom(2), 1f, 40, 1, 8, 8);
        input = dir.resolve("x.npy");
        Npy.write(input, x);
    }

    private Path fit() {
        Path p = dir.resolve("p.npz");
        var r = run("patterns", "fit", "--model", model.toString(), "--input", input.toString(), "--out",
                p.toString(), "--batch", "7");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("fitted the patterns of", "on 40 inputs", "patterns written to");
        assertThat(r.err()).contains("patterns fit [");
        return p;
    }

    @Test
    void fitWritesThePatternsOfTheStreamingEstimator() throws Exception {
        Path p = fit();
        Patterns loaded = Patterns.load(p, m);
        Patterns direct = new PatternFit(m, false).add(x).patterns();
        for (Patterns.NodePatterns n : direct.nodes().values()) {
            assertThat(loaded.nodes().get(n.node()).a().maxAbsDiff(n.a())).as(n.node())
                    .isLessThanOrEqualTo(1e-4f * Math.max(1f, n.a().abs().max().item()));
        }
    }

    @Test
    void qualityPrintsATableOrOneJsonObjectPerLayerAndEstimatorAndDrawsAChart() throws Exception {
        Path p = fit();
        Path chart = dir.resolve("rho.png");
        var table = run("patterns", "quality", "--model", model.toString(), "--patterns", p.toString(), "--input",
                input.toString(), "--chart", chart.toString());
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).contains("| layer | neurons | S_x | S_w | S_a | S_a+- | random |",
                "v fitted on 20 inputs, reported on 20", "residual 0");
        assertThat(Files.size(chart)).isPositive();
        var json = run("patterns", "quality", "--model", model.toString(), "--patterns", p.toString(), "--input",
                input.toString(), "--chart", chart.toString(), "--json", "--split", "0.6");
        assertThat(json.exit()).as(json.err()).isZero();
        List<String> lines = json.out().lines().toList();
        int layers = (int) m.nodes().stream().filter(n -> n.opType().equals("Conv") || n.opType().equals("Gemm"))
                .count();
        assertThat(lines).hasSize(5 * layers).allSatisfy(l -> assertThat(l)
                .matches("\\{\"node\":\"[^\"]+\",\"estimator\":\"(S_x|S_w|S_a|S_a\\+-|random)\",\"rho\":-?[0-9.]+,"
                        + "\"neurons\":\\d+,\"note\":\"[^\"]*\"}"));
    }

    @Test
    void explainWithPatternAttributionIsTheLibrarysResult() throws Exception {
        Path p = fit();
        Path out = dir.resolve("pa.npy");
        var r = run("explain", "--model", model.toString(), "--input", input.toString(), "--method",
                "patternattribution", "--patterns", p.toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Tensor expected = new PatternAttribution(m, Patterns.load(p, m)).explain(x, Targets.predicted())
                .attribution();
        assertThat(Npy.readTensor(out).maxAbsDiff(expected)).isZero();
    }

    @Test
    void pixelFlippingTakesThePatternMethods() throws Exception {
        Path p = fit();
        Path out = dir.resolve("pf");
        var r = run("pixel-flipping", "--model", model.toString(), "--input", input.toString(), "--patterns",
                p.toString(), "--methods", "patternattribution,patternnet,random", "--steps", "3", "--order", "morf",
                "--out", out.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"method\":\"patternattribution\"", "\"method\":\"patternnet\"");
    }

    @Test
    void patternsOfAnotherModelGetOneLineAndExitCode2AndNoOutput() throws Exception {
        Path p = fit();
        Model other = Architectures.create("cnn", 1, 8, 4, 4);
        Path otherModel = dir.resolve("other.lrp4j");
        ModelFile.save(other, new ModelFile.Header("cnn", 1, 8, 4), otherModel);
        Path out = dir.resolve("never.npy");
        var r = run("explain", "--model", otherModel.toString(), "--input", input.toString(), "--method",
                "patternnet", "--patterns", p.toString(), "--out", out.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).contains("holds patterns of another model");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(out).doesNotExist();
        var q = run("patterns", "quality", "--model", otherModel.toString(), "--patterns", p.toString(), "--input",
                input.toString(), "--chart", dir.resolve("never.png").toString());
        assertThat(q.exit()).isEqualTo(2);
        assertThat(q.err()).startsWith("lrp4j patterns quality: error: ").contains("another model");
        assertThat(dir.resolve("never.png")).doesNotExist();
    }

    @Test
    void mistakesOnTheCommandLineGetOneLineAndExitCode2() throws Exception {
        Path p = dir.resolve("q.npz");
        var none = run("explain", "--model", model.toString(), "--input", input.toString(), "--method",
                "patternattribution");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("give --patterns p.npz");
        var two = run("patterns", "fit", "--model", model.toString(), "--input", input.toString(), "--dataset",
                "fashion-mnist", "--out", p.toString());
        assertThat(two.exit()).isEqualTo(2);
        assertThat(two.err()).startsWith("lrp4j patterns fit: error: give the inputs as one of");
        Path wrong = dir.resolve("wrong.npy");
        Npy.write(wrong, Tensor.ones(3, 1, 5, 5));
        var shape = run("patterns", "fit", "--model", model.toString(), "--input", wrong.toString(), "--out",
                p.toString());
        assertThat(shape.exit()).isEqualTo(2);
        assertThat(shape.err().lines().count()).isEqualTo(1);
        assertThat(p).doesNotExist();
        var split = run("patterns", "quality", "--model", model.toString(), "--patterns", p.toString(), "--input",
                input.toString(), "--split", "1.5");
        assertThat(split.exit()).isEqualTo(2);
        assertThat(split.err()).contains("--split must be in (0, 1)");
    }
}
