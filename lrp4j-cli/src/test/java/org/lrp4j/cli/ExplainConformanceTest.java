package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lrp4j.io.Npy;
import org.lrp4j.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A sample of the LRP conformance cases (Zennit 1.0.0 references, in lrp4j-onnx's test resources) run through
 * {@code lrp4j explain} exactly as a user would, with presets and --rule.
 */
class ExplainConformanceTest {

    static final Path FIXTURES = Path.of("../lrp4j-onnx/src/test/resources/conformance");

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "cnn,    composite_epsilon_plus_flat__pred,            --composite=epsilon-plus-flat",
            "cnn_bn, composite_epsilon_gamma_box__pred_plus3,      --composite=epsilon-gamma-box --low=-0.8101983002832861 --high=2.0226628895184136",
            "cnn_bn, composite_epsilon_alpha2_beta1_flat__pred,    --composite=epsilon-alpha2-beta1-flat",
            "cnn,    composite_wsquare_first_epsilon_0.25__pred,   --composite=none --rule=linear=epsilon(0.25) --rule=first=wsquare",
            "mlp,    lrp_gamma_0.25__pred_plus3,                   --composite=none --rule=Gemm=gamma(0.25)",
            "cnn,    lrp_epsilon_0.25__pred,                       --composite=none --rule=linear=epsilon(0.25)",
            "cnn,    lrp_alpha2_beta1__pred,                       '--composite=none --rule=Conv=alpha_beta(2,1) --rule=Gemm=alpha_beta(2,1)'"})
    void explainCommandReproducesTheReference(String model, String caseId, String options) throws Exception {
        Path dir = FIXTURES.resolve(model);
        JsonNode manifest = new ObjectMapper().readTree(Files.readString(dir.resolve("cases.json")));
        JsonNode c = null;
        for (JsonNode k : manifest.get("cases")) {
            if (k.get("id").asText().equals(caseId)) {
                c = k;
            }
        }
        assertThat(c).as(caseId).isNotNull();
        StringBuilder targets = new StringBuilder();
        for (JsonNode t : c.get("targets")) {
            targets.append(targets.length() > 0 ? "," : "").append(t.asInt());
        }
        Path out = Files.createTempFile("lrp4j-conformance", ".npy");
        List<String> args = new ArrayList<>(List.of("explain", "--model", dir.resolve("model.onnx").toString(),
                "--input", dir.resolve("input.npy").toString(), "--target", targets.toString(), "--out",
                out.toString()));
        args.addAll(List.of(options.trim().split("\\s+")));
        TrainEvaluateCommandTest.Run r = TrainEvaluateCommandTest.run(args.toArray(new String[0]));
        assertThat(r.exit()).as(r.err()).isZero();
        Tensor actual = Npy.readTensor(out);
        Tensor expected = Npy.readTensor(dir.resolve(c.get("output_file").asText()));
        JsonNode tol = c.get("tolerance").get("float32_implementation");
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.getFlat(i);
            assertThat((double) actual.getFlat(i)).as("%s %s element %d", model, caseId, i)
                    .isCloseTo(e, org.assertj.core.data.Offset.offset(tol.get("atol").asDouble()
                            + tol.get("rtol").asDouble() * Math.abs(e)));
        }
        Files.deleteIfExists(out);
    }
}
