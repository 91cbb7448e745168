package org.lrp4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.OutputSeed;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.io.Npy;
import org.lrp4j.lrp.NodeRelevance;
import org.lrp4j.lrp.canonizers.Canonizer;
import org.lrp4j.lrp.canonizers.MergeBatchNorm;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.AlphaBeta;
import org.lrp4j.lrp.rules.Epsilon;
import org.lrp4j.lrp.rules.Flat;
import org.lrp4j.lrp.rules.Gamma;
import org.lrp4j.lrp.rules.Gradient;
import org.lrp4j.lrp.rules.Norm;
import org.lrp4j.lrp.rules.Pass;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.lrp.rules.WSquare;
import org.lrp4j.lrp.rules.ZBox;
import org.lrp4j.lrp.rules.ZPlus;
import org.lrp4j.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Every LRP case of the conformance fixtures (reference relevance computed by Zennit 1.0.0 in float64, copied
 * into the test resources): run through the public API with the case's authoritative node rules, and for the
 * composite cases also with lrp4j's preset of the same name, within each case's float32 tolerance.
 */
class LrpConformanceTest {

    static final String[] MODELS = {"mlp", "cnn", "cnn_bn"};
    private static final Map<String, Model> LOADED = new ConcurrentHashMap<>();

    static Path dir(String model) {
        return Path.of("src/test/resources/conformance", model);
    }

    static JsonNode manifest(String model) throws IOException {
        try (InputStream in = Files.newInputStream(dir(model).resolve("cases.json"))) {
            return new ObjectMapper().readTree(in);
        }
    }

    static Model model(String name) {
        return LOADED.computeIfAbsent(name, n -> {
            try {
                return OnnxImporter.load(dir(n).resolve("model.onnx"));
            } catch (OnnxFormatException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static Stream<Arguments> lrpCases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String m : MODELS) {
            for (JsonNode c : manifest(m).get("cases")) {
                if (c.get("node_rules") != null && !c.get("node_rules").isNull()) {
                    out.add(Arguments.of(m, c.get("id").asText(), c));
                }
            }
        }
        return out.stream();
    }

    static Rule rule(JsonNode r) {
        float stab = r.has("stabilizer") ? (float) r.get("stabilizer").asDouble() : Rule.DEFAULT_EPSILON;
        return switch (r.get("rule").asText()) {
            case "epsilon" -> new Epsilon((float) r.get("epsilon").asDouble());
            case "zplus" -> new ZPlus(stab, false);
            case "alpha_beta" -> new AlphaBeta((float) r.get("alpha").asDouble(), (float) r.get("beta").asDouble(),
                    stab, false);
            case "gamma" -> new Gamma((float) r.get("gamma").asDouble(), stab, false);
            case "zbox" -> new ZBox(Tensor.scalar((float) r.get("low").asDouble()),
                    Tensor.scalar((float) r.get("high").asDouble()), stab);
            case "flat" -> new Flat(stab);
            case "wsquare" -> new WSquare(stab);
            case "norm" -> new Norm(stab);
            case "pass", "reshape" -> new Pass();
            case "gradient" -> new Gradient();
            default -> throw new IllegalArgumentException("unknown rule in fixture: " + r);
        };
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("lrpCases")
    void lrpCaseWithItsNodeRulesMatchesTheReference(String modelName, String id, JsonNode c) throws Exception {
        Composite composite = Composite.empty(id);
        for (JsonNode r : c.get("node_rules")) {
            composite = composite.with(Selector.name(r.get("node").asText()), rule(r));
        }
        List<Canonizer> canonizers = c.get("canonizer").isNull() ? List.of() : List.of(new MergeBatchNorm());
        Explanation e = run(modelName, c, LrpExplainer.builder(model(modelName), composite).canonizers(canonizers));
        assertWithinTolerance(modelName, id, c, e.attribution());
        assertLayerSums(modelName, id, c, e);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("lrpCases")
    void lrpCaseWithTheMatchingPresetMatchesTheReference(String modelName, String id, JsonNode c) throws Exception {
        String method = c.get("method").asText();
        Composite preset = switch (method) {
            case "composite_epsilon_plus_flat" -> Composites.epsilonPlusFlat();
            case "composite_epsilon_alpha2_beta1_flat" -> Composites.epsilonAlpha2Beta1Flat();
            case "composite_epsilon_gamma_box" -> {
                JsonNode b = manifest(modelName).get("zbox_bounds");
                yield Composites.epsilonGammaBox(Tensor.scalar((float) b.get("low").asDouble()),
                        Tensor.scalar((float) b.get("high").asDouble()));
            }
            case "composite_wsquare_first_epsilon_0.25" -> Composites.structural()
                    .with(Selector.opType("Conv", "Gemm"), new Epsilon(0.25f)).with(Selector.first(), new WSquare());
            case "lrp_epsilon_1e-6" -> everywhere(new Epsilon(1e-6f));
            case "lrp_epsilon_0.25" -> everywhere(new Epsilon(0.25f));
            case "lrp_zplus" -> everywhere(new ZPlus());
            case "lrp_alpha2_beta1" -> everywhere(new AlphaBeta(2f, 1f));
            case "lrp_alpha1_beta0" -> everywhere(new AlphaBeta(1f, 0f));
            case "lrp_gamma_0.25" -> everywhere(new Gamma(0.25f));
            default -> throw new IllegalArgumentException("no preset for " + method);
        };
        Explanation e = run(modelName, c, LrpExplainer.builder(model(modelName), preset));
        assertWithinTolerance(modelName, id, c, e.attribution());
    }

    private static Composite everywhere(Rule r) {
        return Composites.structural().with(Selector.opType("Conv", "Gemm"), r);
    }

    private static Explanation run(String modelName, JsonNode c, LrpExplainer.Builder builder) throws IOException {
        Tensor x = Npy.readTensor(dir(modelName).resolve("input.npy"));
        int[] targets = new int[c.get("targets").size()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = c.get("targets").get(i).asInt();
        }
        return builder.seed(OutputSeed.LOGIT).perNodeReport(true).build().explain(x, Targets.perImage(targets));
    }

    static void assertWithinTolerance(String model, String id, JsonNode c, Tensor actual) throws IOException {
        Tensor expected = Npy.readTensor(dir(model).resolve(c.get("output_file").asText()));
        JsonNode tol = c.get("tolerance").get("float32_implementation");
        double atol = tol.get("atol").asDouble();
        double rtol = tol.get("rtol").asDouble();
        assertThat(actual.shape()).isEqualTo(expected.shape());
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.size(); i++) {
            double a = actual.getFlat(i);
            double ex = expected.getFlat(i);
            double excess = Math.abs(a - ex) - (atol + rtol * Math.abs(ex));
            if (excess > worst || Double.isNaN(a)) {
                worst = Double.isNaN(a) ? Double.POSITIVE_INFINITY : excess;
                worstAt = i;
            }
        }
        assertThat(worstAt).as("%s %s: element %d is %s but the reference is %s (atol %s, rtol %s)", model, id,
                worstAt, worstAt < 0 ? "-" : actual.getFlat(worstAt), worstAt < 0 ? "-" : expected.getFlat(worstAt),
                atol, rtol).isEqualTo(-1);
    }

    /** The relevance each node sends to its inputs, summed per image, against the reference's layer sums. */
    private static void assertLayerSums(String model, String id, JsonNode c, Explanation e) {
        JsonNode sums = c.get("layer_relevance_sums");
        if (sums == null || sums.isNull()) {
            return;
        }
        double scale = 0;
        for (double v : e.report().outputTotal()) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertThat(e.report().nodes()).as("%s %s: per-node report", model, id).isNotEmpty();
        for (NodeRelevance n : e.report().nodes()) {
            JsonNode node = sums.get(n.node());
            if (node == null || node.size() != 1) {
                continue;
            }
            JsonNode perImage = node.elements().next();
            for (int i = 0; i < perImage.size(); i++) {
                assertThat(n.in()[i]).as("%s %s: relevance sent to the input of %s, image %d", model, id, n.node(), i)
                        .isCloseTo(perImage.get(i).asDouble(), org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, scale)));
            }
        }
    }
}
