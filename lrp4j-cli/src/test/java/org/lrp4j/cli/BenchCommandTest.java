package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BenchCommandTest {

    @Test
    void jsonOutputHasTheTimingFields() {
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--model", "small-cnn", "--batch", "2",
                "--warmup", "0", "--reps", "2", "--threads", "1", "--method", "lrp:epsilon-gamma-box", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().trim()).startsWith("{").endsWith("}").contains("\"model\":\"small-cnn\"")
                .contains("\"threads\":1").contains("\"median_s\":").contains("\"gflops_per_s\":")
                .contains("\"peak_heap_mb\":").contains("\"forward_median_s\":");
        double gflops = field(r.out(), "gflops_per_s");
        double peak = field(r.out(), "peak_gflops");
        assertThat(peak).isPositive();
        assertThat(field(r.out(), "peak_fraction")).isCloseTo(gflops / peak,
                org.assertj.core.api.Assertions.withinPercentage(0.1));
        double ratio = Double.parseDouble(r.out().replaceAll(".*\"over_forward\":([0-9.]+).*\\s*", "$1"));
        // the LRP call includes a forward pass of its own
        assertThat(ratio).isGreaterThan(1.0);
    }

    private static double field(String json, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":([-0-9.eE]+)").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void trainTimesATrainingStepThatCostsMoreThanTheForwardPass() {
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--model", "cnn", "--batch", "8",
                "--warmup", "1", "--reps", "3", "--threads", "1", "--method", "train", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"method\":\"train\"");
        assertThat(field(r.out(), "images_per_s")).isPositive();
        assertThat(field(r.out(), "over_forward")).isGreaterThan(1.0);
    }

    @Test
    void peakAloneNeedsNoModelAndReportsPeakGflops() {
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--peak", "--json", "--threads", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().trim()).startsWith("{").endsWith("}").contains("\"threads\":1");
        assertThat(field(r.out(), "peak_gflops")).isPositive();
        r = TrainEvaluateCommandTest.run("bench", "--peak", "--threads", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("FMA peak: [0-9.]+ GFLOP/s on 1 thread");
    }

    @Test
    void neitherModelNorPeakIsOneLine() {
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("give --model").contains("--peak").doesNotContain("\tat ");
    }

    @Test
    void everyExplainMethodIsTimedWithItsFractionOfThePeak() {
        for (String name : org.lrp4j.explain.Explainers.NAMES) {
            TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--model", "cnn", "--batch", "1",
                    "--warmup", "0", "--reps", "1", "--threads", "1", "--method", name, "--steps", "2", "--samples",
                    "2", "--json");
            if (org.lrp4j.explain.Explainers.NEED_PATTERNS.contains(name)) {
                // a built-in architecture has no fitted patterns: one clear line naming --patterns
                assertThat(r.exit()).as(name).isEqualTo(2);
                assertThat(r.err()).as(name).contains("--patterns").doesNotContain("\tat ");
                continue;
            }
            assertThat(r.exit()).as(name + ": " + r.err()).isZero();
            assertThat(r.out()).as(name).contains("\"method\":\"" + name + "\"");
            assertThat(field(r.out(), "peak_fraction")).as(name).isPositive();
        }
    }

    @Test
    void explainOptionsReachTheTimedExplainer() {
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--model", "cnn", "--method",
                "grad-cam", "--node", "no_such_node", "--reps", "1", "--warmup", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no_such_node").doesNotContain("\tat ");
    }

    @Test
    void textOutputForForwardAndGradient() {
        for (String method : new String[] {"forward", "gradient"}) {
            TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--model", "cnn", "--batch", "4",
                    "--warmup", "1", "--reps", "1", "--method", method);
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("seconds per call").contains("images/s").contains("peak heap")
                    .containsPattern("[0-9.]+% of the FMA peak \\([0-9.]+ GFLOP/s measured on [0-9]+ thread");
            if (method.equals("gradient")) {
                assertThat(r.out()).containsPattern("[0-9.]+ x the forward pass \\(forward median [0-9.]+ s");
            } else {
                assertThat(r.out()).doesNotContain("x the forward pass");
            }
        }
    }

    @Test
    void unknownModelOrMethodIsOneLine() {
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--model", "alexnet9");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("unknown architecture 'alexnet9'").doesNotContain("\tat ");
        r = TrainEvaluateCommandTest.run("bench", "--model", "cnn", "--method", "magic");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--method must be");
    }

    @Test
    void helpNamesEveryFlagAndEveryPresetComposite() {
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--help");
        assertThat(r.exit()).isZero();
        String help = r.out().replaceAll("\\s+", " ");
        for (String flag : new String[] {"--model", "--method", "--batch", "--size", "--warmup", "--reps", "--threads",
                "--json"}) {
            assertThat(help).contains(flag);
        }
        for (String name : org.lrp4j.lrp.composites.Composites.NAMES) {
            assertThat(help).as(name).containsPattern("(?<![\\w-])" + java.util.regex.Pattern.quote(name) + "(?![\\w-])");
        }
    }

    @Test
    void unknownCompositeOrRuleIsOneLineNamingThePresets() {
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run("bench", "--model", "cnn", "--method",
                "lrp:epsilon-magic");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("'epsilon-magic' is neither a preset").contains("epsilon-plus-flat")
                .doesNotContain("\tat ");
    }
}
