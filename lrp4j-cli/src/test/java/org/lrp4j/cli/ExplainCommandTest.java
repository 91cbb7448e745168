package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lrp4j.cli.TrainEvaluateCommandTest.run;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
import org.lrp4j.io.Npy;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.rules.Epsilon;
import org.lrp4j.tensor.Tensor;

class ExplainCommandTest {

    @TempDir
    Path dir;
    Path model;
    Path input;
    Model m;
    Tensor x;

    @BeforeEach
    void setUp() throws Exception {
        m = Architectures.create("cnn", 1, 28, 10, 5);
        model = dir.resolve("cnn.lrp4j");
        ModelFile.save(m, new ModelFile.Header("cnn", 1, 28, 10), model);
        x = Tensor.randn(new SplittableRandom(2), 1f, 3, 1, 28, 28);
        input = dir.resolve("x.npy");
        Npy.write(input, x);
    }

    @Test
    void explainWritesTheSameRelevanceAsTheApi() throws Exception {
        Path out = dir.resolve("r.npy");
        TrainEvaluateCommandTest.Run r = run("explain", "--model", model.toString(), "--input", input.toString(),
                "--target", "1,2,3", "--rule", "fc2=epsilon(0.25)", "--out", out.toString(), "--report",
                "--layer", "conv2");
        assertThat(r.exit()).as(r.err()).isZero();
        Tensor expected = LrpExplainer.builder(m, Composites.epsilonPlusFlat()).rule("fc2", new Epsilon(0.25f)).build()
                .explain(x, Targets.perImage(1, 2, 3)).attribution();
        assertThat(Npy.readTensor(out).maxAbsDiff(expected)).isZero();
        assertThat(r.out()).contains("row 2: target 3").contains("epsilon(0.25)").contains("bias took").contains("stabilizer");
        assertThat(Npy.readTensor(dir.resolve("r.conv2.npy")).dims()).containsExactly(3, 32, 14, 14);
    }

    @Test
    void integerBoolEmptyAndNonFiniteInputsAreRefusedNotSilentlyConverted() throws Exception {
        // int64 / bool arrays used to be cast to float and explained (wrong numbers, exit 0); an empty batch gave
        // "reshape: cannot reshape [0, 10] to [0, -1]"; NaN pixels gave NaN relevance with exit 0.
        int n = 784;
        Path i64 = dir.resolve("i64.npy");
        Npy.writeInt64(i64, new int[] {1, 1, 28, 28}, new long[n]);
        Path bool = dir.resolve("bool.npy");
        Npy.writeBool(bool, new int[] {1, 1, 28, 28}, new boolean[n]);
        Path empty = dir.resolve("empty.npy");
        Npy.write(empty, Tensor.zeros(0, 1, 28, 28));
        float[] v = new float[n];
        v[5] = Float.NaN;
        Path nan = dir.resolve("nan.npy");
        Npy.write(nan, Tensor.of(v, 1, 1, 28, 28));
        Path f64 = dir.resolve("f64.npy");
        double[] d = new double[3 * n];
        for (int i = 0; i < d.length; i++) {
            d[i] = x.data()[x.offset() + i];
        }
        Npy.writeFloat64(f64, new int[] {3, 1, 28, 28}, d);
        String[][] cases = {{"explain", i64.toString(), "int64 values"}, {"explain", bool.toString(), "bool values"},
                {"explain", empty.toString(), "no rows"}, {"explain", nan.toString(), "1 NaN or infinite"},
                {"predict", i64.toString(), "int64 values"}, {"predict", nan.toString(), "NaN or infinite"}};
        for (String[] c : cases) {
            TrainEvaluateCommandTest.Run r = run(c[0], "--model", model.toString(), "--input", c[1],
                    "--out", dir.resolve("o.npy").toString());
            assertThat(r.exit()).as(String.join(" ", c) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(c[1]).startsWith("lrp4j " + c[0] + ": error: --input ").contains(c[2])
                    .doesNotContain("\tat ");
            assertThat(r.err().lines().count()).isEqualTo(1);
        }
        TrainEvaluateCommandTest.Run ok = run("explain", "--model", model.toString(), "--input", f64.toString(),
                "--out", dir.resolve("o.npy").toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
    }

    @Test
    void seedFileRowsAreNotLabelledWithTargetsTheyDoNotUse() throws Exception {
        // with --seed FILE.npy the rows used to be printed as "target <predicted class>", and --target was silently ignored
        float[] seed = new float[30];
        seed[1] = 1;
        seed[10 + 2] = 1;
        seed[20 + 3] = 1;
        Path seedFile = dir.resolve("seed.npy");
        Npy.write(seedFile, Tensor.of(seed, 3, 10));
        String o = dir.resolve("o.npy").toString();
        TrainEvaluateCommandTest.Run r = run("explain", "--model", model.toString(), "--input", input.toString(),
                "--seed", seedFile.toString(), "--out", o);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("row 2: seed from " + seedFile).doesNotContain("target");
        r = run("explain", "--model", model.toString(), "--input", input.toString(), "--seed", seedFile.toString(),
                "--target", "5", "--out", o);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).startsWith("lrp4j explain: warning: --target is ignored with --seed");
        assertThat(r.out()).doesNotContain("target 5");
    }

    @Test
    void targetAllNamesTheImageOfEachRow() {
        assertThat(ExplainCommand.rowName(17, 30, 3)).isEqualTo("image 1");
        assertThat(ExplainCommand.rowName(2, 3, 3)).isEqualTo("row 2");
        TrainEvaluateCommandTest.Run r = run("explain", "--model", model.toString(), "--input", input.toString(),
                "--target", "all", "--method", "gradient", "--out", dir.resolve("o.npy").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("image 2, class 9 (").doesNotContain("row 29");
    }

    @Test
    void allTargetsGiveAClassAxis() throws Exception {
        Path out = dir.resolve("all.npy");
        TrainEvaluateCommandTest.Run r = run("explain", "--model", model.toString(), "--input", input.toString(),
                "--target", "all", "--composite", "epsilon-gamma-box", "--low", "-0.81", "--high", "2.03",
                "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Npy.readTensor(out).dims()).containsExactly(3, 10, 1, 28, 28);
    }

    @Test
    void mistakesInRulesAndSelectorsGiveOneLineAndExitCode2() {
        for (String[] bad : new String[][] {
                {"--rule", "Conv=bogus(1)"}, {"--rule", "nosuchnode=epsilon"}, {"--rule", "Conv=epsilon(x)"},
                {"--rule", "Convepsilon"}, {"--rule", "Conv=alpha_beta(2,2)"}, {"--target", "99"},
                {"--composite", "epsilon-gamma-box"}, {"--composite", "nope"}}) {
            String[] args = new String[4 + bad.length];
            args[0] = "explain";
            args[1] = "--model=" + model;
            args[2] = "--input=" + input;
            args[3] = "--out=" + dir.resolve("o.npy");
            System.arraycopy(bad, 0, args, 4, bad.length);
            TrainEvaluateCommandTest.Run r = run(args);
            assertThat(r.exit()).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", bad)).doesNotContain("\tat ").doesNotContain("Exception");
        }
        TrainEvaluateCommandTest.Run r = run("explain", "--model=" + model, "--input=" + input, "--rule", "Conv=bogus(1)");
        assertThat(r.err()).startsWith("lrp4j explain: error: ").contains("unknown rule 'bogus'")
                .contains("lrp4j explain --help");
        // one line for the problem and the short usage line, not the 130-line option list
        assertThat(r.err().lines().count()).isEqualTo(2);
        assertThat(r.err().lines().skip(1).findFirst().orElse("")).startsWith("Usage: lrp4j explain [OPTIONS]");
    }

    @Test
    void missingInputFileIsOneLine() {
        TrainEvaluateCommandTest.Run r = run("explain", "--model", model.toString(), "--input",
                dir.resolve("none.npy").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("none.npy").doesNotContain("\tat ");
    }

    @Test
    void aSeedFileStartsTheBackwardPassFromThatRelevance() throws Exception {
        float[] onehot = new float[30];
        for (int i = 0; i < 3; i++) {
            onehot[i * 10 + 4] = 1f;
        }
        Path seedFile = dir.resolve("seed.npy");
        Npy.write(seedFile, Tensor.wrap(onehot, 3, 10));
        TrainEvaluateCommandTest.Run fromFile = run("explain", "--model", model.toString(), "--input", input.toString(),
                "--seed", seedFile.toString(), "--target", "4", "--out", dir.resolve("a.npy").toString());
        TrainEvaluateCommandTest.Run oneHot = run("explain", "--model", model.toString(), "--input", input.toString(),
                "--seed", "onehot", "--target", "4", "--out", dir.resolve("b.npy").toString());
        assertThat(fromFile.exit()).as(fromFile.err()).isZero();
        assertThat(oneHot.exit()).as(oneHot.err()).isZero();
        assertThat(Npy.readTensor(dir.resolve("a.npy")).maxAbsDiff(Npy.readTensor(dir.resolve("b.npy")))).isZero();
        Npy.write(seedFile, Tensor.zeros(3, 7));
        TrainEvaluateCommandTest.Run wrong = run("explain", "--model", model.toString(), "--input", input.toString(),
                "--seed", seedFile.toString(), "--out", dir.resolve("c.npy").toString());
        assertThat(wrong.exit()).isEqualTo(2);
        assertThat(wrong.err()).contains("[3, 10]").contains("[3, 7]").doesNotContain("\tat ");
    }

    @Test
    void zboxBoundsComeFromTheNormalisationATrainedModelRecords() throws Exception {
        Path demo = Path.of("src/main/resources/org/lrp4j/cli/demo/cnn.onnx");
        TrainEvaluateCommandTest.Run implicit = run("explain", "--model", demo.toString(), "--input", input.toString(),
                "--composite", "epsilon-gamma-box", "--out", dir.resolve("i.npy").toString());
        float low = (0f - 0.2860f) / 0.3530f;
        float high = (1f - 0.2860f) / 0.3530f;
        TrainEvaluateCommandTest.Run explicit = run("explain", "--model", demo.toString(), "--input", input.toString(),
                "--composite", "epsilon-gamma-box", "--low", Float.toString(low), "--high", Float.toString(high),
                "--out", dir.resolve("e.npy").toString());
        assertThat(implicit.exit()).as(implicit.err()).isZero();
        assertThat(explicit.exit()).as(explicit.err()).isZero();
        assertThat(Npy.readTensor(dir.resolve("i.npy")).maxAbsDiff(Npy.readTensor(dir.resolve("e.npy")))).isZero();
    }

    @Test
    void arraysAreWrittenOnlyWhereOutSays() throws Exception {
        Path stray = Path.of("relevance.npy").toAbsolutePath();
        java.nio.file.Files.deleteIfExists(stray);
        TrainEvaluateCommandTest.Run r = run("explain", "--model", model.toString(), "--input", input.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(stray).doesNotExist();
        assertThat(r.err()).contains("no file written");
        Path saved = dir.resolve("saved/x.npy");
        r = run("explain", "--model", model.toString(), "--input", input.toString(), "--save-input", saved.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Npy.readTensor(saved).maxAbsDiff(x)).isZero();
        assertThat(stray).doesNotExist();
    }

    @Test
    void heatmapAndOutputOptionsAreCheckedBeforeAnyWork() throws Exception {
        Path file = dir.resolve("plain.txt");
        java.nio.file.Files.writeString(file, "x");
        String[][] cases = {
            {"--percentile", "0", "--percentile"},
            {"--colormap", "rainbow", "unknown colour map"},
            {"--overlay", "--heatmap=" + dir.resolve("h.png"), "--image"},
            {"--grid", "--method=lrp", "add --heatmap"},
            {"--heatmap", file.resolve("h.png").toString(), "is a file, not a folder"},
            {"--out", dir.toString(), "is a folder"},
            {"--layer", "conv2", "beside --out"},
        };
        for (String[] c : cases) {
            String[] args = new String[5 + c.length - 1];
            args[0] = "explain";
            args[1] = "--model";
            args[2] = model.toString();
            args[3] = "--input";
            args[4] = input.toString();
            System.arraycopy(c, 0, args, 5, c.length - 1);
            TrainEvaluateCommandTest.Run r = run(args);
            assertThat(r.exit()).as(String.join(" ", c)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", c)).startsWith("lrp4j explain: error: ").contains(c[c.length - 1])
                    .doesNotContain("\tat ");
            assertThat(r.out()).as(String.join(" ", c)).doesNotContain("explained");
        }
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("cnn.lrp4j", "x.npy",
                    "plain.txt");
        }
    }

    @Test
    void severalClassesStreamInChunksToTheSameNumbersAsTheApi() throws Exception {
        Path out = dir.resolve("all.npy");
        TrainEvaluateCommandTest.Run r = run("explain", "--model", model.toString(), "--input", input.toString(),
                "--target", "all", "--batch", "3", "--out", out.toString(), "--heatmap", dir.resolve("h.png").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Tensor expected = LrpExplainer.builder(m, Composites.epsilonPlusFlat()).build().explain(x, Targets.all())
                .attribution();
        Tensor got = Npy.readTensor(out);
        assertThat(got.dims()).containsExactly(3, 10, 1, 28, 28);
        assertThat(got.maxAbsDiff(expected)).isLessThan(1e-5f);
        assertThat(dir.resolve("h-0-9-class_9.png")).isRegularFile();
        assertThat(dir.resolve("h-2-0-class_0.png")).isRegularFile();

        // top3: the three best classes of each image, best first
        Path top = dir.resolve("top.npy");
        r = run("explain", "--model", model.toString(), "--input", input.toString(), "--target", "top3", "--out",
                top.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Tensor logits = m.predict(x);
        Tensor t3 = Npy.readTensor(top);
        assertThat(t3.dims()).containsExactly(3, 3, 1, 28, 28);
        for (int i = 0; i < 3; i++) {
            int best = 0;
            for (int c = 1; c < 10; c++) {
                best = logits.get(i, c) > logits.get(i, best) ? c : best;
            }
            assertThat(t3.select(i).select(0).maxAbsDiff(expected.select(i).select(best))).isLessThan(1e-5f);
        }

        // --classes: the same classes for every image
        Path some = dir.resolve("some.npy");
        r = run("explain", "--model", model.toString(), "--input", input.toString(), "--classes", "7,2", "--out",
                some.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Tensor two = Npy.readTensor(some);
        assertThat(two.select(1).select(0).maxAbsDiff(expected.select(1).select(7))).isLessThan(1e-5f);
        assertThat(two.select(1).select(1).maxAbsDiff(expected.select(1).select(2))).isLessThan(1e-5f);

        for (String[] bad : new String[][] {{"--classes", "1", "--target", "2"}, {"--classes", "10"},
            {"--target", "top0"}, {"--target", "all", "--batch", "0"}}) {
            String[] args = new String[5 + bad.length];
            System.arraycopy(new String[] {"explain", "--model", model.toString(), "--input", input.toString()}, 0,
                    args, 0, 5);
            System.arraycopy(bad, 0, args, 5, bad.length);
            TrainEvaluateCommandTest.Run b = run(args);
            assertThat(b.exit()).as(String.join(" ", bad) + b.err()).isEqualTo(2);
            assertThat(b.err()).doesNotContain("\tat ");
        }
    }

    @Test
    void weightsWithNaNAreRefusedAtLoadNamingTheTensor() throws Exception {
        Model bad = Architectures.create("cnn", 1, 28, 10, 5);
        bad.parameter("conv1", "weight").value().setFlat(3, Float.NaN);
        bad.parameter("conv1", "weight").value().setFlat(4, Float.POSITIVE_INFINITY);
        Path file = dir.resolve("bad.lrp4j");
        ModelFile.save(bad, new ModelFile.Header("cnn", 1, 28, 10), file);
        Path out = dir.resolve("never.npy");
        TrainEvaluateCommandTest.Run r = run("explain", "--model", file.toString(), "--input", input.toString(),
                "--out", out.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("lrp4j explain: error: model bad.lrp4j: weight 'conv1.weight' holds 2 NaN or"
                + " infinite value(s)");
        assertThat(out).doesNotExist();
        TrainEvaluateCommandTest.Run p = run("predict", "--model", file.toString(), "--input", input.toString());
        assertThat(p.exit()).isEqualTo(2);
    }

    @Test
    void theLrnZooModelIsExplainedWithTheTaylorAndThePassRule() throws Exception {
        Path zoo = ZooFuzzTest.zoo();
        if (zoo == null) {
            System.err.println("NOTICE: LRN zoo test skipped: no model zoo ($LRP4J_ZOO or ../shared/zoo)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(zoo != null);
        Path d = zoo.resolve("alexnet_lrn_small");
        Tensor[] r = new Tensor[2];
        String[] rules = {"taylor", "pass"};
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("lrn-" + rules[i] + ".npy");
            TrainEvaluateCommandTest.Run run = run("explain", "--model", d.resolve("model.onnx").toString(), "--input",
                    d.resolve("input.npy").toString(), "--rule", "LRN=" + rules[i], "--out", out.toString());
            assertThat(run.exit()).as(run.err()).isZero();
            r[i] = Npy.readTensor(out);
        }
        assertThat(r[0].dims()).containsExactly(r[1].dims());
        assertThat(r[0].maxAbsDiff(r[1])).isGreaterThan(0f);
        TrainEvaluateCommandTest.Run inspect = run("inspect", "--model", d.resolve("model.onnx").toString());
        assertThat(inspect.out()).contains("taylor");
    }
}
