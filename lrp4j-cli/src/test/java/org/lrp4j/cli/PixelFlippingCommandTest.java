package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lrp4j.cli.TrainEvaluateCommandTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.io.Npy;
import org.lrp4j.tensor.Tensor;

class PixelFlippingCommandTest {

    @TempDir
    Path dir;

    private Path images(int n) throws Exception {
        Path x = dir.resolve("x.npy");
        Npy.write(x, Tensor.rand(new SplittableRandom(5), -0.8f, 2f, n, 1, 28, 28));
        return x;
    }

    @Test
    void jsonHasOneLinePerMethodAndOrderAndTheFilesAreWritten() throws Exception {
        Path out = dir.resolve("pf");
        var r = run("pixel-flipping", "--input", images(3).toString(), "--methods",
                "lrp:epsilon-plus-flat,lrp:alpha_beta(1,0),random", "--steps", "4", "--region", "2", "--score", "prob",
                "--out", out.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).hasSize(9);
        for (String l : lines) {
            assertThat(l).contains("\"method\":", "\"order\":", "\"fractions\":[0.0,0.25,0.5,0.75,1.0]", "\"curve\":[",
                    "\"stderr\":[", "\"auc\":", "\"aopc\":", "\"images\":3");
        }
        assertThat(lines.get(3)).contains("\"method\":\"lrp:alpha_beta(1,0)\"", "\"order\":\"morf\"");
        for (String f : List.of("curves.csv", "summary.md", "summary.jsonl", "pixel-flipping.svg",
                "pixel-flipping.png")) {
            assertThat(out.resolve(f)).isNotEmptyFile();
        }
        assertThat(Files.readAllLines(out.resolve("curves.csv"))).hasSize(1 + 9 * 5);
        assertThat(Files.readString(out.resolve("summary.md"))).contains("| lrp:alpha_beta(1,0) |");
        try (var s = Files.list(out)) {
            assertThat(s.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void pairedDifferencesAverageToTheDifferenceOfTheAucs() throws Exception {
        Path out = dir.resolve("pairs");
        var r = run("pixel-flipping", "--input", images(4).toString(), "--methods",
                "lrp:epsilon(0.01),lrp:alpha_beta(1,0),random", "--steps", "4", "--region", "2", "--order", "morf,lerf",
                "--pairs", "2:1,3:1", "--out", out.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).hasSize(6 + 4);
        for (String order : List.of("morf", "lerf")) {
            double eps = number(find(lines, "\"method\":\"lrp:epsilon(0.01)\",\"order\":\"" + order), "auc");
            double ab = number(find(lines, "\"method\":\"lrp:alpha_beta(1,0)\",\"order\":\"" + order), "auc");
            String pair = find(lines, "\"method\":\"lrp:alpha_beta(1,0)\",\"reference\":\"lrp:epsilon(0.01)\","
                    + "\"order\":\"" + order);
            assertThat(number(pair, "auc_difference")).isCloseTo(ab - eps, org.assertj.core.api.Assertions.within(1e-9));
            assertThat(pair).contains("\"images\":4");
        }
        assertThat(Files.readString(out.resolve("summary.md"))).contains("| lrp:alpha_beta(1,0) | lrp:epsilon(0.01) |"
                + " morf |").doesNotContain("pixel-flipping pixel-flipping");
        assertThat(Files.readAllLines(out.resolve("summary.jsonl"))).hasSize(10);
    }

    private static String find(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith("{" + prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting {" + prefix + " in " + lines));
    }

    private static double number(String json, String field) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\":(-?[0-9.eE+-]+)").matcher(json);
        assertThat(m.find()).as(field + " in " + json).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theSameSeedGivesTheSameNumbers() throws Exception {
        Path x = images(2);
        String[] args = {"pixel-flipping", "--input", x.toString(), "--methods", "gradient-x-input", "--steps", "3",
            "--order", "morf,random", "--seed", "7", "--out", dir.resolve("a").toString(), "--json"};
        var a = run(args);
        var b = run(args);
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(b.out()).isEqualTo(a.out());
    }

    @Test
    void badOptionsFailBeforeAnyWorkWithOneLineAndNoOutput() throws Exception {
        Path x = images(2);
        Path flat = dir.resolve("flat.npy");
        Npy.write(flat, Tensor.zeros(2, 784));
        String[][] cases = {
            {"--order", "morf,sideways"},
            {"--methods", "lrp:nonsense"},
            {"--methods", "lrp:epsilon;LRN=taylor"},
            {"--perturb", "noise"},
            {"--perturb", "constant:abc"},
            {"--fraction", "2"},
            {"--steps", "0"},
            {"--region", "0"},
            {"--score", "margin"},
            {"--target", "all"},
            {"--target", "12"},
            {"--pairs", "1:1"},
            {"--pairs", "2-1"},
            {"--pairs", "1:9"},
        };
        for (String[] c : cases) {
            Path out = dir.resolve("never");
            var r = run("pixel-flipping", "--input", x.toString(), "--out", out.toString(), c[0], c[1]);
            assertThat(r.exit()).as(String.join(" ", c) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().lines().findFirst().orElse("")).startsWith("lrp4j pixel-flipping: error: ");
            assertThat(r.err()).doesNotContain("\tat ");
            assertThat(out).doesNotExist();
        }
        var none = run("pixel-flipping", "--out", dir.resolve("never").toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("--input x.npy, --image FILE... or --dataset");
        var shape = run("pixel-flipping", "--input", flat.toString(), "--out", dir.resolve("never").toString());
        assertThat(shape.exit()).isEqualTo(2);
        assertThat(shape.err()).contains("[N, C, H, W]");
        var missing = run("pixel-flipping", "--input", dir.resolve("absent.npy").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("absent.npy");
        assertThat(dir.resolve("never")).doesNotExist();
    }

    @Test
    void fashionMnistTestImagesRunWithTheEmbeddedModel() {
        boolean present = Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        if (!present) {
            System.err.println("NOTICE: pixel-flipping dataset test skipped: apt-get install dataset-fashion-mnist");
        }
        Assumptions.assumeTrue(present);
        Path out = dir.resolve("fm");
        var r = run("pixel-flipping", "--dataset", "fashion-mnist", "--images", "16", "--methods",
                "lrp:epsilon-plus-flat,random", "--order", "morf,lerf", "--steps", "8", "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("16 images", "| lrp:epsilon-plus-flat |", "LeRF - MoRF AUC");
        assertThat(r.err()).contains("pixel-flipping [");
        // LRP's MoRF curve falls faster than its LeRF curve on a trained classifier
        String row = r.out().lines().filter(l -> l.startsWith("| lrp:epsilon-plus-flat |")).findFirst().orElseThrow();
        String[] cells = row.split("\\|");
        assertThat(Double.parseDouble(cells[6].trim())).isPositive();
    }
}
