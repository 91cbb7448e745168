package org.lrp4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.GradientExplainer;
import org.lrp4j.explain.GradientTimesInput;
import org.lrp4j.explain.IntegratedGradients;
import org.lrp4j.explain.Targets;
import org.lrp4j.io.Npy;
import org.lrp4j.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The gradient-type cases of the conformance fixtures (gradient, gradient_x_input, integrated_gradients with 32
 * points and the zero baseline; references in float64 by the fixture generator) through the explainers of
 * {@code org.lrp4j.explain}, within each case's float32 tolerance. Integrated gradients' completeness figures are
 * checked against the manifest too.
 */
class GradientConformanceTest {

    static Stream<Arguments> gradientCases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String m : LrpConformanceTest.MODELS) {
            for (JsonNode c : LrpConformanceTest.manifest(m).get("cases")) {
                String method = c.get("method").asText();
                if (method.equals("gradient") || method.equals("gradient_x_input")
                        || method.equals("integrated_gradients")) {
                    out.add(Arguments.of(m, c.get("id").asText(), c));
                }
            }
        }
        assertThat(out).hasSize(3 * 6);
        return out.stream();
    }

    /** Whether some point k/n * x of the path has a ReLU input within 1e-5 of 0 or a 2x2 max-pool near-tie. */
    static boolean nearBranch(org.lrp4j.graph.Model model, Tensor x, int steps) {
        for (int k = 1; k <= steps; k++) {
            var t = model.trace(org.lrp4j.autodiff.Variable.constant(x.mul((float) k / steps)));
            for (var n : model.nodes()) {
                Tensor z = t.inputs(n).get(0).value();
                if (n.opType().equals("Relu")) {
                    for (int i = 0; i < z.size(); i++) {
                        if (Math.abs(z.getFlat(i)) < 1e-5f) {
                            return true;
                        }
                    }
                }
                if (n.layer() instanceof org.lrp4j.layers.MaxPool2d && nearTie(z)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean nearTie(Tensor z) {
        for (int c = 0; c < z.dim(1); c++) {
            for (int y = 0; y + 1 < z.dim(2); y += 2) {
                for (int w = 0; w + 1 < z.dim(3); w += 2) {
                    float[] v = {z.get(0, c, y, w), z.get(0, c, y, w + 1), z.get(0, c, y + 1, w), z.get(0, c, y + 1, w + 1)};
                    java.util.Arrays.sort(v);
                    if (v[3] > 0 && v[3] - v[2] < 1e-5f) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("gradientCases")
    void gradientCaseMatchesTheReference(String modelName, String id, JsonNode c) throws Exception {
        var model = LrpConformanceTest.model(modelName);
        Explainer explainer = switch (c.get("method").asText()) {
            case "gradient" -> new GradientExplainer(model);
            case "gradient_x_input" -> new GradientTimesInput(model);
            case "integrated_gradients" -> {
                assertThat(c.get("parameters").get("baseline").asText()).isEqualTo("zeros");
                yield new IntegratedGradients(model, c.get("parameters").get("n_iter").asInt(), null);
            }
            default -> throw new IllegalStateException();
        };
        Tensor x = Npy.readTensor(LrpConformanceTest.dir(modelName).resolve("input.npy"));
        int[] targets = new int[c.get("targets").size()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = c.get("targets").get(i).asInt();
        }
        Explanation e = explainer.explain(x, Targets.perImage(targets));
        assertThat(e.targets()).containsExactly(targets);
        Tensor expected = Npy.readTensor(LrpConformanceTest.dir(modelName).resolve(c.get("output_file").asText()));
        JsonNode tol = c.get("tolerance").get("float32_implementation");
        double max = c.get("max_abs_value").asDouble();
        int per = x.size() / x.dim(0);
        List<Integer> loosened = new ArrayList<>();
        for (int i = 0; i < x.dim(0); i++) {
            Tensor a = e.attribution().slice(i, i + 1);
            Tensor r = expected.slice(i, i + 1);
            boolean strict = true;
            for (int j = 0; j < per; j++) {
                double ex = r.getFlat(j);
                strict &= Math.abs(a.getFlat(j) - ex) <= tol.get("atol").asDouble()
                        + tol.get("rtol").asDouble() * Math.abs(ex);
            }
            if (strict) {
                continue;
            }
            // Only integrated gradients may miss the float32 tolerance, and only on an image whose integration
            // path passes a point where float32 rounding can flip a branch: a ReLU pre-activation within 1e-5 of 0
            // or a max-pooling window whose two largest values are within 1e-5. Such an image must still agree to
            // 1e-3 of the largest value.
            assertThat(explainer).as("%s %s image %d misses the float32 tolerance", modelName, id, i)
                    .isInstanceOf(IntegratedGradients.class);
            assertThat(nearBranch(model, x.slice(i, i + 1), ((IntegratedGradients) explainer).steps()))
                    .as("%s %s image %d misses the float32 tolerance without a near-tie on its path", modelName, id, i)
                    .isTrue();
            assertThat((double) a.maxAbsDiff(r)).as("%s %s image %d", modelName, id, i).isLessThan(1e-3 * max);
            loosened.add(i);
        }
        System.out.printf("conformance %s %s: max abs error %.3g (max |value| %.3g)%s%n", modelName, id,
                e.attribution().maxAbsDiff(expected), max, loosened.isEmpty() ? ""
                        : "; image(s) " + loosened + " within 1e-3 of max: a ReLU/max-pool near-tie on the path");
        if (explainer instanceof IntegratedGradients ig) {
            IntegratedGradients.Result r = ig.explainWithCompleteness(x, Targets.perImage(targets));
            JsonNode comp = c.get("completeness");
            for (int i = 0; i < targets.length; i++) {
                double sum = comp.get("sum_of_attribution").get(i).asDouble();
                double diff = comp.get("logit_input_minus_logit_baseline").get(i).asDouble();
                assertThat(r.scoreAtInput()[i] - r.scoreAtBaseline()[i]).as("f(x) - f(0), image %d", i)
                        .isCloseTo(diff, org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, Math.abs(diff))));
                assertThat(r.completenessGap()[i]).as("completeness gap, image %d", i)
                        .isCloseTo(sum - diff, org.assertj.core.data.Offset.offset(1e-3));
            }
        }
    }
}
