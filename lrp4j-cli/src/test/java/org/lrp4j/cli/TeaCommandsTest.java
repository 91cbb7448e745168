package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** distill, tea-experiment, and train/evaluate with --bias, end to end on a few Fashion-MNIST images. */
class TeaCommandsTest {

    @TempDir
    Path dir;

    static void requireFashionMnist() {
        boolean present = Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"))
                || Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte"));
        if (!present) {
            System.err.println("NOTICE: TEA command tests skipped: Fashion-MNIST is not installed"
                    + " (apt-get install dataset-fashion-mnist)");
        }
        Assumptions.assumeTrue(present);
    }

    static TrainEvaluateCommandTest.Run run(String... args) {
        return TrainEvaluateCommandTest.run(args);
    }

    @Test
    void teaExperimentEndsWithOneJsonObjectOfAccuracyPerModelAndSplit() {
        requireFashionMnist();
        Path out = dir.resolve("tea");
        TrainEvaluateCommandTest.Run r = run("tea-experiment", "--bias", "watermark", "--train-images", "60",
                "--test-images", "20", "--epochs", "1", "--json", "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertThat(last).startsWith("{\"teacher\": {\"iid\": ").endsWith("}}");
        for (String model : List.of("teacher", "erm", "logit", "tea")) {
            Matcher m = Pattern.compile("\"" + model + "\": \\{\"iid\": ([0-9.]+), \"ood\": ([0-9.]+), \"shift\":"
                    + " ([0-9.]+)}").matcher(last);
            assertThat(m.find()).as(model + " in " + last).isTrue();
            for (int g = 1; g <= 3; g++) {
                assertThat(Double.parseDouble(m.group(g))).isBetween(0.0, 1.0);
            }
        }
        assertThat(r.out()).contains("| tea |").contains("images/s");
        assertThat(r.err()).contains("tea-experiment [").contains("tea epoch 1");
        for (String f : List.of("curves.png", "curves.svg", "heatmaps.png", "results.json", "results.md")) {
            assertThat(out.resolve(f)).exists();
        }
    }

    @Test
    void distillTrainsAStudentOnTheTeachersHeatmapsThatEvaluateReadsOnEverySplit() {
        requireFashionMnist();
        Path teacher = dir.resolve("teacher.onnx");
        TrainEvaluateCommandTest.Run t = run("train", "--arch", "mlp", "--bias", "watermark:none", "--epochs", "1",
                "--limit", "200", "--out", teacher.toString());
        assertThat(t.exit()).as(t.err()).isZero();
        Path student = dir.resolve("student.onnx");
        TrainEvaluateCommandTest.Run d = run("distill", "--teacher", teacher.toString(), "--bias", "watermark",
                "--limit", "64", "--validation", "16", "--epochs", "1", "--out", student.toString());
        assertThat(d.exit()).as(d.err()).isZero();
        assertThat(d.out()).contains("(tea)").contains("kept epoch 1");
        for (String split : List.of("iid", "ood", "shift")) {
            TrainEvaluateCommandTest.Run e = run("evaluate", "--model", student.toString(), "--bias", "watermark",
                    "--split", split, "--limit", "50");
            assertThat(e.exit()).as(e.err()).isZero();
            assertThat(e.out()).contains("bias watermark:" + split).contains("50 images");
        }
    }

    @Test
    void aTeacherWhoseInputDoesNotFitTheBiasedImagesIsRefusedInOneLine() {
        requireFashionMnist();
        Path teacher = dir.resolve("grey.onnx");
        assertThat(run("train", "--arch", "mlp", "--epochs", "1", "--limit", "100", "--out", teacher.toString())
                .exit()).isZero();
        Path student = dir.resolve("never.onnx");
        TrainEvaluateCommandTest.Run d = run("distill", "--teacher", teacher.toString(), "--bias", "colour",
                "--limit", "32", "--validation", "8", "--out", student.toString());
        assertThat(d.exit()).isEqualTo(2);
        assertThat(d.err()).startsWith("lrp4j distill: error: the teacher").contains("[1, 28, 28]")
                .contains("[3, 28, 28]").contains("colour:random").doesNotContain("\tat ");
        assertThat(d.err().lines().count()).isEqualTo(1);
        assertThat(student).doesNotExist();
    }

    @Test
    void logitCorrelationIsPearsonsOverAllEntries() {
        org.lrp4j.tensor.Tensor a = org.lrp4j.tensor.Tensor.of(new float[] {1, 2, 3, 4, 5, 9}, 2, 3);
        assertThat(TeaExperimentCommand.pearson(a, a.mul(3f).add(1f))).isCloseTo(1.0,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(TeaExperimentCommand.pearson(a, a.neg())).isCloseTo(-1.0, org.assertj.core.data.Offset.offset(1e-9));
        org.lrp4j.tensor.Tensor b = org.lrp4j.tensor.Tensor.of(new float[] {2, 1, 4, 3, 6, 5}, 2, 3);
        // by hand: means 4 and 3.5, sum of products of deviations 19, sums of squares 40 and 17.5
        assertThat(TeaExperimentCommand.pearson(a, b)).isCloseTo(19 / Math.sqrt(40 * 17.5),
                org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void impossibleBiasOptionsGetOneLine() {
        String[][] bad = {{"tea-experiment", "--bias", "none", "--out", dir.resolve("x").toString()},
                {"tea-experiment", "--bias", "stripes", "--out", dir.resolve("x").toString()},
                {"evaluate", "--model", dir.resolve("m.onnx").toString(), "--split", "ood"},
                {"train", "--bias", "colour:none", "--out", dir.resolve("m.onnx").toString()},
                {"distill", "--teacher", dir.resolve("t.onnx").toString(), "--bias", "colour", "--method", "kl",
                        "--out", dir.resolve("s.onnx").toString()}};
        for (String[] args : bad) {
            TrainEvaluateCommandTest.Run r = run(args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("\tat ");
        }
        assertThat(dir.resolve("x")).doesNotExist();
    }
}
