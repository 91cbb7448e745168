package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainEvaluateCommandTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainThenEvaluateReportTheSameTestAccuracy() {
        boolean present = Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        if (!present) {
            System.err.println("NOTICE: CLI training test skipped: apt-get install dataset-fashion-mnist");
        }
        Assumptions.assumeTrue(present);
        Path model = dir.resolve("cnn.lrp4j");
        Run train = run("train", "--arch", "mlp", "--epochs", "1", "--limit", "2000", "--seed", "3", "--out",
                model.toString());
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(train.out()).contains("epoch 1 done").contains("saved");
        assertThat(model).exists();
        String reported = train.out().replaceAll("(?s).*test accuracy ([0-9.]+)%.*", "$1");
        Run eval = run("evaluate", "--model", model.toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("test accuracy " + reported + "%").contains("10000 images");
        assertThat(Double.parseDouble(reported)).isGreaterThan(60.0);
    }

    @Test
    void impossibleTrainingOptionsAreRejectedBeforeTheDataIsRead() {
        // --limit -5 used to end in an IndexOutOfBoundsException stack trace, --limit 0 in a model trained on nothing
        String[][] bad = {{"--limit", "-5"}, {"--limit", "0"}, {"--epochs", "0"}, {"--batch-size", "0"},
                {"--threads", "0"}, {"--lr", "0"}};
        for (String[] b : bad) {
            Path out = dir.resolve("never.onnx");
            String[] args = new String[] {"train", "--data", dir.toString(), "--out", out.toString(), b[0], b[1]};
            Run r = run(args);
            assertThat(r.exit()).as(String.join(" ", b) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", b)).startsWith("lrp4j train: error: " + b[0] + " must be")
                    .doesNotContain("\tat ").doesNotContain("Exception");
            assertThat(r.err().lines().count()).isEqualTo(1);
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void mnistWithoutDataFolderIsRefusedInsteadOfReadingFashionMnist() {
        // the default folder holds Fashion-MNIST under the same file names: --dataset mnist used to read it silently
        for (String[] args : new String[][] {{"evaluate", "--model", dir.resolve("m.onnx").toString(), "--dataset", "mnist"},
                {"train", "--dataset", "mnist", "--epochs", "1", "--out", dir.resolve("m.onnx").toString()}}) {
            Run r = run(args);
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("--dataset mnist needs --data DIR").doesNotContain("\tat ");
        }
        Run r = run("evaluate", "--model", dir.resolve("m.onnx").toString(), "--limit", "-5");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("lrp4j evaluate: error: --limit must be at least 1");
    }

    @Test
    void missingFilesAndBadOptionsGiveOneLineErrors() {
        Run missing = run("evaluate", "--model", dir.resolve("nothing.bin").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("lrp4j evaluate: error: model file not found").doesNotContain("\tat ");
        Run noData = run("train", "--data", dir.toString(), "--out", dir.resolve("m").toString());
        assertThat(noData.exit()).isEqualTo(2);
        assertThat(noData.err()).contains("fashion-mnist not found").contains("apt-get install dataset-fashion-mnist");
        Run badArch = run("evaluate");
        assertThat(badArch.exit()).isEqualTo(2);
        assertThat(badArch.err()).contains("Missing required option");
    }

    @Test
    void helpListsTheCommands() {
        Run help = run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("train").contains("evaluate").contains("info");
    }
}
