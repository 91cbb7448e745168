package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lrp4j.cli.TrainEvaluateCommandTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
import org.lrp4j.io.Npy;
import org.lrp4j.onnx.OnnxExporter;
import org.lrp4j.onnx.OnnxImporter;
import org.lrp4j.onnx.OnnxModelInfo;
import org.lrp4j.tensor.Tensor;

/** {@code lrp4j inspect}, {@code lrp4j predict}, and {@code lrp4j train} writing ONNX. */
class InspectPredictCommandTest {

    @TempDir
    Path dir;
    Model m;
    Path onnx;
    Path legacy;
    Path input;
    Tensor x;

    @BeforeEach
    void setUp() throws Exception {
        m = Architectures.create("cnn", 1, 28, 10, 5);
        onnx = dir.resolve("cnn.onnx");
        OnnxExporter.save(m, onnx, Map.ofEntries(OnnxModelInfo.classNamesEntry(FashionMnist.CLASS_NAMES),
                Map.entry("lrp4j.dataset", "fashion-mnist")));
        legacy = dir.resolve("cnn.lrp4j");
        ModelFile.save(m, new ModelFile.Header("cnn", 1, 28, 10), legacy);
        x = Tensor.randn(new SplittableRandom(2), 1f, 3, 1, 28, 28);
        input = dir.resolve("x.npy");
        Npy.write(input, x);
    }

    @Test
    void inspectPrintsInputsOutputsOpsetShapesParametersAndRules() {
        TrainEvaluateCommandTest.Run r = run("inspect", "--model", onnx.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String out = r.out();
        System.err.print(out);
        assertThat(out).contains("ONNX, ir_version 7, opset 13, producer lrp4j")
                .containsPattern("input +input +float32 \\[batch, 1, 28, 28\\]")
                .containsPattern("output +fc2 +float32 \\[batch, 10\\]")
                .contains("classes     10: T-shirt/top, Trouser, Pullover")
                .contains("metadata    lrp4j.dataset = fashion-mnist")
                .contains(String.format(java.util.Locale.ROOT, "parameters  %,d trainable", m.parameterCount()))
                .contains("LRP rule (epsilon-plus-flat)");
        assertThat(line(out, "conv1")).contains("Conv").contains("[1, 16, 28, 28]").contains("160").contains("flat");
        assertThat(line(out, "conv2")).contains("[1, 32, 14, 14]").contains("zplus");
        assertThat(line(out, "pool2")).contains("MaxPool").contains("[1, 32, 7, 7]");
        assertThat(line(out, "fc2")).contains("Gemm").contains("[1, 10]").contains("epsilon");
    }

    @Test
    void inspectWithInputsReportsHowMuchEachLrnNodeChangesItsInput() throws Exception {
        Model lrn = Architectures.create("lrn-cnn", 1, 28, 10, 3);
        Path file = dir.resolve("lrn.onnx");
        OnnxExporter.save(lrn, file, Map.of());
        TrainEvaluateCommandTest.Run r = run("inspect", "--model", file.toString(), "--input", input.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        // the figure from the model's own forward pass, computed here independently
        org.lrp4j.graph.Trace t = lrn.trace(org.lrp4j.autodiff.Variable.constant(x));
        org.lrp4j.graph.Node node = lrn.nodes().stream().filter(n -> n.opType().equals("LRN")).findFirst()
                .orElseThrow();
        Tensor in = t.values().get(node.inputs().get(0)).value();
        Tensor out = t.output(node).value();
        double change = out.sub(in).abs().sum().item() / in.abs().sum().item();
        assertThat(change).as("alpha = 1 must matter").isGreaterThan(0.01);
        assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "LRN         %s changes its input by %.1f%%",
                node.name(), 100 * change)).contains("over 3 inputs").contains("first-order Taylor rule");
        TrainEvaluateCommandTest.Run none = run("inspect", "--model", onnx.toString(), "--input", input.toString());
        assertThat(none.out()).contains("the model has no LRN nodes");
        TrainEvaluateCommandTest.Run both = run("inspect", "--model", onnx.toString(), "--input", input.toString(),
                "--dataset", "fashion-mnist");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("give --input or --dataset, not both");
    }

    private static String line(String out, String node) {
        return Arrays.stream(out.split("\n")).filter(l -> l.startsWith("  " + node + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for node " + node + " in\n" + out));
    }

    @Test
    void inspectShowsWhatCanonizersDoAndReadsLegacyFiles() {
        TrainEvaluateCommandTest.Run bn = run("inspect", "--model",
                ExplainConformanceTest.FIXTURES.resolve("cnn_bn/model.onnx").toString());
        assertThat(bn.exit()).as(bn.err()).isZero();
        System.err.print(bn.out());
        assertThat(bn.out()).contains("BatchNormalization").contains("(removed by canonizer)").contains("canonizer ");

        TrainEvaluateCommandTest.Run old = run("inspect", "--model", legacy.toString());
        assertThat(old.exit()).as(old.err()).isZero();
        assertThat(old.out()).contains("lrp4j model file (legacy format)").contains("[batch, 1, 28, 28]");
        assertThat(line(old.out(), "conv2")).contains("[1, 32, 14, 14]").contains("zplus");
    }

    @Test
    void predictPrintsTopClassesWithNamesAndWritesTheOutput() throws Exception {
        Path out = dir.resolve("logits.npy");
        TrainEvaluateCommandTest.Run r = run("predict", "--model", onnx.toString(), "--input", input.toString(),
                "--out", out.toString(), "--top", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        System.err.print(r.out());
        Tensor y = m.predict(x);
        assertThat(Npy.readTensor(out).maxAbsDiff(y)).isZero();
        for (int i = 0; i < 3; i++) {
            int best = 0;
            for (int c = 1; c < 10; c++) {
                if (y.get(i, c) > y.get(i, best)) {
                    best = c;
                }
            }
            String row = line(r.out().replace("\nrow", "\n  row"), "row " + i + ":");
            assertThat(row).startsWith("  row " + i + ": " + best + " " + FashionMnist.CLASS_NAMES.get(best) + " (");
            assertThat(row.split(";")).hasSize(2);
        }
        // the legacy file has no class names: indices only
        TrainEvaluateCommandTest.Run old = run("predict", "--model", legacy.toString(), "--input", input.toString());
        assertThat(old.exit()).as(old.err()).isZero();
        assertThat(old.out()).contains("row 2: ").contains("p=").doesNotContain("Trouser");
    }

    @Test
    void badFilesAndShapesGiveOneLineAndExitCode2() throws Exception {
        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "this is not a model\n");
        byte[] bytes = Files.readAllBytes(onnx);
        Path truncated = dir.resolve("truncated.onnx");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        Path wrong = dir.resolve("wrong.npy");
        Npy.write(wrong, Tensor.zeros(2, 1, 27, 27));
        Path single = dir.resolve("single.npy");
        Npy.write(single, Tensor.zeros(1, 28, 28));
        for (String[] args : List.of(
                new String[] {"inspect", "--model", dir.resolve("missing.onnx").toString()},
                new String[] {"inspect", "--model", text.toString()},
                new String[] {"inspect", "--model", truncated.toString()},
                new String[] {"inspect", "--model", dir.toString()},
                new String[] {"predict", "--model", dir.resolve("missing.onnx").toString(), "--input", input.toString()},
                new String[] {"predict", "--model", truncated.toString(), "--input", input.toString()},
                new String[] {"predict", "--model", onnx.toString(), "--input", wrong.toString()},
                new String[] {"predict", "--model", onnx.toString(), "--input", single.toString()},
                new String[] {"predict", "--model", onnx.toString(), "--input", dir.resolve("none.npy").toString()},
                new String[] {"predict", "--model", onnx.toString(), "--input", input.toString(), "--top", "0"})) {
            TrainEvaluateCommandTest.Run r = run(args);
            String what = String.join(" ", args);
            System.err.print(r.err());
            assertThat(r.exit()).as(what + "\n" + r.err()).isEqualTo(2);
            assertThat(r.err().strip().split("\n")).as(what + "\n" + r.err()).hasSize(1);
            assertThat(r.err()).as(what).startsWith("lrp4j " + args[0] + ": error: ").doesNotContain("\tat ");
        }
        TrainEvaluateCommandTest.Run w = run("predict", "--model", onnx.toString(), "--input", wrong.toString());
        assertThat(w.err()).contains("[2, 1, 27, 27]").contains("takes [N, 1, 28, 28]");
        TrainEvaluateCommandTest.Run s = run("predict", "--model", onnx.toString(), "--input", single.toString());
        assertThat(s.err()).contains("add a batch axis");
        TrainEvaluateCommandTest.Run t = run("inspect", "--model", truncated.toString());
        assertThat(t.err()).contains("truncated.onnx");
        TrainEvaluateCommandTest.Run n = run("inspect", "--model", text.toString());
        assertThat(n.err()).contains("notes.onnx").contains("ONNX");
    }

    @Test
    void trainWritesOnnxWithClassNamesThatEvaluateAndInspectRead() throws Exception {
        boolean present = Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        if (!present) {
            System.err.println("NOTICE: CLI training test skipped: apt-get install dataset-fashion-mnist");
        }
        Assumptions.assumeTrue(present);
        Path model = dir.resolve("trained/mlp.onnx");
        TrainEvaluateCommandTest.Run train = run("train", "--arch", "mlp", "--epochs", "1", "--limit", "1000",
                "--seed", "4", "--out", model.toString());
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(ModelLoader.isLegacy(model)).isFalse();
        OnnxModelInfo info = OnnxModelInfo.read(model);
        assertThat(info.classNames()).contains(FashionMnist.CLASS_NAMES);
        assertThat(info.producerName()).isEqualTo("lrp4j");
        assertThat(info.inputs().get(0).shape()).isEqualTo("[batch, 1, 28, 28]");
        assertThat(info.metadata()).containsEntry("lrp4j.architecture", "mlp")
                .containsEntry("lrp4j.dataset", "fashion-mnist").containsKey("lrp4j.input_normalization");
        assertThat(OnnxImporter.load(model).nodes()).hasSize(6);

        String reported = train.out().replaceAll("(?s).*test accuracy ([0-9.]+)%.*", "$1");
        TrainEvaluateCommandTest.Run eval = run("evaluate", "--model", model.toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("test accuracy " + reported + "%").contains("10000 images");

        TrainEvaluateCommandTest.Run inspect = run("inspect", "--model", model.toString());
        assertThat(inspect.out()).contains("classes     10: T-shirt/top");

        // an ONNX model whose input is not 1x28x28 is refused by evaluate in one line
        Path other = dir.resolve("other.onnx");
        OnnxExporter.save(Architectures.create("mlp", 3, 32, 10, 1), other);
        TrainEvaluateCommandTest.Run bad = run("evaluate", "--model", other.toString(), "--limit", "10");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("takes [N, 3, 32, 32]").contains("[N, 1, 28, 28]");
    }

    @Test
    void inspectRefusesAnUnknownCompositeWithExitCode2() {
        TrainEvaluateCommandTest.Run r = run("inspect", "--model", onnx.toString(), "--composite", "nope");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("lrp4j inspect: error: unknown composite 'nope'");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void predictReadsImagesWithExplainsPreprocessingAndSavesTheInput() throws Exception {
        java.awt.image.BufferedImage g = new java.awt.image.BufferedImage(28, 28,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(5, 5, 0, 255);
        Path png = dir.resolve("shoe.png");
        javax.imageio.ImageIO.write(g, "png", png.toFile());
        Path saved = dir.resolve("in.npy");
        TrainEvaluateCommandTest.Run r = run("predict", "--model", onnx.toString(), "--image", png.toString(),
                "--save-input", saved.toString(), "--top", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("row 0 (shoe.png): ");
        Tensor in = Npy.readTensor(saved);
        assertThat(in.dims()).containsExactly(1, 1, 28, 28);
        // fashion-mnist's normalisation: black (0 - 0.2860) / 0.3530, white (1 - 0.2860) / 0.3530
        assertThat(in.get(0, 0, 0, 0)).isCloseTo(-0.2860f / 0.3530f, org.assertj.core.api.Assertions.within(1e-5f));
        assertThat(in.get(0, 0, 5, 5)).isCloseTo((1 - 0.2860f) / 0.3530f, org.assertj.core.api.Assertions.within(1e-5f));
        TrainEvaluateCommandTest.Run both = run("predict", "--model", onnx.toString(), "--image", png.toString(),
                "--input", input.toString());
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("one of the two");
    }

    @Test
    void errorMessagesNameTheModelByItsFile() throws Exception {
        Path two = dir.resolve("two-inputs-named-by-exporter.onnx");
        Files.copy(onnx, two);
        TrainEvaluateCommandTest.Run r = run("explain", "--model", two.toString(), "--input", input.toString(),
                "--method", "grad-cam", "--node", "nonexistent");
        assertThat(r.exit()).isEqualTo(2);
        TrainEvaluateCommandTest.Run e = run("evaluate", "--model", two.toString(), "--data", dir.toString());
        assertThat(e.exit()).isEqualTo(2);
        assertThat(ModelLoader.load(two).name()).isEqualTo("two-inputs-named-by-exporter.onnx");
    }
}
