package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lrp4j.cli.TrainEvaluateCommandTest.run;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.explain.Explainers;
import org.lrp4j.explain.GradCam;
import org.lrp4j.explain.IntegratedGradients;
import org.lrp4j.explain.SmoothGrad;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
import org.lrp4j.io.Npy;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.explain.Explainer;
import org.lrp4j.tensor.Tensor;

/** {@code lrp4j explain --method M} for every method, its options, and its mistakes. */
class ExplainMethodsCommandTest {

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
        x = Tensor.randn(new SplittableRandom(2), 1f, 2, 1, 8, 8);
        input = dir.resolve("x.npy");
        Npy.write(input, x);
    }

    private TrainEvaluateCommandTest.Run explain(String... extra) {
        String[] args = new String[5 + extra.length];
        args[0] = "explain";
        args[1] = "--model=" + model;
        args[2] = "--input=" + input;
        args[3] = "--out=" + dir.resolve("a.npy");
        args[4] = "--samples=2";
        System.arraycopy(extra, 0, args, 5, extra.length);
        return run(args);
    }

    @Test
    void everyMethodRunsAndWritesAnAttribution() throws Exception {
        Path patterns = dir.resolve("p.npz");
        new org.lrp4j.patterns.PatternFit(ModelFile.load(model), false)
                .add(Tensor.randn(new SplittableRandom(3), 1f, 16, 1, 8, 8)).patterns().save(patterns);
        for (String method : Explainers.NAMES) {
            TrainEvaluateCommandTest.Run r = Explainers.NEED_PATTERNS.contains(method)
                    ? explain("--method", method, "--patterns", patterns.toString())
                    : explain("--method", method, "--steps", "4");
            assertThat(r.exit()).as(method + ": " + r.err()).isZero();
            assertThat(r.out()).as(method).contains("explained 2 image(s) with "
                    + (method.equals("lrp") ? "epsilon-plus-flat" : method));
            Tensor a = Npy.readTensor(dir.resolve("a.npy"));
            boolean map = method.equals("sensitivity") || method.equals("grad-cam");
            assertThat(a.dims()).as(method).containsExactly(2, 1, 8, 8);
            assertThat(map || a.shape().equals(x.shape())).isTrue();
        }
    }

    @Test
    void helpListsEveryMethodOnItsOwnLine() {
        TrainEvaluateCommandTest.Run r = run("explain", "--help");
        assertThat(r.exit()).isZero();
        for (String method : Explainers.NAMES) {
            assertThat(r.out()).as(method).containsPattern("(?m)^\\s+" + java.util.regex.Pattern.quote(method) + "\\s{2,}\\S");
        }
        r.out().lines().filter(l -> Explainers.NAMES.stream().anyMatch(n -> l.startsWith("  " + n + " ")))
                .forEach(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(80));
        assertThat(r.out()).contains("--method").contains("--steps").contains("--no-relu").contains("--noise-seed")
                .contains("ReLU unless --no-relu").contains("(default last Conv)");
        // the lists come from the registries: every method's own description, every preset and rule name
        for (var e : Explainers.METHODS.entrySet()) {
            String firstWords = e.getValue().substring(0, Math.min(20, e.getValue().length()));
            assertThat(r.out()).as(e.getKey()).contains(firstWords);
        }
        String flat = r.out().replaceAll("\\s+", " ");
        assertThat(flat).contains("Composites (--composite): " + String.join(", ", Composites.NAMES) + ".")
                .contains("Rules (--rule SELECTOR=RULE): " + String.join(", ", org.lrp4j.lrp.rules.Rules.NAMES) + ";");
    }

    @Test
    void optionsReachTheMethods() throws Exception {
        TrainEvaluateCommandTest.Run r = explain("--method", "integrated-gradients", "--steps", "16", "--target", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("completeness gap");
        Tensor expected = new IntegratedGradients(m, 16, null).explain(x, Targets.of(1)).attribution();
        assertThat(Npy.readTensor(dir.resolve("a.npy")).maxAbsDiff(expected)).isZero();

        r = explain("--method", "grad-cam", "--node", "conv1", "--no-relu");
        assertThat(r.exit()).as(r.err()).isZero();
        expected = new GradCam(m, "conv1", false).explain(x, Targets.predicted()).attribution();
        assertThat(Npy.readTensor(dir.resolve("a.npy")).maxAbsDiff(expected)).isZero();

        r = explain("--method", "smoothgrad", "--over", "lrp", "--noise", "0.1", "--noise-seed", "5",
                "--composite", "epsilon-plus");
        assertThat(r.exit()).as(r.err()).isZero();
        Explainer lrp = Explainer.lrp(m, Composites.epsilonPlus());
        expected = SmoothGrad.over(lrp, 2, 0.1f, 5).explain(x, Targets.predicted()).attribution();
        assertThat(Npy.readTensor(dir.resolve("a.npy")).maxAbsDiff(expected)).isZero();

        Path b = dir.resolve("b.npy");
        Npy.write(b, Tensor.full(0.5f, 1, 1, 8, 8));
        r = explain("--method", "taylor", "--baseline", b.toString(), "--score", "margin");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("remainder");

        r = explain("--method", "deep-taylor", "--low", "-3", "--high", "3", "--report");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("deep-taylor: conv1 (Conv): input domain box").contains("zbox(-3.0,3.0)");

        r = explain("--method", "occlusion", "--window", "3", "--stride", "1", "--fill", "-1", "--target", "all");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Npy.readTensor(dir.resolve("a.npy")).dims()).containsExactly(2, 4, 1, 8, 8);
    }

    @Test
    void mistakesGiveOneLineAndExitCode2() {
        String[][] bad = {{"--method", "nope"}, {"--method", "smoothgrad", "--over", "nope"},
                {"--method", "smoothgrad", "--over", "smoothgrad"}, {"--method", "integrated-gradients", "--steps", "0"},
                {"--method", "occlusion", "--window", "0"}, {"--method", "grad-cam", "--node", "nosuchnode"},
                {"--method", "grad-cam", "--node", "fc1"}, {"--method", "smoothgrad", "--noise", "-1"},
                {"--method", "taylor", "--score", "bogus"}, {"--method", "deep-taylor", "--low", "1"},
                {"--method", "gradient", "--target", "9"}, {"--method", "gradient", "--steps", "x"}};
        for (String[] b : bad) {
            TrainEvaluateCommandTest.Run r = explain(b);
            assertThat(r.exit()).as(String.join(" ", b) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", b)).doesNotContain("\tat ").doesNotContain("Exception");
            String first = r.err().lines().findFirst().orElse("");
            assertThat(first).as(String.join(" ", b)).isNotBlank();
        }
        TrainEvaluateCommandTest.Run r = explain("--method", "nope");
        assertThat(r.err()).startsWith("lrp4j explain: error: ").contains("unknown method 'nope'")
                .contains("Usage: lrp4j explain [OPTIONS]");
        assertThat(r.err().lines().count()).isEqualTo(2);
    }
}
