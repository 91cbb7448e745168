package org.lrp4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.tensor.Tensor;

/** The shared LRP conformance models (copied into test resources): import, names, and outputs vs ORT and logits. */
class ConformanceModelsTest {

    static Path dir(String model) throws Exception {
        return Path.of(ConformanceModelsTest.class.getResource("/conformance/" + model + "/model.onnx").toURI())
                .getParent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "cnn_bn"})
    void importsAndMatchesOrtAndLogits(String name) throws Exception {
        Path d = dir(name);
        Path file = d.resolve("model.onnx");
        Model m = OnnxImporter.load(file);
        assertThat(m.inputs()).hasSize(1);
        assertThat(m.inputs().get(0).name()).isEqualTo("input");
        assertThat(m.outputs()).containsExactly("logits");

        Tensor x = TestNpy.read(d.resolve("input.npy"));
        assertThat(m.inputs().get(0).sampleShape().toArray())
                .containsExactly(java.util.Arrays.copyOfRange(x.dims(), 1, x.rank()));
        Tensor logits = TestNpy.read(d.resolve("logits.npy"));
        Tensor y = m.predict(x);
        double vsLogits = Ort.relDiff(y, logits);
        double vsOrt = Ort.relDiff(y, Ort.run(file, "input", x));
        System.err.printf("conformance %s: max rel diff vs logits.npy %.2e, vs ORT %.2e%n", name, vsLogits, vsOrt);
        assertThat(vsLogits).isLessThan(1e-5);
        assertThat(vsOrt).isLessThan(1e-4);

        SplittableRandom rng = new SplittableRandom(name.hashCode());
        for (int batch : new int[] {1, 3}) {
            int[] dims = x.dims().clone();
            dims[0] = batch;
            Tensor r = Tensor.randn(rng, 1f, dims);
            double rel = Ort.relDiff(m.predict(r), Ort.run(file, "input", r));
            System.err.printf("conformance %s: random batch %d: max rel diff vs ORT %.2e%n", name, batch, rel);
            assertThat(rel).isLessThan(1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "cnn_bn"})
    void keepsOnnxNodeNamesInGraphOrder(String name) throws Exception {
        Model m = OnnxImporter.load(dir(name).resolve("model.onnx"));
        String cases = java.nio.file.Files.readString(dir(name).resolve("cases.json"));
        // cases.json lists the ONNX nodes in order as {"name": ..., "op_type": ...}
        java.util.regex.Matcher mt = java.util.regex.Pattern
                .compile("\"onnx_nodes\"\\s*:\\s*\\[(.*?)\\}\\s*\\]", java.util.regex.Pattern.DOTALL).matcher(cases);
        assertThat(mt.find()).isTrue();
        java.util.regex.Matcher nm = java.util.regex.Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"\\s*,\\s*\"op_type\"")
                .matcher(mt.group(1));
        List<String> expected = new java.util.ArrayList<>();
        while (nm.find()) {
            expected.add(nm.group(1));
        }
        assertThat(expected).isNotEmpty();
        assertThat(m.nodes().stream().map(Node::name).toList()).containsExactlyElementsOf(expected);
    }
}
